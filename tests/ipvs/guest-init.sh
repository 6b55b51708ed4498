#!/bin/sh
# PID 1 of the `make test-ipvs` VM (installed as /init by scripts/test-ipvs.sh): mounts what a
# shoal node expects, runs every /tests/NN-NAME.sh in order, each under a time limit, and powers
# off. The host reads the verdict lines the scripts print (see guest-lib.sh).
export PATH=/usr/local/bin:/sbin:/usr/sbin:/bin:/usr/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# The tests load their modules explicitly; the kernel may still autoload others through
# /sbin/modprobe (busybox, with the modules.dep and modules.alias test-ipvs.sh made), as on a host.
ip link set lo up
hostname vm
# As on a host: tasks get the node's DNS responder bind-mounted over this file.
mkdir -p /etc && [ -e /etc/resolv.conf ] || echo "nameserver 127.0.0.1" >/etc/resolv.conf

# Seconds one guest script may take before it is killed and failed (a run takes ~10 s; see
# IPVS_TIMEOUT_S in scripts/test-ipvs.sh, which must cover all scripts).
script_timeout_s=80

echo
echo "IPVS-GUEST START kernel $(uname -r)"
for script in /tests/[0-9][0-9]-*.sh; do
  name=${script##*/}
  name=${name#[0-9][0-9]-}
  name=${name%.sh}
  echo "== $name"
  timeout "$script_timeout_s" /bin/sh "$script" "$name" >/tmp/verdict.$name 2>&1
  status=$?
  cat /tmp/verdict.$name
  if ! grep -q "^IPVS-TEST [A-Z]* $name" /tmp/verdict.$name; then
    echo "IPVS-TEST FAIL $name: exited $status without a verdict (143: killed after ${script_timeout_s}s)"
  fi
  # Whatever a script left running must not disturb the next one.
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [ "$pid" -gt 1 ] && kill -9 "$pid" 2>/dev/null
  done
done
echo "IPVS-GUEST DONE"
sync
poweroff -f
# poweroff needs ACPI; if it did not stop the VM, a sysrq power-off does.
echo o >/proc/sysrq-trigger
sleep 5
