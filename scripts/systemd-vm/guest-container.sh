#!/usr/bin/env bash
# The systemd test VM's container check: `lab container` on a stock systemd host, where each container's cgroup
# must live in a transient scope of its own (lab-container-<id12>.scope, Delegate=yes) and go with it.
# Run as root by guest-test.sh once provisioning is done (`sudo bash guest-container.sh <dir> <snapshot.sh>`);
# writes <dir>/points, one line per test point: `ok|not ok<TAB>description<TAB>what was found`, which
# report.mjs turns into TAP, plus the host snapshots before and after (<dir>/host.diff must be empty).
set -u
export LC_ALL=C
D=$1
SNAP=$2
mkdir -p "$D"
P="$D/points"
: >"$P"
CG=/sys/fs/cgroup
SLICE=$CG/system.slice

# point <status: 0 is ok> <description> <found>
point() {
  local ok=ok
  [[ $1 == 0 ]] || ok='not ok'
  printf '%s\t%s\t%s\n' "$ok" "$2" "$(tr '\n\t' '  ' <<<"$3")" >>"$P"
}
# The value of a JSON path (e.g. .State.Pid) of `lab container inspect <c>`'s first object.
inspect() { lab container inspect "$1" 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(eval("JSON.parse(s)[0]"+process.argv[1]))}catch{console.log("")}})' "$2"; }
# What is left of the container whose id starts with $1: its scope unit, cgroup, processes (none: empty).
leftovers() {
  local id12=$1
  {
    systemctl list-units --all --plain --no-legend "lab-container-$id12.scope" | awk 'NF { print "unit: " $0 }'
    find "$CG" -name "lab-container-$id12*" | sed 's/^/cgroup: /'
    grep -lz "^LAB_RUN_ID=lab-container-$id12" /proc/[0-9]*/environ 2>/dev/null | sed 's/^/process: /'
  } 2>/dev/null
}

# The image is built once, before the first snapshot (it stays, as Docker's images do).
lab container run --rm busybox true >"$D/warmup.out" 2>&1
status=$?
point "$status" 'lab container run --rm busybox true (busybox image built offline on first use)' "exit $status; $(tail -3 "$D/warmup.out")"
bash "$SNAP" >"$D/host.before" 2>>"$D/snapshot.stderr"

# 1. The OOM kill: exit 137, and the kernel says the memcg was the container's cgroup inside its scope.
dmesg --clear 2>/dev/null
timeout 180 lab container run --rm --memory 16m busybox tail /dev/zero >"$D/oom.out" 2>&1
status=$?
point $((status != 137)) 'lab container run --rm --memory 16m busybox tail /dev/zero exits 137' "exit $status; $(tail -3 "$D/oom.out")"
memcg=$(dmesg | grep -o 'oom_memcg=[^,]*' | tail -1)
[[ $memcg =~ ^oom_memcg=/system\.slice/lab-container-[0-9a-f]{12}\.scope/lab-container-[0-9a-f]{12}$ ]]
point $? "the OOM killer acted in the container's cgroup, inside its own scope" "${memcg:-no oom-kill line in dmesg}"

# 2. A detached container: PID 1 in <scope>/lab-container-<id12>, the scope known to systemd, the limits in force.
id=$(lab container run -d --name lab-sysvm --memory 32m --pids-limit 20 busybox sleep 1000 2>"$D/run-d.err")
status=$?
point "$status" 'lab container run -d --memory 32m --pids-limit 20 busybox sleep 1000' "exit $status, id ${id:-none}; $(tail -3 "$D/run-d.err")"
id12=${id:0:12}
scope=lab-container-$id12.scope
pid=$(inspect lab-sysvm .State.Pid)
want="0::/system.slice/$scope/lab-container-$id12"
found=$(cat "/proc/$pid/cgroup" 2>&1)
point $([[ $found == "$want" ]] && echo 0 || echo 1) "PID 1's /proc/<pid>/cgroup is $want" "pid ${pid:-?}: $found"
systemctl status --no-pager "$scope" >"$D/status.out" 2>&1
status=$?
point "$status" "systemctl status $scope: active" "exit $status; $(head -3 "$D/status.out")"
found=$(systemctl show -p Delegate -p Slice "$scope" 2>&1 | sort | tr '\n' ' ')
point $([[ $found == 'Delegate=yes Slice=system.slice ' ]] && echo 0 || echo 1) "the scope is delegated, in system.slice" "$found"
found=$(cat "$SLICE/$scope/lab-container-$id12/memory.max" "$SLICE/$scope/lab-container-$id12/pids.max" 2>&1 | tr '\n' ' ')
point $([[ $found == '33554432 20 ' ]] && echo 0 || echo 1) "memory.max and pids.max of <scope>/lab-container-<id12>: 33554432 20" "$found"
# pids.max in force: 30 more processes in the container's cgroup meet the limit.
lab container exec lab-sysvm sh -c 'for i in $(seq 30); do sleep 2 & done; wait' >"$D/pids.out" 2>&1
found=$(cat "$SLICE/$scope/lab-container-$id12/pids.events" 2>&1 | tr '\n' ' ')
point $([[ $found =~ max\ [1-9] ]] && echo 0 || echo 1) 'pids.max in force: forks beyond 20 refused (pids.events max > 0)' "$found"
systemctl daemon-reload
found=$(cat "$SLICE/$scope/cgroup.subtree_control" "$SLICE/$scope/lab-container-$id12/memory.max" 2>&1 | tr '\n' ' ')
point $([[ $found =~ memory.*pids.*33554432 ]] && echo 0 || echo 1) 'after systemctl daemon-reload the scope still passes memory and pids on, memory.max kept' "$found"

# 3. rm -f: no scope, cgroup or process left.
lab container rm -f lab-sysvm >"$D/rm.out" 2>&1
status=$?
left=$(leftovers "$id12")
point $((status != 0)) 'lab container rm -f' "exit $status; $(cat "$D/rm.out")"
point $([[ -z $left ]] && echo 0 || echo 1) 'after rm: no scope, cgroup or process of the container' "${left:-nothing}"
[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && point 1 'PID 1 is gone after rm' "$pid runs"

# 4. kill -9 of the supervisor, then lab clean.
id=$(lab container run -d --name lab-sysvm-k9 --memory 32m busybox sleep 1000 2>"$D/run-k9.err")
id12=${id:0:12}
supervisor=$(inspect lab-sysvm-k9 .Supervisor.Pid)
point $([[ -d $SLICE/lab-container-$id12.scope/lab-container-$id12 ]] && echo 0 || echo 1) 'a second detached container, in its own scope' "id ${id:-none}, supervisor ${supervisor:-?}"
[[ -n $supervisor && $supervisor != 0 ]] && kill -KILL "$supervisor"
sleep 2
lab clean >"$D/clean.out" 2>&1
status=$?
left=$(leftovers "$id12")
point "$status" 'kill -9 of its supervisor, then lab clean exits 0' "exit $status; $(tail -5 "$D/clean.out")"
point $([[ -z $left ]] && echo 0 || echo 1) 'after lab clean: no scope, cgroup or process of the container' "${left:-nothing}"

# 5. The host as before (a change gets a few seconds to go away).
for _ in 1 2 3 4 5; do
  bash "$SNAP" >"$D/host.after" 2>>"$D/snapshot.stderr"
  diff -q "$D/host.before" "$D/host.after" >/dev/null && break
  sleep 1
done
diff "$D/host.before" "$D/host.after" >"$D/host.diff"
point $([[ -s $D/host.diff ]] && echo 1 || echo 0) 'host left as it was after the containers' "$(head -20 "$D/host.diff")"
exit 0
