#!/bin/sh
# Guest test B (issue #7's check, "the agent programs IPVS"): one shoal agent in the VM with the
# overlay network and the IPVS load balancer runs a service of 3 busybox httpd tasks, each
# serving its own slot's page; 30 requests to the service's VIP (from `service inspect`) must
# reach all 3 slots.
. /tests/lib.sh

api=/run/shoal.sock
shoal_cli() { shoal --api "$api" "$@"; }

# The agent's --lb flag arrives with the lead's dataplane work; until then this test is skipped.
{ shoal agent --help; shoal --help; } 2>&1 | grep -q -- '--lb' ||
  skip "this shoal has no 'agent --lb' flag yet (needs the dataplane work of issue #7)"

load_modules ip_vs ip_vs_rr ip_vs_mh veth bridge vxlan dummy nf_nat nf_tables nft_chain_nat nft_ct \
  nft_masq nft_nat

mkdir -p /tmp/shoal
key=$(shoal keygen) || fail "shoal keygen"
shoal agent --name vm --bind 127.0.0.1:7946 --key "$key" --data-dir /tmp/shoal --api "$api" \
  --network overlay --lb ipvs >/tmp/agent.log 2>&1 &
agent_pid=$!
agent_log() { tail -n 20 /tmp/agent.log | sed 's/^/    agent: /'; }
wait_for 20 shoal_cli members || { agent_log; fail "the agent's API did not answer within 20 s"; }

page='mkdir -p /tmp/$SHOAL_TASK_SLOT && echo slot-$SHOAL_TASK_SLOT > /tmp/$SHOAL_TASK_SLOT/index.html && exec httpd -f -p 80 -h /tmp/$SHOAL_TASK_SLOT'
shoal_cli service create --name web --replicas 3 --detach -- /bin/sh -c "$page" ||
  { agent_log; fail "service create failed"; }

running() { shoal_cli service ls --format json | grep -o '"running":[0-9]*' | head -n 1 | cut -d: -f2; }
three_running() { [ "$(running)" = 3 ]; }
wait_for 40 three_running || { shoal_cli service ps web; agent_log; fail "web did not reach 3 running tasks in 40 s (running: $(running))"; }
shoal_cli service ps web

inspect=$(shoal_cli service inspect web --format json) || fail "service inspect web failed"
vip=$(echo "$inspect" | sed -n 's/.*"vip" *: *"\([0-9.]*\)".*/\1/p' | head -n 1)
[ -n "$vip" ] || fail "no \"vip\" in service inspect: $inspect"
log "VIP $vip"
cat /proc/net/ip_vs

# Tasks are up before their httpd listens: wait for the VIP to answer once, then count.
# (Worst case of the waits: 20 + 40 + 15 s, inside the guest's 80 s per script.)
wait_for 15 fetch_once "$vip" || { agent_log; fail "the VIP $vip:80 does not answer"; }
fetch_many "$vip" 30 /tmp/agent.txt
grep -q ERROR /tmp/agent.txt && fail "failed requests: $(tally /tmp/agent.txt)"
slots=$(grep -c . /tmp/agent.txt)
distinct=$(grep '^slot-' /tmp/agent.txt | sort -u | wc -l)
[ "$distinct" -eq 3 ] || fail "30 requests reached $distinct slots, expected 3: $(tally /tmp/agent.txt)"
log "$slots requests: $(tally /tmp/agent.txt)"

kill "$agent_pid"
pass
