#!/usr/bin/env bash
# make bench: every benchmark, from a release (-O2) build dir. Usage: scripts/bench.sh BUILD_DIR
# Each prints its own figures (and ratios against serf where an anchor exists).
set -uo pipefail
B=${1:-build-release}
cd "$(dirname "$0")/.."
section() { printf '\n== %s\n' "$*"; }
section "placement: 1,000,000 tasks on 10,000 nodes"
"$B/bench/placement/bench_placement"
section "dissemination (sim): one broadcast to 99.9% of N"
"$B/bench/dissemination/bench_dissemination"
section "load balancer: nftables programming (throwaway netns) and IPVS message build"
"$B/bench/lb/bench_lb"
section "metrics: one /metrics scrape at 1,000 services x 3 tasks"
"$B/bench/metrics/bench_metrics"
for n in 16 48; do
  section "membership vs serf, N=$n, 5 runs (lan vs lan)"
  python3 bench/membership/bench_membership.py "$B/cli/shoal" "$n" 5 lan lan
done
if [ -f bench/e2e/bench_e2e.py ]; then
  section "end to end: service create, 1,000 replicas, failover"
  python3 bench/e2e/bench_e2e.py "$B/cli/shoal"
fi
section "observability: log pump vs cat, an events follower, the web view at 1,000 services vs a static page"
python3 bench/observe/bench_observe.py "$B/cli/shoal" 5
section "images: pull + unpack of a ~100 MB, 5-layer image vs skopeo copy + umoci unpack; cached start vs runc"
if [ "$(id -u)" -eq 0 ]; then
  python3 bench/image/bench_image.py "$B/cli/shoal" 5 100
else
  echo "(needs root: runc and overlayfs mounts)"
fi
