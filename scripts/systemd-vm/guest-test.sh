#!/usr/bin/env bash
# The systemd test VM's test. Runs once, as `learner`, from the login shell the serial console's autologin
# opened (so in a logind session scope), and does what the README tells a learner: copy the checkout home,
# `sudo scripts/provision.sh`, then `sudo lab verify <id> --tap` for every lab of `lab list --json`, each
# between two snapshots of the host's state. Everything it finds goes to results/ on the data disk, which
# scripts/systemd-vm.mjs reads back after power-off and turns into TAP; the console gets one line per stage.
# Copied onto the data disk by scripts/systemd-vm.mjs, with config (LABS: ids to run, all when empty;
# LAB_TIMEOUT: seconds one lab may take; CONTAINER: yes to run the container check of guest-container.sh after the
# labs, only to run it and no lab, no to skip it) beside it. With MODE=bench in config (scripts/bench-systemd.mjs), the
# same machine, session and provisioning, then scripts/systemd-vm/guest-bench.mjs times commands (BENCH_RUNS
# runs of each after a warm-up, the labs of LABS) into results/bench.json instead of the labs' test.
set -u
DATA="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
R="$DATA/results"
LABS=""
LAB_TIMEOUT=300
MODE=test
BENCH_RUNS=3
CONTAINER=no
# shellcheck source=/dev/null
. "$DATA/config"
mkdir -p "$R/labs"
cd ~ || exit 1
export LANG=C.UTF-8

# The line the host waits for: the learner is logged in, the test has started.
echo "LAB_SYSTEMD_VM_LOGGED_IN uptime=$(cut -d' ' -f1 /proc/uptime)"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "lab-systemd-vm: guest: $*"; echo "$(cut -d' ' -f1 /proc/uptime) $*" >>"$R/progress.log"; }
snap() { sudo bash "$DATA/snapshot.sh" 2>>"$R/snapshot.stderr"; }

# --- the session, as the test sees it -----------------------------------------------------------------------
cat /proc/self/cgroup >"$R/self-cgroup"
cut -d' ' -f1 /proc/uptime >"$R/login-uptime"
# Let startup finish first, so that nothing systemd still starts shows in a snapshot as a lab's doing.
systemctl is-system-running --wait >"$R/system-state" 2>&1
{
  echo "user: $(id)"
  echo "tty: $(tty)"
  echo "kernel: $(uname -r)"
  echo "debian: $(cat /etc/debian_version)"
  echo "systemd: $(systemctl --version | head -1)"
  echo "system state: $(cat "$R/system-state")"
  echo "/: $(findmnt -no FSTYPE,PROPAGATION /)"
  echo "/sys/fs/cgroup: $(findmnt -no FSTYPE,PROPAGATION /sys/fs/cgroup)"
  echo "root cgroup.subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
  echo "root cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
  echo "links: $(ip -o link show | awk -F': ' '{printf "%s ", $2}')"
  echo "cpus: $(nproc), memory: $(free -m | awk '/^Mem:/ {print $2}') MiB"
  echo "node: $(node --version), npm: $(npm --version)"
  echo "startup: $(systemd-analyze time 2>&1 | head -1)"
} >"$R/facts.txt" 2>&1
say "logged in as $(id -un), $(cat "$R/self-cgroup"), system $(cat "$R/system-state")"

# --- the snapshot itself: stable, and able to see a change ---------------------------------------------------
snap >"$R/control.0"
snap >"$R/control.1"
sudo ip link add sysvm-ctl0 type dummy
sudo mkdir /sys/fs/cgroup/sysvm-control
sleep 600 &
SLEEPER=$!
snap >"$R/control.2"
kill "$SLEEPER"
wait "$SLEEPER" 2>/dev/null
sudo ip link del sysvm-ctl0
sudo rmdir /sys/fs/cgroup/sysvm-control
snap >"$R/control.3"
diff "$R/control.0" "$R/control.1" >"$R/control.stable.diff"
diff "$R/control.0" "$R/control.2" >"$R/control.changed.diff"
diff "$R/control.0" "$R/control.3" >"$R/control.restored.diff"

