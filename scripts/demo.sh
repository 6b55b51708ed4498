#!/usr/bin/env bash
# The seed's Swarm demo, masterless, on loopback, narrated: every command is printed, then its
# output. Usage: scripts/demo.sh PATH/TO/shoal
set -euo pipefail
SHOAL=$(readlink -f "${1:-build/cli/shoal}")
DIR=$(mktemp -d /tmp/shoal-demo.XXXXXX)
BASE=${SHOAL_DEMO_PORT:-17946}
declare -A pid

agent_cmd() {  # agent_cmd I: the command line of agent nI
  local i=$1 join=()
  [ "$i" -gt 1 ] && join=(--join "127.0.0.1:$BASE")
  echo "$SHOAL" agent --name "n$i" --bind "127.0.0.1:$((BASE + i - 1))" "${join[@]}" --key "$KEY" \
    --label "zone=z$(( (i - 1) % 2 ))" --api "$DIR/n$i.sock" --data-dir "$DIR/n$i"
}
start_agent() {
  # shellcheck disable=SC2046
  $(agent_cmd "$1") 2>>"$DIR/n$1.log" &
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
  "$SHOAL" "$@" --api "$DIR/n$n.sock"
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
elapsed() { echo "$(date +%s.%N) - $1" | bc | xargs printf '%.2f'; }

t_demo=$(date +%s.%N)
say "A cluster key: every packet between agents is sealed with it"
printf '$ shoal keygen\n'
KEY=$("$SHOAL" keygen); echo "$KEY"

say "Three agents on loopback, no masters: n2 and n3 join through n1"
for i in 1 2 3; do
  printf '$ %s &\n' "$(agent_cmd "$i" | sed "s|$SHOAL|shoal|; s|$KEY|\$KEY|")"
  start_agent "$i"
done
t0=$(date +%s.%N)
for i in 1 2 3; do wait_for 20 count "$i" alive 3; done
echo "(all three see each other alive after $(elapsed "$t0") s)"
run 2 members

say "Run a service (any node accepts the write), then scale it to 3"
run 1 service create --name web --replicas 1 --env VERSION=1 -- sh -c 'while true; do echo "web $VERSION on $SHOAL_NODE"; sleep 2; done'
run 2 service scale web=3
run 3 service ps web

say "Rolling update to a new version: one task at a time, 2 s apart"
run 1 service update web --update-parallelism 1 --update-delay 2s --env VERSION=2
run 1 service ps web
run 2 service logs web | tail -n 3

say "Drain n2: its task moves to the other nodes"
run 1 node update --availability drain n2
wait_for 20 converged_without n2 web 3
run 1 service ps web
run 1 node ls

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
