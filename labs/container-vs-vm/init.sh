#!/bin/busybox sh
# /init of the container-vs-vm lab's virtual machine: PID 1 of a second kernel, the only program of its userspace
# besides busybox. It mounts that kernel's own /proc, /sys and /dev, prints on the serial console what this kernel
# says about itself, one fact a line, read from its own files, then the marker the lab waits for, and waits.
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "vm osrelease: $(cat /proc/sys/kernel/osrelease)"
echo "vm boot_id: $(cat /proc/sys/kernel/random/boot_id)"
echo "vm MemTotal: $(sed -n 's/^MemTotal: *//p' /proc/meminfo)"
echo "vm pid 1: $(cat /proc/1/comm)"
echo "vm processes: $(ls -d /proc/[0-9]* | wc -l)"
echo "vm cpu: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
echo "vm cmdline: $(cat /proc/cmdline)"
echo "vm pci: $(for d in /sys/bus/pci/devices/*; do echo "$(cat "$d/vendor"):$(cat "$d/device")"; done | sed 's/0x//g' | tr '\n' ' ')"
echo "vm modules: $(wc -l < /proc/modules)"
echo "vm dmesg: $(dmesg | head -n 1)"
echo "vm uptime: $(cat /proc/uptime)"
echo "lab-vm-shell-ready"
while :; do sleep 3600; done
