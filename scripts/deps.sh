#!/usr/bin/env bash
# Idempotent dependency install: apt-get installs only the Debian packages that are missing.
# Usage: scripts/deps.sh [core|bench|fuzz|ipvs]...   (default: core)
set -euo pipefail
# libyaml-cpp-dev: the agent's --config file (YAML). groff-base: the cli-help test renders
# `shoal help --man` with groff and fails on any warning. systemd: its systemd-analyze checks
# contrib/shoal.service. dpkg-dev: dpkg-shlibdeps names the package's dependencies (make deb).
# chromium: headless, it loads the agent's web view in tests/integration/test_web_view.py.
core=(meson ninja-build g++ pkg-config cmake python3 libboost-dev libmsgpack-cxx-dev nftables
      libsodium-dev libxxhash-dev libmnl-dev librapidcheck-dev libgtest-dev iproute2
      busybox-static iputils-ping runc bc
      libcurl4-openssl-dev nlohmann-json3-dev libarchive-dev docker-registry skopeo umoci
      apache2-utils python3-jwt python3-cryptography faketime libyaml-cpp-dev
      prometheus docker.io python3-docker groff-base systemd dpkg-dev chromium)
bench=(serf bc)
fuzz=(clang)
# make test-ipvs: qemu boots Debian's kernel (downloaded by scripts/test-ipvs.sh, not installed);
# binutils' strip shrinks the initramfs.
ipvs=(qemu-system-x86 cpio busybox-static binutils)
want=()
[ $# -eq 0 ] && set -- core
for set_name in "$@"; do
  case "$set_name" in
    core) want+=("${core[@]}") ;;
    bench) want+=("${core[@]}" "${bench[@]}") ;;
    fuzz) want+=("${core[@]}" "${fuzz[@]}") ;;
    ipvs) want+=("${core[@]}" "${ipvs[@]}") ;;
    *) echo "deps.sh: unknown package set '$set_name' (core|bench|fuzz|ipvs)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "deps: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
