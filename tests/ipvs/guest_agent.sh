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

# The overlay needs an underlay address other than loopback (the VXLAN device's source).
/sbin/ip link add uplink0 type dummy && /sbin/ip addr add 192.0.2.10/24 dev uplink0 &&
  /sbin/ip link set uplink0 up || fail "cannot make the underlay interface"
mkdir -p /tmp/shoal
key=$(shoal keygen) || fail "shoal keygen"
shoal agent --name vm --bind 192.0.2.10:7946 --key "$key" --data-dir /tmp/shoal --api "$api" \
  --network overlay --lb ipvs >/tmp/agent.log 2>&1 &
agent_pid=$!
agent_log() { tail -n 20 /tmp/agent.log | sed 's/^/    agent: /'; }
wait_for 20 shoal_cli members || { agent_log; fail "the agent's API did not answer within 20 s"; }

page='mkdir -p /tmp/$SHOAL_TASK_SLOT && echo slot-$SHOAL_TASK_SLOT > /tmp/$SHOAL_TASK_SLOT/index.html && exec httpd -f -p 80 -h /tmp/$SHOAL_TASK_SLOT'
shoal_cli service create --name web --replicas 3 --publish 8080:80 --detach -- /bin/sh -c "$page" ||
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
# Inside a task, the service name resolves to the VIP through the node's DNS responder.
task_pid=
for p in /proc/[0-9]*; do
  case "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" in "httpd -f -p 80"*) task_pid=${p#/proc/}; break ;; esac
done
[ -n "$task_pid" ] || fail "no task process found"
dns=$(nsenter -t "$task_pid" -n -m nslookup web 2>&1) || fail "nslookup web inside a task failed: $dns"
echo "$dns" | grep -q "$vip" || fail "web did not resolve to $vip inside a task: $dns"
log "inside a task, web resolves to $vip"
# The routing mesh: the published port on the node's underlay address, through IPVS too.
fetch_many "192.0.2.10:8080" 12 /tmp/mesh.txt
grep -q '^slot-' /tmp/mesh.txt || fail "published port 8080 did not answer: $(tally /tmp/mesh.txt)"
log "published port: $(tally /tmp/mesh.txt)"
# A service that publishes nothing: its VIP forwards every port to its tasks (with IPVS a
# persistent port-0 virtual service per protocol), here 81, where its tasks listen.
api_page='mkdir -p /tmp/api$SHOAL_TASK_SLOT && echo api-$SHOAL_TASK_SLOT > /tmp/api$SHOAL_TASK_SLOT/index.html && exec httpd -f -p 81 -h /tmp/api$SHOAL_TASK_SLOT'
shoal_cli service create --name api --replicas 2 --detach -- /bin/sh -c "$api_page" ||
  { agent_log; fail "service create api failed"; }
api_vip=$(shoal_cli service inspect api --format json | sed -n 's/.*"vip" *: *"\([0-9.]*\)".*/\1/p' | head -n 1)
[ -n "$api_vip" ] || fail "no \"vip\" for api"
wait_for 30 fetch_once "$api_vip:81" || { cat /proc/net/ip_vs; agent_log; fail "$api_vip:81 (unpublished) does not answer"; }
cat /proc/net/ip_vs
fetch_many "$api_vip:81" 12 /tmp/api.txt
grep -q ERROR /tmp/api.txt && fail "failed requests to $api_vip:81: $(tally /tmp/api.txt)"
grep -q '^api-' /tmp/api.txt || fail "$api_vip:81 answered with no api page: $(tally /tmp/api.txt)"
log "unpublished port $api_vip:81: $(tally /tmp/api.txt)"
# IPVS balances in LOCAL_IN, so the node owns each VIP on shoal-br; a removed service's goes.
vip_on_bridge() { /sbin/ip -4 addr show dev shoal-br | grep -q " $1/32"; }
vip_on_bridge "$api_vip" || fail "$api_vip is not an address of shoal-br"
shoal_cli service rm api || fail "service rm api failed"
api_vip_gone() { ! vip_on_bridge "$api_vip"; }
wait_for 10 api_vip_gone || fail "$api_vip stayed on shoal-br after service rm"
vip_on_bridge "$vip" || fail "web's VIP $vip went too"
log "service rm api: its VIP left shoal-br, web's stays"

kill "$agent_pid"
pass
