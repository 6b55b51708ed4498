#!/usr/bin/env bash
# The 3-node demo on loopback, narrated: every command is printed, then its output.
# Usage: scripts/demo.sh PATH/TO/shoal
set -euo pipefail
SHOAL=$(readlink -f "${1:-build/cli/shoal}")
DIR=$(mktemp -d /tmp/shoal-demo.XXXXXX)
BASE=${SHOAL_DEMO_PORT:-17946}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
api() { echo "$DIR/n$1.sock"; }
wait_for() {  # wait_for SECONDS CMD...: poll until CMD succeeds
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && { echo "demo: timed out waiting for: $*" >&2; exit 1; }
    sleep 0.1
  done
}
count_status() {  # count_status NODE STATUS WANT
  [ "$("$SHOAL" members --api "$(api "$1")" --status "$2" --format json | grep -o '"name"' | wc -l)" -eq "$3" ]
}

say "A cluster key (every packet is sealed with it)"
printf '$ shoal keygen\n'
KEY=$("$SHOAL" keygen); echo "$KEY"

say "Three agents on loopback; n2 and n3 join through n1"
for i in 1 2 3; do
  join=(); [ "$i" -gt 1 ] && join=(--join "127.0.0.1:$BASE")
  printf '$ shoal agent --name n%s --bind 127.0.0.1:%s %s--key ... --api %s &\n' \
    "$i" "$((BASE + i - 1))" "${join[*]:+${join[*]} }" "$(api "$i")"
  "$SHOAL" agent --name "n$i" --bind "127.0.0.1:$((BASE + i - 1))" "${join[@]}" --key "$KEY" \
    --label "zone=z$(( (i - 1) % 2 ))" --api "$(api "$i")" --data-dir "$DIR/n$i" 2>>"$DIR/n$i.log" &
  pids+=($!)
  disown  # no job-control noise when the demo kills it
done
t0=$(date +%s.%N)
for i in 1 2 3; do wait_for 20 count_status "$i" alive 3; done
printf '(all three see each other alive after %.2f s)\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
run "$SHOAL" members --api "$(api 2)"

say "Kill n3 with SIGKILL: the others probe it, suspect it, then mark it failed"
run kill -9 "${pids[2]}"
t0=$(date +%s.%N)
for i in 1 2; do wait_for 30 count_status "$i" failed 1; done
printf '(n1 and n2 marked n3 failed after %.2f s)\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
run "$SHOAL" members --api "$(api 1)"

say "Stop n2 gracefully (SIGTERM): it leaves, and shows as left, not failed"
run kill -TERM "${pids[1]}"
wait_for 20 count_status 1 left 1
run "$SHOAL" members --api "$(api 1)"

say "Counters, including dropped packets by reason"
run "$SHOAL" agent info --api "$(api 1)"

say "Done; stopping everything"
