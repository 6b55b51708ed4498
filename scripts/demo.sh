#!/usr/bin/env bash
# The seed's Swarm demo, masterless, narrated: every command is printed, then its output.
# As root the service runs an image, as in the seed's `docker service create ... IMAGE`: the demo
# starts its own registry (Debian's docker-registry, plain HTTP, data in the demo's temp dir),
# builds a small web image from busybox-static with umoci (tag 1, and tag 2 with another page),
# pushes both with skopeo, and the rolling update is `service update --image web:2`.
# As root (with iproute2 and busybox) the three agents run in network namespaces the demo makes
# ("hosts" on a bridge, plus a client with no agent and a registry host) with --network overlay,
# and the demo also shows requests through the service VIP and the published port; otherwise on
# loopback. Not as root (runc and overlayfs mounts need it) the service is a plain process.
# Usage: scripts/demo.sh PATH/TO/shoal
set -euo pipefail
SHOAL=$(readlink -f "${1:-build/cli/shoal}")
DIR=$(mktemp -d /tmp/shoal-demo.XXXXXX)
BASE=${SHOAL_DEMO_PORT:-17946}
declare -A pid
BUSYBOX=$(command -v busybox || true)
NS=shdemo$$
NET=0
IMAGES=0
if [ "$(id -u)" -eq 0 ]; then
  IMAGES=1
  for tool in docker-registry skopeo umoci busybox python3; do
    command -v "$tool" >/dev/null || { echo "demo: $tool is missing (as root the demo runs an image): run scripts/deps.sh" >&2; exit 1; }
  done
fi
REG=""     # the registry's HOST:PORT, as the agents reach it
REG_PID=""
if [ "$(id -u)" -eq 0 ] && [ -z "${SHOAL_DEMO_LOOPBACK:-}" ] && command -v ip >/dev/null && [ -n "$BUSYBOX" ] &&
   ip netns add "$NS-sw" 2>/dev/null; then
  NET=1
fi
host_ip() { echo "192.168.238.$1"; }
REG_HOST_IP=8  # the registry host's address, in NET mode
in_registry_host() {  # run a command where the registry is reachable (its host's namespace)
  if [ $NET -eq 1 ]; then nsenter --net="/run/netns/$NS-rg" "$@"; else "$@"; fi
}
registry_flags() { [ $IMAGES -eq 1 ] && echo "--registry-mirror $REG --insecure-registry $REG"; true; }

