#!/bin/sh
# Guest test A: shoal's IPVS backend programs the VM's kernel for real. Three backends (network
# namespaces with busybox httpd, each serving its own page) behind VIP 10.96.0.1:80, programmed
# by ipvs_lb_driver (LoadBalancer::sync -> IpvsBackend -> MnlGenlTransport -> generic netlink):
#   1. ip_vs_mh not loaded: the configured mh is refused and the backend falls back to rr;
#   2. ip_vs_mh loaded: mh with the mh-port flag; 30 requests from this one client reach all 3
#      (without mh-port, mh hashes only the source address: one backend would get them all);
#   3. one backend removed by sync (one op): it gets no more traffic, the other two still do;
#   4. the empty state removes the virtual service.
# /proc/net/ip_vs is checked at each step.
. /tests/lib.sh

vip=10.96.0.1
vip_hex=0A600001:0050
# Leaves the VM as it found it, whatever the verdict, for the scripts after this one.
cleanup() {
  exec 3>&- 2>/dev/null
  for i in 1 2 3; do ip netns pids "b$i" 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del "b$i" 2>/dev/null; done
  ip link del shoal-vip 2>/dev/null
  echo "$saved_modprobe" >/proc/sys/kernel/modprobe
}
trap cleanup EXIT
# Step 1 needs ip_vs_mh absent: the kernel would otherwise autoload it when asked for "mh".
saved_modprobe=$(cat /proc/sys/kernel/modprobe)
echo /bin/false >/proc/sys/kernel/modprobe
load_modules ip_vs ip_vs_rr veth dummy

for i in 1 2 3; do make_backend "b$i" "10.0.$i.1" "10.0.$i.2" "backend-$i"; done
# The client needs a route to the VIP; like kube-proxy's IPVS mode, the VIP sits on a dummy
# device, and IPVS's LOCAL_OUT hook sends locally started connections to a real server.
ip link add shoal-vip type dummy && ip link set shoal-vip up &&
  ip addr add "$vip/32" dev shoal-vip || fail "VIP device"
for i in 1 2 3; do
  wait_for 10 fetch_once "10.0.$i.2" || fail "backend b$i does not answer"
done

# One driver process per scheduler phase; lines go in through a FIFO, answers come out of a file.
start_driver() {
  rm -f /tmp/lb.in /tmp/lb.out
  mkfifo /tmp/lb.in
  ipvs_lb_driver "$@" </tmp/lb.in >/tmp/lb.out 2>&1 &
  driver_pid=$!
  exec 3>/tmp/lb.in
}
# End of input ends the driver; anything but exit 0 (a crash, a sanitizer report) fails the test.
stop_driver() {
  exec 3>&-
  wait "$driver_pid" || fail "ipvs_lb_driver exited $?: $(cat /tmp/lb.out)"
}
lines() { wc -l </tmp/lb.out; }
answered() { [ "$(lines)" -gt "$before" ]; }
# Sends one desired state and checks the driver's answer ("synced ops=N scheduler=S").
expect_sync() {  # STATE WANTED_ANSWER
  before=$(lines)
  echo "$1" >&3
  wait_for 10 answered || fail "driver gave no answer to '$1': $(cat /tmp/lb.out)"
  answer=$(tail -n 1 /tmp/lb.out)
  [ "$answer" = "$2" ] || fail "driver answered '$answer' to '$1', expected '$2'"
  log "driver: '$1' -> $answer"
}
# Checks /proc/net/ip_vs: the service line with SCHEDULER and exactly COUNT real servers.
expect_proc() {  # SCHEDULER COUNT
  grep -q "^TCP  $vip_hex $1" /proc/net/ip_vs || fail "/proc/net/ip_vs has no '$vip_hex $1': $(cat /proc/net/ip_vs)"
  got=$(grep -c -- '->.*Masq' /proc/net/ip_vs)
  [ "$got" -eq "$2" ] || fail "/proc/net/ip_vs lists $got real servers, expected $2: $(cat /proc/net/ip_vs)"
}
expect_backends() {  # FILE WANTED...
  file=$1
  shift
  grep -q ERROR "$file" && fail "failed requests: $(tally "$file")"
  for want in "$@"; do grep -qx "$want" "$file" || fail "$want got no request: $(tally "$file")"; done
  distinct=$(sort -u "$file" | wc -l)
  [ "$distinct" -eq "$#" ] || fail "requests reached $distinct backends, expected $#: $(tally "$file")"
  log "30 requests: $(tally "$file")"
}

all3="$vip:80 10.0.1.2:80 10.0.2.2:80 10.0.3.2:80"

# 1. mh absent from the kernel: rr fallback.
start_driver
expect_sync "$all3" "synced ops=4 scheduler=rr"
expect_proc rr 3
fetch_many "$vip" 30 /tmp/rr.txt
expect_backends /tmp/rr.txt backend-1 backend-2 backend-3
stop_driver

# 2. mh loaded: a new driver flushes (reset) and programs mh with mh-port.
load_modules ip_vs_mh
start_driver
expect_sync "$all3" "synced ops=4 scheduler=mh"
expect_proc mh 3
fetch_many "$vip" 30 /tmp/mh.txt
expect_backends /tmp/mh.txt backend-1 backend-2 backend-3

# 3. backend 3 removed: one DelBackend, and no more traffic to it.
expect_sync "$vip:80 10.0.1.2:80 10.0.2.2:80" "synced ops=1 scheduler=mh"
expect_proc mh 2
grep -q "0A000302:0050" /proc/net/ip_vs && fail "10.0.3.2 still in /proc/net/ip_vs"
fetch_many "$vip" 30 /tmp/mh2.txt
expect_backends /tmp/mh2.txt backend-1 backend-2

# 4. nothing desired: the virtual service goes.
expect_sync "-" "synced ops=1 scheduler=mh"
grep -q "^TCP" /proc/net/ip_vs && fail "service left in /proc/net/ip_vs: $(cat /proc/net/ip_vs)"
stop_driver
pass