# --- provisioning, as the Vagrantfile does it: the checkout in the learner's home, then provision.sh as root --
t0=$(now)
rm -rf ~/lab
cp -a "$DATA/lab" ~/lab
# No network here: npm takes every package from the host's cache, which the data disk brought.
printf 'cache=%s\noffline=true\nupdate-notifier=false\naudit=false\nfund=false\n' "$DATA/npm-cache" >~/.npmrc
since "$t0" >"$R/copy.seconds"
say "checkout copied to ~/lab in $(cat "$R/copy.seconds") s; sudo scripts/provision.sh"
t0=$(now)
(cd ~/lab && sudo scripts/provision.sh) </dev/null >"$R/provision.log" 2>&1
echo $? >"$R/provision.status"
since "$t0" >"$R/provision.seconds"
# npm's own log of `npm ci`, with its timings (what the time went to under TCG)
cp "$(ls -t "$DATA"/npm-cache/_logs/*-debug-0.log 2>/dev/null | head -1)" "$R/npm-ci-debug.log" 2>/dev/null
say "provision.sh: exit $(cat "$R/provision.status") in $(cat "$R/provision.seconds") s"

cd ~/lab || exit 1
if [[ $MODE == bench ]]; then
  if [[ $(cat "$R/provision.status") == 0 ]]; then
    # shellcheck disable=SC2046 # LABS is a comma-separated list of lab ids
    sudo node scripts/systemd-vm/guest-bench.mjs "$R/bench.json" "$BENCH_RUNS" "$LAB_TIMEOUT" $(tr , ' ' <<<"$LABS") </dev/null 2>"$R/bench.stderr"
    echo $? >"$R/bench.status"
  fi
  cut -d' ' -f1 /proc/uptime >"$R/end-uptime"
  touch "$R/done"
  sync
  say "done"
  exit 0
fi
lab list --json >"$R/labs.json" 2>"$R/list.stderr"
echo $? >"$R/list.status"
sudo lab doctor </dev/null >"$R/doctor.txt" 2>&1
echo $? >"$R/doctor.status"
say "lab doctor: exit $(cat "$R/doctor.status")"

# A lab that lacks only what is optional (qemu and a VM kernel: a VM inside this VM) is not run; the report says so.
# `root` is left out: the list is read as the learner, the labs run with sudo.
IDS=$(node -e '
  const onlyOptional = (l) => {
    const missing = l.missing.filter((m) => m !== "root");
    return missing.length > 0 && missing.every((m) => (l.missingOptional ?? []).includes(m));
  };
  const all = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).filter((l) => !onlyOptional(l)).map((l) => l.id);
  const wanted = process.argv[2].split(",").filter(Boolean);
  console.log((wanted.length ? all.filter((id) => wanted.includes(id)) : all).join(" "));
' "$R/labs.json" "$LABS" 2>>"$R/list.stderr")
[[ $CONTAINER == only ]] && IDS=""
echo "$IDS" >"$R/labs.run"

# --- every lab, between two snapshots ------------------------------------------------------------------------
# The host against <f>.before: a change gets a few seconds to go away (the kernel frees some things after the last
# process exits); what is still there then is what the run left behind. Writes <f>.after, <f>.diff (and
# <f>.first-diff, <f>.settle when it took a while).
compare() {
  local f=$1 t0
  t0=$(now)
  snap >"$f.after"
  for _ in 1 2 3 4 5; do
    diff -q "$f.before" "$f.after" >/dev/null && break
    [[ -s $f.first-diff ]] || diff "$f.before" "$f.after" >"$f.first-diff"
    sleep 1
    snap >"$f.after"
  done
  diff "$f.before" "$f.after" >"$f.diff"
  [[ -s $f.first-diff ]] && since "$t0" >"$f.settle"
}

for id in $IDS; do
  f="$R/labs/$id"
  snap >"$f.before"
  t0=$(now)
  # --foreground: sudo stays in the terminal's foreground process group, as when a learner types the command;
  # at the time limit sudo gets SIGTERM and passes it on to lab, which cleans up. --prove-checks: every check is
  # also read before its step, where it must fail, so the checks are proven able to fail on this host too.
  timeout --foreground --kill-after=10 "$LAB_TIMEOUT" sudo lab verify "$id" --tap --prove-checks </dev/null >"$f.tap" 2>"$f.stderr"
  echo $? >"$f.status"
  since "$t0" >"$f.seconds"
  compare "$f"
  say "$id: exit $(cat "$f.status") in $(cat "$f.seconds") s, host $([[ -s $f.diff ]] && echo CHANGED || echo 'as it was')"