agent_cmd() {  # agent_cmd I: the command line of agent nI
  local i=$1 join=()
  if [ $NET -eq 1 ]; then
    [ "$i" -gt 1 ] && join=(--join "$(host_ip 1):7946")
    echo "$SHOAL" agent --name "n$i" --bind "$(host_ip "$i"):7946" "${join[@]}" --key "$KEY" \
      --label "zone=z$(( (i - 1) % 2 ))" --api "$DIR/n$i.sock" --data-dir "$DIR/n$i" --network overlay $(registry_flags)
    return
  fi
  [ "$i" -gt 1 ] && join=(--join "127.0.0.1:$BASE")
  echo "$SHOAL" agent --name "n$i" --bind "127.0.0.1:$((BASE + i - 1))" "${join[@]}" --key "$KEY" \
    --label "zone=z$(( (i - 1) % 2 ))" --api "$DIR/n$i.sock" --data-dir "$DIR/n$i" $(registry_flags)
}
make_hosts() {  # a bridge in $NS-sw; hosts n1..n3, a client (cl) and the registry (rg) with a veth each
  ip -n "$NS-sw" link add br0 type bridge
  ip -n "$NS-sw" link set br0 up
  local h ip
  for h in n1:1 n2:2 n3:3 cl:9 rg:$REG_HOST_IP; do
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
  if [ -n "$REG_PID" ]; then kill -TERM "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true; fi
  if [ $NET -eq 1 ]; then
    for f in "$DIR"/n*/net/netns/*; do [[ $f == *.addr ]] || umount -l "$f" 2>/dev/null || true; done
    for h in sw n1 n2 n3 cl rg; do ip netns del "$NS-$h" 2>/dev/null || true; done
  fi
  # Task rootfs mounts an agent that died left behind (graceful stops unmount their own).
  if [ $IMAGES -eq 1 ]; then
    awk -v d="$DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
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
show_image() {  # the image the spec holds: pinned to a digest by the node that accepted the write
  printf '$ shoal service inspect web | grep -o %s | head -n 1  # on n1 (the next is the previous spec)\n' "'\"image\":\"[^\"]*\"'"
  "$SHOAL" --api "$DIR/n1.sock" service inspect web | grep -o '"image":"[^"]*"' | head -n 1
}
elapsed() { echo "$(date +%s.%N) - $1" | bc | xargs printf '%.2f'; }

show() {  # show [HOST] -- CMD...: print CMD (as typed), then run it (in HOST's namespace if NET)
  local where=""
  if [ "$1" != "--" ]; then where=$1; shift; fi
  shift
  local shown=("$@")
  shown=("${shown[@]//$DIR/\$D}")
  printf '$ %s%s\n' "$(quote "${shown[@]}")" "${where:+  # on host $where}"
  if [ -n "$where" ]; then in_registry_host "$@"; else "$@"; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
registry_answers() { in_registry_host "$BUSYBOX" wget -qO- "http://$REG/v2/"; }
start_registry() {  # docker-registry serving $DIR/registry on $REG, plain HTTP
  mkdir -p "$DIR/registry"
  printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
    "$DIR/registry/data" "$REG" >"$DIR/registry/config.yml"
  printf '$ docker-registry serve config.yml &  # http.addr: %s%s\n' "$REG" "$([ $NET -eq 1 ] && echo ", on host rg")"
  local enter=()
  [ $NET -eq 1 ] && enter=(nsenter --net="/run/netns/$NS-rg")  # execs the registry: $! is its pid
  "${enter[@]}" docker-registry serve "$DIR/registry/config.yml" >>"$DIR/registry/log" 2>&1 &
  REG_PID=$!
  wait_for 30 registry_answers
}
# The image's Cmd: serve /www, whose index (also logged) names the image's page, node and slot.
# The task's PID 1 gets no default action for SIGTERM and httpd sets no handler, so a bare httpd
# would ignore the stop and be killed only after the grace period (10 s per task of the update):
# the shell traps TERM and exits, which ends the task's PID namespace and httpd with it.
page_cmd() {
  echo 'trap "exit 0" TERM; read page </www/page; echo "$page on $SHOAL_NODE (slot $SHOAL_TASK_SLOT)" | /bin/busybox tee /www/index.html; /bin/busybox httpd -f -p 80 -h /www & wait'
}
build_image() {  # build_image TAG PAGE: OCI layout $DIR/oci, TAG = busybox-static + /www/page
  local tag=$1 page=$2 bundle="$DIR/bundle-$1"
  if [ "$tag" = 1 ]; then
    show -- umoci init --layout "$DIR/oci"
    show -- umoci new --image "$DIR/oci:1"
  fi
  # unpack, add files, repack (umoci 0.4.7's `insert` writes a tar libarchive calls truncated)
  show -- umoci unpack --image "$DIR/oci:1" "$bundle"
  if [ "$tag" = 1 ]; then
    show -- install -D -m 0755 "$(readlink -f "$BUSYBOX")" "$bundle/rootfs/bin/busybox"
    mkdir -p "$bundle/rootfs/www"
  fi
  printf '$ echo %s > %s\n' "$(quote "$page")" "\$D/bundle-$tag/rootfs/www/page"
  echo "$page" >"$bundle/rootfs/www/page"
  show -- umoci repack --image "$DIR/oci:$tag" "$bundle"
  if [ "$tag" = 1 ]; then
    show -- umoci config --image "$DIR/oci:1" --os linux --config.workingdir /www \
      --config.cmd /bin/busybox --config.cmd sh --config.cmd -c --config.cmd "$(page_cmd)"
  fi
}
push_image() {  # push_image TAG: the layout's TAG to $REG/web:TAG
  show "$([ $NET -eq 1 ] && echo rg)" -- skopeo copy -q --dest-tls-verify=false "oci:$DIR/oci:$1" "docker://$REG/web:$1"
}

t_demo=$(date +%s.%N)
say "A cluster key: every packet between agents is sealed with it"
printf '$ shoal keygen\n'
KEY=$("$SHOAL" keygen); echo "$KEY"

[ $NET -eq 1 ] && make_hosts
if [ $IMAGES -eq 1 ]; then
  if [ $NET -eq 1 ]; then REG="$(host_ip $REG_HOST_IP):5000"; else REG="127.0.0.1:$(free_port)"; fi
  say "A local registry (Debian's docker-registry, plain HTTP): the agents' --registry-mirror"
  start_registry
  say "Build a small web image from busybox-static (umoci), tag 1 and tag 2 with another page; push both (skopeo)"
  printf '$ D=%s\n' "$DIR"
  build_image 1 "web 1"
  build_image 2 "web 2"
  push_image 1
  push_image 2
fi
if [ $NET -eq 1 ]; then
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

if [ $IMAGES -eq 1 ]; then
  say "Run a service from the image (any node accepts the write and pins web:1 to its digest), then scale it to 3"
else
  say "Run a service (any node accepts the write), then scale it to 3"
fi
if [ $IMAGES -eq 1 ] && [ $NET -eq 1 ]; then
  # The image's Cmd serves a page naming its image tag, node and slot on port 80.
  run 1 service create --name web --replicas 1 --publish 8080:80 web:1
elif [ $IMAGES -eq 1 ]; then
  # On loopback the tasks share the host's network: instead of the web server (one port 80),
  # each task logs the image's page (COMMAND overrides the image's Cmd, as `docker run`; the
  # trap: see page_cmd).
  run 1 service create --name web --replicas 1 web:1 /bin/busybox sh -c \
    'trap "exit 0" TERM; read page </www/page; while true; do echo "$page on $SHOAL_NODE"; sleep 2; done'
else
  run 1 service create --name web --replicas 1 --env VERSION=1 -- sh -c 'while true; do echo "web $VERSION on $SHOAL_NODE"; sleep 2; done'
fi
run 2 service scale web=3
run 3 service ps web
[ $IMAGES -eq 1 ] && show_image
if [ $NET -eq 1 ]; then
  VIP=$("$SHOAL" service inspect web --api "$DIR/n1.sock" | grep -o '"vip":"[0-9.]*"' | cut -d'"' -f4)
  say "The service VIP ($VIP) balances over the 3 tasks on 3 hosts; port 8080 is published on every host"
  run 1 service inspect web | grep -o '"vip":"[0-9.]*"'
  wait_for 20 healthy_count 3
  fetch n1 "http://$VIP/" 6
  fetch cl "http://$(host_ip 3):8080/" 3
fi

if [ $IMAGES -eq 1 ]; then
  say "Rolling update to the new image tag: one task at a time, 2 s apart"
  run 1 service update web --update-parallelism 1 --update-delay 2s --image web:2
  show_image
else
  say "Rolling update to a new version: one task at a time, 2 s apart"
  run 1 service update web --update-parallelism 1 --update-delay 2s --env VERSION=2
fi
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
