#!/usr/bin/env bash
# Builds the systemd test VM's disk image: a stock Debian (bookworm by default) from Debian's own packages,
# systemd as init (cgroup v2 only and / mounted shared, its defaults), with what a learner has before running
# `sudo scripts/provision.sh`: the packages that script installs, sudo, and Node.js (>= 20, this host's own, with
# its headers and npm, in /usr/local as an install from nodejs.org puts it). A user `learner` with passwordless
# sudo is logged in on the serial console; their login shell runs the test from the data disk, then powers off.
# scripts/systemd-vm.mjs runs this (as root) and keeps what it makes in its cache.
#
# Usage: build-image.sh <out-dir> <suite> <node-binary> <mirror> <security-mirror> <package>...
# Makes:  <out-dir>/{root.img, vmlinuz, initrd.img, packages.txt}
set -euo pipefail

OUT=$1 SUITE=$2 NODE=$3 MIRROR=$4 SECURITY=$5
shift 5
PACKAGES=("$@")
ROOT="$OUT/root"
IMAGE_SIZE=4G
# Where the data disk (the checkout, the npm cache, the test, its results) is mounted, and the uid of `learner`
# (the data disk's files are made theirs on the host). scripts/systemd-vm.mjs uses the same values.
DATA_MOUNT=/srv/labvm
LEARNER_UID=1000

log() { printf 'lab-systemd-vm: build: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# Node.js as the host has it: the binary, its headers (node-gyp builds node-pty against them, offline), and npm.
NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$NODE")")")"
NODE_HEADERS="$NODE_PREFIX/include/node"
NPM_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
[[ -f "$NODE_HEADERS/node.h" ]] || die "no Node.js headers at $NODE_HEADERS (node-gyp would have to download them)"
[[ -f "$NPM_DIR/package.json" ]] || die "npm not found next to $NODE"

# Packages beyond Debian's `important` set: systemd as a stock install has it (logind sessions, udev), a kernel
# and its initramfs, sudo for the learner, and then every package provision.sh installs.
SYSTEM=(systemd-sysv udev dbus libpam-systemd linux-image-amd64 initramfs-tools sudo e2fsprogs)
INCLUDE="$(IFS=,; echo "${SYSTEM[*]},${PACKAGES[*]}")"

mkdir -p "$OUT"
log "mmdebstrap $SUITE from $MIRROR (variant important + ${#SYSTEM[@]} + ${#PACKAGES[@]} packages)"
# In a mount namespace of its own: the chroot's /proc, /sys and /dev mounts never reach this host's mount table.
unshare --mount --propagation private --fork -- \
  mmdebstrap --mode=root --variant=important --include="$INCLUDE" "$SUITE" "$ROOT" \
  "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY $SUITE-security main" </dev/null

log "customising the root filesystem"
echo labhost >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tlabhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
mkdir -p "$ROOT$DATA_MOUNT"
cat >"$ROOT/etc/fstab" <<EOF
/dev/vda / ext4 rw,errors=remount-ro 0 1
LABEL=labvm $DATA_MOUNT ext4 rw,nofail,x-systemd.device-timeout=30s 0 0
EOF

# Node.js in /usr/local: node, its headers, npm (and npx) as npm's own bin links.
install -m 0755 "$NODE" "$ROOT/usr/local/bin/node"
mkdir -p "$ROOT/usr/local/include" "$ROOT/usr/local/lib/node_modules"
cp -a "$NODE_HEADERS" "$ROOT/usr/local/include/node"
cp -a "$NPM_DIR" "$ROOT/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"

# The learner: an ordinary user with passwordless sudo, as on a machine of one's own or a cloud VM.
chroot "$ROOT" useradd --create-home --shell /bin/bash --uid "$LEARNER_UID" --groups sudo learner
chroot "$ROOT" passwd --delete learner >/dev/null
echo 'learner ALL=(ALL:ALL) NOPASSWD: ALL' >"$ROOT/etc/sudoers.d/learner"
chmod 0440 "$ROOT/etc/sudoers.d/learner"

# The serial console logs the learner in; their login shell runs the test on the data disk once, then powers
# off (also when the test is missing or fails: the host waits for qemu to exit).
mkdir -p "$ROOT/etc/systemd/system/serial-getty@ttyS0.service.d"
cat >"$ROOT/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<'EOF'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin learner --noclear --keep-baud 115200,57600,38400,9600 %I $TERM
EOF
cat >>"$ROOT/home/learner/.profile" <<EOF

# The systemd test VM: on the serial console, run the test the host put on the data disk, then power off.
if [ "\$(tty)" = /dev/ttyS0 ]; then
  if [ -f $DATA_MOUNT/guest-test.sh ]; then
    bash $DATA_MOUNT/guest-test.sh
  else
    echo "lab-systemd-vm: no $DATA_MOUNT/guest-test.sh: the data disk is missing"
  fi
  sudo systemctl poweroff
fi
EOF

# No timers: a timer's service appearing in system.slice during a lab would show in the host snapshot as a
# change no lab made (apt-daily, man-db, logrotate... also have nothing to do on a machine without network).
for timer in $(chroot "$ROOT" systemctl list-unit-files --type=timer --no-legend | awk '{print $1}'); do
  chroot "$ROOT" systemctl mask "$timer" >/dev/null 2>&1
done

log "kernel, initrd and the package list"
cp "$(find "$ROOT/boot" -name 'vmlinuz-*' | sort -V | tail -1)" "$OUT/vmlinuz"
cp "$(find "$ROOT/boot" -name 'initrd.img-*' | sort -V | tail -1)" "$OUT/initrd.img"
chroot "$ROOT" dpkg-query -W >"$OUT/packages.txt"

log "mkfs.ext4 -d into a $IMAGE_SIZE sparse image"
truncate -s "$IMAGE_SIZE" "$OUT/root.img"
mkfs.ext4 -q -F -L labroot -d "$ROOT" "$OUT/root.img"
rm -rf "$ROOT"
