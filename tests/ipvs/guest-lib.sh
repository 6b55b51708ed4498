# Helpers for the `make test-ipvs` guest scripts (sourced as /tests/lib.sh; busybox ash).
# A script's first argument is its test name; it ends with exactly one verdict:
#   pass | fail "why" | skip "why"
# and the host counts the lines "IPVS-TEST PASS|FAIL|SKIP NAME[: why]".
TEST_NAME=${1:?test name}

# Debian's busybox shell runs its own applets before PATH (FEATURE_PREFER_APPLETS); busybox's ip
# has no netns, so iproute2's is called by path.
ip() { /sbin/ip "$@"; }

pass() { echo "IPVS-TEST PASS $TEST_NAME"; exit 0; }
fail() { echo "IPVS-TEST FAIL $TEST_NAME: $*"; exit 1; }
skip() { echo "IPVS-TEST SKIP $TEST_NAME: $*"; exit 0; }
log() { echo "  $*"; }

# Loads kernel modules with their dependencies (modules.dep), after crc32c_generic: libcrc32c
# (under nf_conntrack, hence ip_vs and nf_nat) needs the crc32c algorithm at load time, a soft
# dependency busybox modprobe does not follow.
load_modules() {
  for module in crc32c_generic "$@"; do
    modprobe "$module" || fail "cannot load kernel module $module"
  done
}

# Makes network namespace NAME with a veth to the root namespace: HOST_IP/24 on the root side,
# NS_IP/24 inside, default route back, and busybox httpd on port 80 serving PAGE.
make_backend() {  # NAME HOST_IP NS_IP PAGE
  ip netns add "$1" || fail "ip netns add $1"
  ip link add "v-$1" type veth peer name eth0 netns "$1" || fail "veth for $1"
  ip addr add "$2/24" dev "v-$1" && ip link set "v-$1" up || fail "root side of $1"
  ip -n "$1" addr add "$3/24" dev eth0 && ip -n "$1" link set eth0 up &&
    ip -n "$1" link set lo up && ip -n "$1" route add default via "$2" || fail "inside $1"
  mkdir -p "/tmp/www-$1"
  echo "$4" >"/tmp/www-$1/index.html"
  ip netns exec "$1" httpd -p 80 -h "/tmp/www-$1" || fail "httpd in $1"
}

# Fetches http://ADDR/ COUNT times (new connection each), one body per line in FILE; a request
# that fails or times out writes "ERROR". Bounded: COUNT requests of at most 5 s each.
fetch_many() {  # ADDR COUNT FILE
  : >"$3"
  i=0
  while [ "$i" -lt "$2" ]; do
    body=$(timeout 5 wget -q -O- "http://$1/" 2>/dev/null) || body=ERROR
    echo "${body:-ERROR}" >>"$3"
    i=$((i + 1))
  done
}

# "3 backend-1 / 14 backend-2 / ..." from a fetch_many file, for messages.
tally() { sort "$1" | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }'; }

# Waits until COMMAND succeeds, trying every 0.2 s for at most SECONDS of wall clock (each try
# must bound itself, e.g. fetch_once).
wait_for() {  # SECONDS COMMAND...
  deadline=$(($(date +%s) + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# One request to http://ADDR/, at most 3 s (a dropped SYN would otherwise wait ~2 minutes).
fetch_once() { timeout 3 wget -q -O /dev/null "http://$1/"; }