done

# --- lab container on this host: each container in a delegated scope of its own -----------------------------
if [[ $CONTAINER != no ]]; then
  t0=$(now)
  sudo bash "$DATA/guest-container.sh" "$R/container" "$DATA/snapshot.sh" </dev/null >"$R/container.out" 2>&1
  echo $? >"$R/container.status"
  since "$t0" >"$R/container.seconds"
  say "container check: $(grep -c '^ok' "$R/container/points" 2>/dev/null) of $(wc -l <"$R/container/points" 2>/dev/null) points passed in $(cat "$R/container.seconds") s"
fi

# --- systemd at work while a lab runs (a whole run only) -----------------------------------------------------
# Wait (up to 30 s) for the scope systemd made for a run of the lab whose cgroup is `lab-<short>`, then 2 s more.
scope_of() { ls -d /sys/fs/cgroup/system.slice/lab-"$1"-*.scope 2>/dev/null | head -1; }
await_scope() {
  for _ in $(seq 150); do [[ -n $(scope_of "$1") ]] && { sleep 2; return 0; }; sleep 0.2; done
  return 1
}
if [[ -z $LABS && $CONTAINER != only ]]; then
  S="$R/scenarios"
  mkdir -p "$S"
  # 1. apt runs daemon-reload after installing a unit, and services start at any time: systemd then writes the
  # tree again. The delegated scope must keep its controllers, and the lab pass.
  f="$S/reload"
  snap >"$f.before"
  t0=$(now)
  timeout --foreground --kill-after=10 "$LAB_TIMEOUT" sudo lab verify cgroup-cpu --tap </dev/null >"$f.tap" 2>"$f.stderr" &
  LABPID=$!
  if await_scope cpu; then
    scope=$(scope_of cpu)
    {
      echo "scope: ${scope#/sys/fs/cgroup}"
      echo "before: controllers $(cat "$scope/cgroup.controllers"); subtree_control $(cat "$scope/cgroup.subtree_control")"
      sudo systemctl daemon-reload
      sudo systemd-run --wait --quiet true
      echo "after: controllers $(cat "$scope/cgroup.controllers"); subtree_control $(cat "$scope/cgroup.subtree_control")"
    } >"$f.facts" 2>&1
  else
    echo "no lab-cpu scope appeared within 30 s" >"$f.facts"
  fi
  wait "$LABPID"
  echo $? >"$f.status"
  since "$t0" >"$f.seconds"
  compare "$f"
  say "cgroup-cpu with daemon-reload and a unit started mid-lab: exit $(cat "$f.status"), host $([[ -s $f.diff ]] && echo CHANGED || echo 'as it was')"

  # 2. The harness killed with SIGKILL mid-lab (no cleanup of its own), then `lab clean` from the journal.
  f="$S/kill"
  snap >"$f.before"
  t0=$(now)
  sudo lab verify cgroup-memory </dev/null >"$f.out" 2>&1 &
  LABPID=$!
  if await_scope memory; then
    victim=$(pgrep -f '^node .*lab(\.js)? verify cgroup-memory' | head -1)
    echo "killed: ${victim:-none found}" >"$f.facts"
    [[ -n $victim ]] && sudo kill -KILL "$victim"
    wait "$LABPID" 2>/dev/null
    echo "right after: lab-* cgroups $(find /sys/fs/cgroup -name 'lab-*' | wc -l), journals $(sudo ls /var/lib/lab/runs | wc -l)" >>"$f.facts"
  else
    echo "no lab-memory scope appeared within 30 s" >"$f.facts"
    wait "$LABPID"
  fi
  sudo lab clean </dev/null >"$f.clean" 2>&1
  echo $? >"$f.status"
  since "$t0" >"$f.seconds"
  compare "$f"
  say "kill -9 mid cgroup-memory, then lab clean: exit $(cat "$f.status"), host $([[ -s $f.diff ]] && echo CHANGED || echo 'as it was')"
fi

sudo journalctl -b --no-pager >"$R/journal.txt" 2>&1
sudo dmesg >"$R/dmesg.txt" 2>&1
cut -d' ' -f1 /proc/uptime >"$R/end-uptime"
touch "$R/done"
sync
say "done"
