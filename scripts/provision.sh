#!/usr/bin/env bash
# Provisions a Debian or Ubuntu machine for `lab`: the system tools the labs use, Node.js >= 20,
# the npm dependencies and the build (npm ci), and `lab` on the PATH.
# The one provisioning script: the README quick start, .ci/run and the Vagrantfile all run it.
# Safe to run again: every step checks or converges, none asks a question.
#
#   sudo scripts/provision.sh                      # provision
#   sudo scripts/provision.sh --run pid-namespace  # ... then start a lab
#   scripts/provision.sh --no-npm                  # skip npm ci (the caller runs it)
#   scripts/provision.sh --with-vm                 # also install what the test VMs need (qemu, mmdebstrap...)
#   scripts/provision.sh --with-tests              # ... and what the test suite needs besides (a headless browser)
#   scripts/provision.sh --print-packages          # list the Debian packages it installs, then exit
set -euo pipefail

SCRIPT="$(readlink -f "${BASH_SOURCE[0]}")"
REPO="$(dirname "$(dirname "$SCRIPT")")"
LAB_LINK=/usr/local/bin/lab
NODE_MIN_MAJOR=20

# Packages every lab needs, and why.
BASE_PACKAGES=(
  util-linux      # unshare, nsenter, lsns, mount, runuser
  procps          # ps, pgrep
  iputils-ping    # ping, for the network lab
  psmisc          # pstree, killall (shown in the labs)
  iproute2        # ip link, ip netns
  busybox-static  # a static shell and tools for the lab's root filesystem
  tmux            # end-to-end tests drive the TUI in tmux
  ca-certificates # npm over https
  git
  python3 make g++ # node-gyp builds node-pty's native addon
  gcc libc6-dev    # npm run build compiles lab-init (native/lab-init.c), statically: a container starts in one process
  kmod            # modprobe, lsmod (overlay, veth)
  nftables        # NAT for container networks, only ever inside lab's own network namespaces
  runc crun       # OCI runtimes: one bundle runs under them and `lab container run --bundle` (test, benchmark)
)

# Packages only the test suite needs (--with-tests, which also implies --with-vm), and why.
TEST_PACKAGES=(
  chromium # the class page's test opens it in a real headless browser (test/class/page.test.ts)
)

# Packages of the test VMs (--with-vm), and why. Neither VM's kernel or root filesystem is ever installed on
# this host: scripts/vm.mjs unpacks Debian's kernel package into /var/cache/lab-vm, scripts/systemd-vm.mjs
# builds a whole Debian root filesystem into /var/cache/lab-systemd-vm.
VM_PACKAGES=(
  qemu-system-x86        # runs both test VMs
  busybox-static         # the cgroup v2 test VM's initramfs
  xz-utils               # unpacks that VM's kernel package
  mmdebstrap             # the systemd test VM's Debian root filesystem
  debian-archive-keyring # ... checked against Debian's signing keys
  e2fsprogs              # mkfs.ext4 -d makes its disks from directories, debugfs reads its results back
)

log() { printf '==> %s\n' "$*"; }
die() { printf 'provision.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<'EOF'
Usage: scripts/provision.sh [--run <lab-id>] [--no-npm] [--with-vm | --with-tests] [--print-packages]

  --run <lab-id>    when done, start that lab: `lab run <lab-id>`
  --no-npm          skip `npm ci` (for callers that install the npm dependencies themselves)
  --with-vm         also install what the test VMs need: qemu-system-x86, busybox-static, xz-utils,
                    mmdebstrap, debian-archive-keyring, e2fsprogs (their Debian kernel and root
                    filesystem go to /var/cache, never onto this host)
  --with-tests      --with-vm, and what only the test suite needs: chromium (the class page's test)
  --print-packages  print the Debian packages this script installs, one per line (with --with-vm,
                    the test VMs' too), and exit: nothing is installed, root is not needed
  -h, --help        show this help

Packages already installed are left as they are: when all are, apt-get is not run at all.
EOF
}

# --- options ----------------------------------------------------------------------------------
ORIG_ARGS=("$@")
RUN_ID=""
DO_NPM=1
WITH_VM=0
WITH_TESTS=0
PRINT_PACKAGES=0
while (($#)); do
  case "$1" in
    --run)
      [[ $# -ge 2 && -n "$2" ]] || die "--run needs a lab id, e.g. --run pid-namespace"
      RUN_ID="$2"
      shift 2
      ;;
    --run=*) RUN_ID="${1#--run=}"; shift ;;
    --no-npm) DO_NPM=0; shift ;;
    --with-vm) WITH_VM=1; shift ;;
    --with-tests) WITH_VM=1; WITH_TESTS=1; shift ;;
    --print-packages) PRINT_PACKAGES=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

# The package list alone (scripts/systemd-vm.mjs puts these packages into its image): no root, no apt.
if ((PRINT_PACKAGES)); then
  printf '%s\n' "${BASE_PACKAGES[@]}"
  if ((WITH_VM)); then printf '%s\n' "${VM_PACKAGES[@]}"; fi
  if ((WITH_TESTS)); then printf '%s\n' "${TEST_PACKAGES[@]}"; fi
  exit 0
fi

# --- root -------------------------------------------------------------------------------------
# apt-get, the symlink in /usr/local/bin and the labs themselves need root.
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || die "run this script as root (sudo is not installed)"
  log "not root: running again with sudo"
  exec sudo bash "$SCRIPT" "${ORIG_ARGS[@]}"
fi

command -v apt-get >/dev/null ||
  die "this script supports Debian and Ubuntu (apt-get not found); install the packages listed in BASE_PACKAGES by hand"

export DEBIAN_FRONTEND=noninteractive
# Fresh VMs often run unattended-upgrades at boot: wait for the dpkg lock instead of failing.
APT_OPTS=(-q -y -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)

