// What runs inside the test VM, as busybox sh scripts, and the lines it prints that the host
// watches for. Stage 1 is /init in the initramfs; stage 2 runs as PID 1 in the new root and runs
// the command the host wrote into the exchange directory. (Written without `${...}` so that they
// can live in template literals.)

/** Printed by /init as soon as it runs: the kernel has booted (the host's boot-progress check). */
export const BOOTED = 'LAB_VM_BOOTED';
/** Starts the line /init prints when a boot step fails, before it powers off. */
export const FAIL = 'LAB_VM_FAIL:';

/** 9p tags of the two shares (qemu `mount_tag`). */
export const TAG_ROOT = 'hostroot';
export const TAG_IO = 'labio';
/** The optional share that outlives the VM (LAB_VM_KEEP), mounted by the test that asks for it. */
export const TAG_KEEP = 'labkeep';

/** Where the guest sees the exchange directory (the host's per-run temp dir, writable). */
export const GUEST_IO = '/run/lab-vm';
/**
 * Files in the exchange directory: the command stage 2 runs, the directory it runs in (which
 * stage 1 keeps visible when it is under /tmp or /run, where the guest mounts empty tmpfs), and
 * the command's exit status, written by the guest.
 */
export const COMMAND_FILE = 'command';
export const CWD_FILE = 'cwd';
export const STATUS_FILE = 'status';

// 9p message size: the largest the 6.1 virtio transport takes (fewer round trips through qemu).
const MSIZE = 512000;

/** The initramfs /init: mounts, modules, the overlay root, cgroup2, then switch_root to stage 2. */
export const STAGE1 = `#!/bin/sh
# Stage 1 of the lab test VM: PID 1 in the initramfs (scripts/vm/init.mjs).
export PATH=/bin
fail() {
  echo "${FAIL} $*"
  poweroff -f
  sleep 60 # poweroff -f does not return; PID 1 must never exit (the kernel would panic)
}
/bin/busybox mount -t proc proc /proc || fail "mount proc on /proc"
/bin/busybox --install -s /bin
mount -t sysfs sysfs /sys || fail "mount sysfs on /sys"
mount -t devtmpfs devtmpfs /dev || fail "mount devtmpfs on /dev"
echo ${BOOTED}

# Dependencies first: the host wrote the order after reading each module's depends=.
for m in $(cat /lib/lab-vm/order); do
  insmod "/lib/lab-vm/$m.ko" || fail "insmod /lib/lab-vm/$m.ko"
done

# The exchange directory (writable): the command, the directory it runs in, its status.
mkdir -p /mnt/host /mnt/rw /mnt/io /mnt/keep /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,msize=${MSIZE} ${TAG_IO} /mnt/io || fail "mount -t 9p ${TAG_IO} on /mnt/io"
cwd=$(cat /mnt/io/${CWD_FILE})

# The host's / over virtio-9p, read-only; a tmpfs layer on top makes it writable for this boot only.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=${MSIZE},cache=loose ${TAG_ROOT} /mnt/host ||
  fail "mount -t 9p ${TAG_ROOT} on /mnt/host"
mount -t tmpfs -o mode=0755 tmpfs /mnt/rw || fail "mount tmpfs on /mnt/rw"
mkdir /mnt/rw/upper /mnt/rw/work
mount -t overlay -o lowerdir=/mnt/host,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work overlay /newroot ||
  fail "mount overlay on /newroot (lower: 9p ${TAG_ROOT}, upper: tmpfs)"

# Move /dev, /proc and /sys rather than mount new ones: our stdout is the console on /dev.
mount --move /dev /newroot/dev || fail "mount --move /dev /newroot/dev"
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /newroot/dev/pts || fail "mount devpts on /dev/pts"
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /newroot/dev/shm || fail "mount tmpfs on /dev/shm"
mount --move /proc /newroot/proc || fail "mount --move /proc /newroot/proc"
mount --move /sys /newroot/sys || fail "mount --move /sys /newroot/sys"

# cgroup v2 alone at /sys/fs/cgroup, with the options systemd uses on Debian 12, and every
# controller the kernel offers enabled for the root's children.
cg=/newroot/sys/fs/cgroup
mount -t cgroup2 -o nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot cgroup2 $cg ||
  fail "mount -t cgroup2 on /sys/fs/cgroup"
for c in $(cat $cg/cgroup.controllers); do
  echo "+$c" > $cg/cgroup.subtree_control || fail "write +$c to /sys/fs/cgroup/cgroup.subtree_control"
done

# Empty /tmp and /run, as on a booted host. A checkout under one of them stays visible: it is
# bound aside first and moved back on top of the new tmpfs.
keep=
case "$cwd" in /tmp | /tmp/* | /run | /run/*) keep=1 ;; esac
if [ -n "$keep" ]; then mount --bind "/newroot$cwd" /mnt/keep || fail "mount --bind $cwd /mnt/keep"; fi
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /newroot/tmp || fail "mount tmpfs on /tmp"
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /newroot/run || fail "mount tmpfs on /run"
if [ -n "$keep" ]; then
  mkdir -p "/newroot$cwd" && mount --move /mnt/keep "/newroot$cwd" || fail "mount --move /mnt/keep $cwd"
fi
mkdir -p /newroot/run/lock /newroot${GUEST_IO} /newroot/run/lab-vm-init
# lab's state directory on a tmpfs: on a booted host it is on the root's disk, but overlayfs refuses an upper or
# work directory (a container's writable layer) on another overlayfs, such as this root.
mkdir -p /newroot/var/lib/lab && mount -t tmpfs -o nosuid,nodev,mode=0700 tmpfs /newroot/var/lib/lab ||
  fail "mount tmpfs on /var/lib/lab"
mount --move /mnt/io /newroot${GUEST_IO} || fail "mount --move /mnt/io ${GUEST_IO}"
cp /bin/busybox /lib/lab-vm/stage2 /newroot/run/lab-vm-init/ || fail "copy stage 2 to /run/lab-vm-init"
hostname lab-vm
exec switch_root /newroot /run/lab-vm-init/busybox sh /run/lab-vm-init/stage2
fail "switch_root /newroot"
`;

/** Stage 2, PID 1 in the new root: the host's command with a clean environment, its status, poweroff. */
export const STAGE2 = `# Stage 2 of the lab test VM: PID 1 in the overlay root (scripts/vm/init.mjs).
bb=/run/lab-vm-init/busybox
$bb env -i $bb sh ${GUEST_IO}/${COMMAND_FILE}
status=$?
echo $status > ${GUEST_IO}/${STATUS_FILE}
$bb sync
# Silence the kernel's "reboot: Power down": the console carries the command's output only.
echo 0 > /proc/sys/kernel/printk
$bb poweroff -f
$bb sleep 60
`;
