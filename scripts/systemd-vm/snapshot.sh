#!/usr/bin/env bash
# Prints the host state a lab must leave as it found it, one section per kind of thing, sorted, so that two
# snapshots compare with diff. Runs as root in the systemd test VM (`sudo bash snapshot.sh`), before and after
# each lab. Nothing it runs matches what it looks for (no unshare, nsenter or sleep; no LAB_RUN_ID).
set -u
export LC_ALL=C
SELF=$$

section() { printf '## %s\n' "$1"; }

section 'mounts: mount point, fstype, source, propagation (shared:N, master:N or private)'
awk '{ tags = ""; for (i = 7; $i != "-"; i++) tags = tags (tags == "" ? "" : " ") $i
       print $5, $(i + 1), $(i + 2), (tags == "" ? "private" : tags) }' /proc/self/mountinfo | sort

section 'network links'
ip -o link show | sed -E 's/^[0-9]+: //' | sort
section 'network namespaces'
ip netns list 2>&1 | sort

# The whole cgroup tree but the user manager's own subtree (systemd --user starts and stops units there on
# its own), then every lab-* cgroup wherever it is, and what the root passes down.
section 'cgroups'
(cd /sys/fs/cgroup && find . -mindepth 1 -type d -not -path '*/user@*.service/*' | sort)
section 'lab-* cgroups, any depth'
find /sys/fs/cgroup -name 'lab-*' | sort
section 'cgroup.subtree_control of the root'
cat /sys/fs/cgroup/cgroup.subtree_control
section "systemd units lab-* (transient scopes and services too)"
systemctl list-units --all --plain --no-legend --no-pager 'lab-*' | sort

section 'processes: unshare, nsenter, sleep'
ps -eo pid=,comm=,args= | awk '$2 == "unshare" || $2 == "nsenter" || $2 == "sleep"' | sort -n
section 'processes with LAB_RUN_ID in their environment'
# grep -z reads each environment variable as a line; one grep for every process keeps this fast under TCG.
grep -lz '^LAB_RUN_ID=' /proc/[0-9]*/environ 2>/dev/null | while read -r environ; do
  pid=${environ#/proc/}
  pid=${pid%/environ}
  [[ $pid == "$SELF" ]] && continue
  echo "$pid $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")"
done | sort -n

section 'loop devices'
losetup --list --noheadings --output NAME,BACK-FILE 2>&1 | sort
section 'System V IPC: queues, shared memory, semaphores'
ipcs -q -m -s 2>&1 | awk 'NF && $1 ~ /^0x/' | sort
section 'POSIX message queues (/dev/mqueue)'
ls -A /dev/mqueue 2>&1
section '/run/lab-*'
ls -d /run/lab-* 2>/dev/null
section 'hostname, domainname'
hostname
domainname
section 'lab journals (/var/lib/lab/runs)'
ls -A /var/lib/lab/runs 2>/dev/null
exit 0