APT_UPDATED=0
# apt-get update, at most once per run: a fresh machine may have no package lists at all.
apt_update_once() {
  ((APT_UPDATED)) && return 0
  log "apt-get update"
  apt-get "${APT_OPTS[@]}" update
  APT_UPDATED=1
}

apt_install() {
  apt_update_once
  apt-get "${APT_OPTS[@]}" install --no-install-recommends "$@"
}

# The packages among the arguments that dpkg does not have installed, one per line.
missing_packages() {
  local pkg
  for pkg in "$@"; do
    [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null)" == "ii " ]] || echo "$pkg"
  done
}

# Install what is missing of a package list. When nothing is, apt-get is not run at all: no
# network needed, nothing upgraded behind the learner's back, and a machine built with these
# packages (the systemd test VM, which has no network) provisions as it is.
ensure_packages() {
  local what=$1 missing
  shift
  mapfile -t missing < <(missing_packages "$@")
  if ((${#missing[@]} == 0)); then
    log "$what: all installed: ok"
    return
  fi
  log "installing $what: ${missing[*]}"
  apt_install "${missing[@]}"
}

# --- steps ------------------------------------------------------------------------------------

# The system tools the labs and the build use.
install_base_packages() {
  ensure_packages "system packages" "${BASE_PACKAGES[@]}"
}

# The major version of the `node` on the PATH, or 0 if there is none.
node_major() {
  hash -r
  command -v node >/dev/null || { echo 0; return; }
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

# Node.js >= 20: the distribution's package if it is new enough, else Node 20 through `n`.
ensure_node() {
  local major
  major="$(node_major)"
  if ((major >= NODE_MIN_MAJOR)); then
    log "node $(node --version) found: ok"
    return
  fi
  log "node >= $NODE_MIN_MAJOR not found (have: ${major/#0/none}): installing the distribution's nodejs and npm"
  apt_install nodejs npm || log "apt-get could not install nodejs/npm; trying n"
  major="$(node_major)"
  if ((major >= NODE_MIN_MAJOR)); then
    log "node $(node --version) installed"
    return
  fi
  command -v npm >/dev/null || die "npm is missing, so Node $NODE_MIN_MAJOR cannot be installed with n; install Node.js >= $NODE_MIN_MAJOR by hand"
  # `n` downloads the official Node.js build from nodejs.org (a learner's machine reaches it)
  # and installs it under /usr/local, headers included, so node-gyp builds without a download.
  log "the distribution's node is $(node --version 2>/dev/null || echo missing): installing Node $NODE_MIN_MAJOR with n (from nodejs.org)"
  apt_install curl
  npm install -g n
  n "$NODE_MIN_MAJOR"
  major="$(node_major)"
  ((major >= NODE_MIN_MAJOR)) ||
    die "installed Node $NODE_MIN_MAJOR with n, but \`node\` on the PATH is still $(node --version): put /usr/local/bin before $(dirname "$(command -v node)") in PATH"
  log "node $(node --version) installed in /usr/local"
}

# node-gyp downloads Node's headers unless told where they are. Use the nodedir root's npm
# config already names, else the headers that come with this node (NodeSource, n, Debian's
# libnode-dev), and export it: npm ci may run as another user, who does not read root's ~/.npmrc.
use_local_node_headers() {
  local prefix configured
  [[ -z "${npm_config_nodedir:-}" ]] || return 0
  configured="$(cd "$REPO" && { npm config get nodedir 2>/dev/null || true; })"
  if [[ -n "$configured" && "$configured" != undefined && "$configured" != null ]]; then
    export npm_config_nodedir="$configured"
    return 0
  fi
  prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  if [[ -f "$prefix/include/node/node.h" ]]; then
    export npm_config_nodedir="$prefix"
  fi
}

# npm ci in the repo root: installs the dependencies (node-pty builds its addon; package.json's
# allowScripts lets npm run that script unattended) and runs `prepare`, which is tsc.
# It runs as the owner of the checkout, so that node_modules/ and dist/ stay theirs and
# `npm test` works later without sudo.
install_npm_dependencies() {
  local owner
  owner="$(stat -c %U "$REPO")"
  use_local_node_headers
  cd "$REPO"
  if [[ "$owner" != root ]] && id -u "$owner" >/dev/null 2>&1; then
    log "npm ci in $REPO (as $owner, the owner of the checkout)"
    runuser -u "$owner" -- npm ci --no-audit --no-fund
  else
    log "npm ci in $REPO"
    npm ci --no-audit --no-fund
  fi
}

# `lab` on the PATH: a symlink to bin/lab.js, which runs the build in dist/.
link_lab() {
  log "linking $LAB_LINK -> $REPO/bin/lab.js"
  ln -sf "$REPO/bin/lab.js" "$LAB_LINK"
  [[ -f "$REPO/dist/src/cli/main.js" ]] ||
    log "warning: $REPO/dist/src/cli/main.js is missing: run \`npm ci\` or \`npm run build\` before \`lab\`"
}

# The test VMs (not installed by default, see --with-vm): VM_PACKAGES above.
install_vm_packages() {
  ensure_packages "test VM packages" "${VM_PACKAGES[@]}"
}

install_base_packages
if ((WITH_VM)); then install_vm_packages; fi
if ((WITH_TESTS)); then ensure_packages "test suite packages" "${TEST_PACKAGES[@]}"; fi
ensure_node
if ((DO_NPM)); then
  install_npm_dependencies
else
  log "skipping npm ci (--no-npm)"
fi
link_lab
log "done: $(command -v lab) ($(node --version))"

if [[ -n "$RUN_ID" ]]; then
  log "lab run $RUN_ID"
  exec "$LAB_LINK" run "$RUN_ID"
fi
