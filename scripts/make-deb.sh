#!/usr/bin/env bash
# Builds shoal_VERSION_ARCH.deb from a build dir: the binary (stripped), the systemd unit, bash
# completion and the man page (both made by the binary from its command table), an example
# config. On install it makes /etc/shoal/cluster.key and /etc/shoal/agent.yaml when absent and,
# where systemd runs, enables and starts the agent; purge removes /etc/shoal (the key) and keeps
# /var/lib/shoal (state, images, logs). Maintainer scripts honour $DPKG_ROOT, so the package can
# be tried in a scratch root: dpkg --root=DIR --force-script-chrootless -i shoal_*.deb
# Usage: scripts/make-deb.sh BUILD_DIR OUT_DIR
set -euo pipefail
build=$(readlink -f "$1") out=$(readlink -f "$2")
src=$(cd "$(dirname "$0")/.." && pwd)
shoal="$build/cli/shoal"
[ -x "$shoal" ] || { echo "make-deb: no $shoal; build first (make build)" >&2; exit 2; }
version=$("$shoal" --version | cut -d' ' -f2)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
chmod 0755 "$stage"  # the package's "./": never let it say / is 0700
trap 'rm -rf "$stage"' EXIT

install -D -m 0755 "$shoal" "$stage/usr/bin/shoal"
strip --strip-unneeded "$stage/usr/bin/shoal"
install -D -m 0644 "$src/contrib/shoal.service" "$stage/lib/systemd/system/shoal.service"
install -D -m 0644 "$src/contrib/agent.yaml" "$stage/usr/share/doc/shoal/examples/agent.yaml"
mkdir -p "$stage/usr/share/bash-completion/completions" "$stage/usr/share/man/man1"
"$shoal" completion bash > "$stage/usr/share/bash-completion/completions/shoal"
"$shoal" help --man | gzip -9n > "$stage/usr/share/man/man1/shoal.1.gz"

# Depends: the shared libraries the binary links, as dpkg-shlibdeps names them.
shlib=$(mktemp -d)
mkdir "$shlib/debian"
printf 'Source: shoal\n\nPackage: shoal\nArchitecture: any\n' > "$shlib/debian/control"
depends=$(cd "$shlib" && dpkg-shlibdeps -O -e "$stage/usr/bin/shoal" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
rm -rf "$shlib"
[ -n "$depends" ] || { echo "make-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$stage/DEBIAN"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: shoal
Version: $version
Architecture: $arch
Maintainer: shoal developers <shoal@localhost>
Section: admin
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends
Recommends: runc, nftables, iproute2
Description: masterless container orchestrator (agent and CLI)
 Every node runs the shoal agent: membership over SWIM gossip, the desired
 state as CRDTs that merge when a partition heals, deterministic placement,
 no master and no quorum.
CONTROL

cat > "$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  etc="${DPKG_ROOT:-}/etc/shoal"
  install -d -m 0700 "$etc"
  if [ ! -e "$etc/cluster.key" ]; then
    (umask 077; "${DPKG_ROOT:-}/usr/bin/shoal" keygen > "$etc/cluster.key")
    echo "shoal: made a new cluster key in /etc/shoal/cluster.key; copy one key to every node"
  fi
  if [ ! -e "$etc/agent.yaml" ]; then
    ip=$(hostname -I 2>/dev/null | awk '{print $1}')
    [ -n "$ip" ] || ip=127.0.0.1
    case "$ip" in *:*) ip="[$ip]" ;; esac
    (umask 022; cat > "$etc/agent.yaml" <<YAML
# Made by the shoal package; every key is a flag of \`shoal agent\` (see shoal(1)).
# Add the other nodes under join:, then: systemctl restart shoal
name: $(hostname -s 2>/dev/null || echo node)
bind: $ip:7946
key-file: /etc/shoal/cluster.key
join: []
YAML
    )
  fi
  if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable shoal.service
    systemctl restart shoal.service || echo "shoal: the agent did not start; see journalctl -u shoal"
  fi
fi
POSTINST

cat > "$stage/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
  systemctl disable --now shoal.service || true
fi
PRERM

cat > "$stage/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
  rm -rf "${DPKG_ROOT:-}/etc/shoal"
fi
if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
POSTRM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"

mkdir -p "$out"
# zstd (Debian 12's dpkg and apt read it): xz took 24 s (both cores) to pack the 138 MB stripped
# binary of the sanitizer build, which CI packages too; zstd 0.4 s, for a package 1.5x larger.
dpkg-deb --root-owner-group -Zzstd --build "$stage" "$out/shoal_${version}_${arch}.deb" >/dev/null
echo "$out/shoal_${version}_${arch}.deb"
