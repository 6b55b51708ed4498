#!/usr/bin/env bash
# The seed's Swarm demo, masterless, narrated: every command is printed, then its output.
# As root (with iproute2 and busybox) the three agents run in network namespaces the demo makes
# ("hosts" on a bridge, plus a client with no agent) with --network overlay, and the demo also
# shows requests through the service VIP and the published port; otherwise on loopback.
# Usage: scripts/demo.sh PATH/TO/shoal
set -euo pipefail
SHOAL=$(readlink -f "${1:-build/cli/shoal}")
DIR=$(mktemp -d /tmp/shoal-demo.XXXXXX)
BASE=${SHOAL_DEMO_PORT:-17946}
declare -A pid
BUSYBOX=$(command -v busybox || true)
NS=shdemo$$
NET=0
if [ "$(id -u)" -eq 0 ] && [ -z "${SHOAL_DEMO_LOOPBACK:-}" ] && command -v ip >/dev/null && [ -n "$BUSYBOX" ] &&
   ip netns add "$NS-sw" 2>/dev/null; then
  NET=1
fi
host_ip() { echo "192.168.238.$1"; }

agent_cmd() {  # agent_cmd I: the command line of agent nI
  local i=$1 join=()
  if [ $NET -eq 1 ]; then
    [ "$i" -gt 1 ] && join=(--join "$(host_ip 1):7946")
    echo "$SHOAL" agent --name "n$i" --bind "$(host_ip "$i"):7946" "${join[@]}" --key "$KEY" \
      --label "zone=z$(( (i - 1) % 2 ))" --api "$DIR/n$i.sock" --data-dir "$DIR/n$i" --network overlay
    return
  fi
  [ "$i" -gt 1 ] && join=(--join "127.0.0.1:$BASE")
  echo "$SHOAL" agent --name "n$i" --bind "127.0.0.1:$((BASE + i - 1))" "${join[@]}" --key "$KEY" \
    --label "zone=z$(( (i - 1) % 2 ))" --api "$DIR/n$i.sock" --data-dir "$DIR/n$i"
}
make_hosts() {  # a bridge in $NS-sw; hosts n1..n3 and a client (cl) with a veth each
  ip -n "$NS-sw" link add br0 type bridge
  ip -n "$NS-sw" link set br0 up
  local h ip
  for h in n1:1 n2:2 n3:3 cl:9; do
    ip=$(host_ip "${h#*:}"); h=${h%:*}
    ip netns add "$NS-$h"
    ip link add "$NS$h" netns "$NS-$h" type veth peer name "p$h" netns "$NS-sw"
    ip -n "$NS-sw" link set "p$h" master br0 up
    ip -n "$NS-$h" link set "$NS$h" name eth0
    ip -n "$NS-$h" addr add "$ip/24" dev eth0
    ip -n "$NS-$h" link set eth0 up
    ip -n "$NS-$h" link set lo up
  done
}
fetch() {  # fetch FROM URL N: N requests from FROM's namespace, one page per line
  local from=$1 url=$2 n=$3 k
  printf '$ for i in $(seq %s); do wget -qO- %s; done  # on %s\n' "$n" "$url" "$from"
  for k in $(seq "$n"); do
    nsenter --net="/run/netns/$NS-$from" timeout 5 "$BUSYBOX" wget -qO- "$url" || echo "(no answer)"
  done
}
start_agent() {
  local enter=()
  [ $NET -eq 1 ] && enter=(nsenter --net="/run/netns/$NS-n$1")  # execs the agent: $! is its pid
  # shellcheck disable=SC2046
  "${enter[@]}" $(agent_cmd "$1") 2>>"$DIR/n$1.log" &
  pid[$1]=$!
  disown
}
cleanup() {
  # A graceful stop (SIGTERM) stops every task of the agent; nothing is left behind.
  for i in "${!pid[@]}"; do kill -TERM "${pid[$i]}" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    alive=0
    for i in "${!pid[@]}"; do kill -0 "${pid[$i]}" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for i in "${!pid[@]}"; do kill -9 "${pid[$i]}" 2>/dev/null || true; done
  if [ $NET -eq 1 ]; then
    for f in "$DIR"/n*/net/netns/*; do [[ $f == *.addr ]] || umount -l "$f" 2>/dev/null || true; done
    for h in sw n1 n2 n3 cl; do ip netns del "$NS-$h" 2>/dev/null || true; done
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
quote() {  # the args as a shell would need them typed: plain words bare, others in '...'
  local a out=()
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+=("$a"); else out+=("'${a//\'/\'\\\'\'}'"); fi
  done
  echo "${out[*]}"
}
run() {  # run NODE ARGS...: shoal ARGS against agent nNODE, printed first
  local n=$1; shift
  printf '$ shoal %s  # on n%s\n' "$(quote "$@")" "$n"
  "$SHOAL" --api "$DIR/n$n.sock" "$@"  # before the command: nothing after `--` is the CLI's
}
wait_for() {  # wait_for SECONDS CMD...: poll until CMD succeeds
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && { echo "demo: timed out waiting for: $*" >&2; exit 1; }
    sleep 0.1
  done
}
count() {  # count NODE STATUS WANT: members with STATUS seen by nNODE == WANT
  [ "$("$SHOAL" members --api "$DIR/n$1.sock" --status "$2" --format json | grep -o '"name"' | wc -l)" -eq "$3" ]
}
tasks_on() {  # tasks_on NODE SERVICE: running tasks of SERVICE placed on NODE
  "$SHOAL" service ps "$2" --api "$DIR/n1.sock" --format json | grep -o "\"node\":\"$1\",\"desired\":\"running\",\"state\":\"\\(running\\|healthy\\)\"" | wc -l
}
converged_without() {  # converged_without NODE SERVICE WANT: WANT tasks running, none on NODE
  local json
  json=$("$SHOAL" service ps "$2" --api "$DIR/n1.sock" --format json)
  [ "$(echo "$json" | grep -o '"desired":"running","state":"\(running\|healthy\)"' | wc -l)" -eq "$3" ] &&
    [ "$(tasks_on "$1" "$2")" -eq 0 ]
}
healthy_count() {  # healthy_count WANT: WANT tasks of web healthy at the current version
  [ "$("$SHOAL" service ps web --api "$DIR/n1.sock" --format json | grep -o '"desired":"running","state":"healthy"' | wc -l)" -eq "$1" ]
}
elapsed() { echo "$(date +%s.%N) - $1" | bc | xargs printf '%.2f'; }

t_demo=$(date +%s.%N)
say "A cluster key: every packet between agents is sealed with it"
printf '$ shoal keygen\n'
KEY=$("$SHOAL" keygen); echo "$KEY"

if [ $NET -eq 1 ]; then
  make_hosts
  say "Three agents on three hosts (network namespaces on a bridge), no masters: n2 and n3 join through n1"
else
  say "Three agents on loopback, no masters: n2 and n3 join through n1"
fi
for i in 1 2 3; do
  printf '$ %s &%s\n' "$(agent_cmd "$i" | sed "s|$SHOAL|shoal|; s|$KEY|\$KEY|")" "$([ $NET -eq 1 ] && echo "  # on host n$i")"
  start_agent "$i"
done
t0=$(date +%s.%N)
for i in 1 2 3; do wait_for 20 count "$i" alive 3; done
echo "(all three see each other alive after $(elapsed "$t0") s)"
run 2 members

say "Run a service (any node accepts the write), then scale it to 3"
if [ $NET -eq 1 ]; then
  # Each task serves a page naming its version, node and slot.
  run 1 service create --name web --replicas 1 --env VERSION=1 --publish 8080:80 -- sh -c \
    "d=$DIR/www/\$SHOAL_NODE-\$SHOAL_TASK_SLOT-\$VERSION; mkdir -p \$d; echo \"web \$VERSION on \$SHOAL_NODE (slot \$SHOAL_TASK_SLOT)\" | tee \$d/index.html; exec busybox httpd -f -p 80 -h \$d"
else
  run 1 service create --name web --replicas 1 --env VERSION=1 -- sh -c 'while true; do echo "web $VERSION on $SHOAL_NODE"; sleep 2; done'
fi
run 2 service scale web=3
run 3 service ps web
if [ $NET -eq 1 ]; then
  VIP=$("$SHOAL" service inspect web --api "$DIR/n1.sock" | grep -o '"vip":"[0-9.]*"' | cut -d'"' -f4)
  say "The service VIP ($VIP) balances over the 3 tasks on 3 hosts; port 8080 is published on every host"
  run 1 service inspect web | grep -o '"vip":"[0-9.]*"'
  wait_for 20 healthy_count 3
  fetch n1 "http://$VIP/" 6
  fetch cl "http://$(host_ip 3):8080/" 3
fi

say "Rolling update to a new version: one task at a time, 2 s apart"
run 1 service update web --update-parallelism 1 --update-delay 2s --env VERSION=2
run 1 service ps web
run 2 service logs web | tail -n 3

say "Drain n2: its task moves to the other nodes"
run 1 node update --availability drain n2
wait_for 20 converged_without n2 web 3
run 1 service ps web
run 1 node ls
if [ $NET -eq 1 ]; then
  say "Traffic follows: the VIP and the published port on n2 (now without a task) still reach all 3"
  wait_for 20 healthy_count 3
  fetch n1 "http://$VIP/" 6
  fetch cl "http://$(host_ip 2):8080/" 3
fi

say "Kill n3 with SIGKILL: the others detect it and its task comes back on n1"
printf '$ kill -9 <n3>\n'
kill -9 "${pid[3]}"
t0=$(date +%s.%N)
wait_for 30 count 1 failed 1
echo "(n1 marked n3 failed after $(elapsed "$t0") s)"
wait_for 30 converged_without n3 web 3
echo "(its task runs elsewhere $(elapsed "$t0") s after the kill)"
run 1 members
run 1 service ps web

say "Clean up: n3 comes back (it adopts the tasks it left running), then every agent stops its tasks and leaves"
start_agent 3
wait_for 20 count 1 alive 3
run 1 service rm web
echo "(demo took $(elapsed "$t_demo") s)"
