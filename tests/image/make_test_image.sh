#!/bin/sh
# Builds the tests' real image with umoci from busybox-static, as an OCI layout in $1 (tag
# "v2"): layer 1 has /bin/busybox, /bin/sh, /etc/motd, /etc/keep and /var/cache/{a,b}; layer 2
# deletes /etc/motd (a whiteout), replaces /var/cache's contents with c (umoci writes an
# opaque dir or whiteouts for that) and adds /etc/new. Config: Entrypoint /bin/sh, Env FOO=bar.
set -eu
out=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umoci init --layout "$out"
umoci new --image "$out:v1"
umoci unpack --image "$out:v1" "$work/b" >/dev/null
r="$work/b/rootfs"
mkdir -p "$r/bin" "$r/etc" "$r/var/cache"
cp /bin/busybox "$r/bin/busybox"
ln -s busybox "$r/bin/sh"
echo motd > "$r/etc/motd"
echo keep > "$r/etc/keep"
echo a > "$r/var/cache/a"
echo b > "$r/var/cache/b"
umoci repack --refresh-bundle --image "$out:v1" "$work/b"
rm "$r/etc/motd" "$r/var/cache/a" "$r/var/cache/b"
echo c > "$r/var/cache/c"
echo new > "$r/etc/new"
umoci repack --image "$out:v1" "$work/b"
umoci config --image "$out:v1" --tag v2 --config.entrypoint /bin/sh --config.env FOO=bar
umoci rm --image "$out:v1"
