#!/usr/bin/env bash
# `make test-ipvs`: IPVS tested for real in a qemu VM (this machine's kernel has no IPVS).
#
# Usage: scripts/test-ipvs.sh BUILD_DIR GUEST_SCRIPT...
#
# Boots Debian's stock kernel (downloaded with `apt-get download` and unpacked into a cache,
# never installed) under qemu in software emulation, with an initramfs made here: busybox-static
# and its applets, the kernel modules the guest tests load (ip_vs and its schedulers, veth,
# bridge, vxlan, dummy, and what they depend on), BUILD_DIR/cli/shoal, the guest tools built
# in BUILD_DIR/tests/ipvs, iproute2's `ip`, and their shared libraries (from ldd). The guest's
# init runs every GUEST_SCRIPT in turn and powers off.
#
# Each guest script is one test, named after its file (guest_lb_driver.sh -> lb_driver), and
# prints exactly one verdict line on the serial console:
#   IPVS-TEST PASS name | IPVS-TEST FAIL name: why | IPVS-TEST SKIP name: why
# A script with no verdict, or a VM that did not reach its end within the timeout, is a failure.
# The last line is the CI summary "N passed, N failed[, N skipped]"; the exit status is non-zero
# on any failure, on a timeout, or when qemu or the kernel cannot be had.
#
# Environment: IPVS_CACHE (default build-ipvs/ in the repo: kernel package, unpacked kernel,
# initramfs, console log), IPVS_TIMEOUT_S (default 200: a whole run takes 11-19 s here,
# boot included; the guest gives each script at most 80 s, so two hung scripts still end in
# time to be reported), IPVS_MEMORY_MB (default 768: an agent, its tasks and the tests).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${IPVS_CACHE:-$repo/build-ipvs}
timeout_s=${IPVS_TIMEOUT_S:-200}
memory_mb=${IPVS_MEMORY_MB:-768}

# Modules the guest tests load with modprobe; their dependencies come along (modules.dep).
# crc32c_generic is libcrc32c's soft dependency (the "crc32c" algorithm it asks the crypto API
# for), which busybox modprobe does not follow: the guests load it first (guest-lib.sh).
# The nf_tables set is there for an agent that adds nftables rules next to IPVS (masquerade).
wanted_modules=(crc32c_generic ip_vs ip_vs_rr ip_vs_mh veth bridge vxlan dummy nf_nat
                nf_tables nft_chain_nat nft_ct nft_masq nft_nat)

say() { echo "test-ipvs: $*"; }

guest_names=()
# Prints the summary for a run that could not start (every test counted failed) and exits 1.
give_up() {
  say "$*" >&2
  echo "0 passed, ${#guest_names[@]} failed"
  exit 1
}

if [ $# -lt 2 ]; then
  echo "usage: scripts/test-ipvs.sh BUILD_DIR GUEST_SCRIPT..." >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
shift
guest_scripts=()
for script in "$@"; do
  [ -f "$script" ] || { echo "test-ipvs: no guest script '$script'" >&2; exit 2; }
  guest_scripts+=("$(cd "$(dirname "$script")" && pwd)/$(basename "$script")")
  name=$(basename "$script" .sh)
  guest_names+=("${name#guest_}")
done

# ---- host tools -------------------------------------------------------------------------------
for tool in qemu-system-x86_64 cpio gzip strip; do
  command -v "$tool" >/dev/null ||
    give_up "'$tool' is not installed: run 'make deps-ipvs' (scripts/deps.sh ipvs)"
done
busybox_bin=/bin/busybox
file_type=$(LC_ALL=C ldd "$busybox_bin" 2>&1 || true)
case "$file_type" in
  *"not a dynamic executable"*|*"statically linked"*) ;;
  *) give_up "$busybox_bin is not the static busybox: install busybox-static ('make deps-ipvs')" ;;
esac
[ -x "$build_dir/cli/shoal" ] || give_up "$build_dir/cli/shoal is missing: build first (make build)"
driver_bin=$build_dir/tests/ipvs/ipvs_lb_driver
[ -x "$driver_bin" ] || give_up "$driver_bin is missing: build first (ninja -C $build_dir)"
ip_bin=$(command -v ip || true)
[ -n "$ip_bin" ] || give_up "iproute2's 'ip' is not installed (scripts/deps.sh core lists iproute2)"

# ---- kernel: download and unpack once, cached ------------------------------------------------
mkdir -p "$cache"
kernel_package_name() {
  apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }' || true
}
apt_updated=no
apt_update_once() {  # apt's lists may be missing or stale on a machine; one update is the fix
  [ "$apt_updated" = no ] || return 1
  apt_updated=yes
  say "apt-get update"
  apt-get update -qq >/dev/null 2>&1 || true
}
kernel_pkg=$(kernel_package_name)
if [ -z "$kernel_pkg" ] && apt_update_once; then kernel_pkg=$(kernel_package_name); fi
if [ -z "$kernel_pkg" ]; then
  # No package lists (no network): a kernel unpacked by an earlier run still serves.
  kernel_pkg=$(ls -1 "$cache/kernel" 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$kernel_pkg" ] ||
    give_up "cannot find Debian's kernel package (apt-cache depends linux-image-amd64 gave nothing; no network?)"
  say "apt knows no kernel package; using the cached $kernel_pkg"
fi
kernel_root=$cache/kernel/$kernel_pkg
if [ ! -d "$kernel_root/boot" ]; then
  mkdir -p "$cache/download"
  if ! ls "$cache/download/${kernel_pkg}_"*.deb >/dev/null 2>&1; then
    say "downloading $kernel_pkg (once; cached in $cache)"
    download() { (cd "$cache/download" && apt-get download "$kernel_pkg" >"$cache/download/apt.log" 2>&1); }
    if ! download; then
      # Stale lists name a kernel the mirror no longer has: update, then ask again.
      if apt_update_once; then
        kernel_pkg=$(kernel_package_name)
        kernel_root=$cache/kernel/$kernel_pkg
      fi
      if [ -z "$kernel_pkg" ] || ! download; then
        cat "$cache/download/apt.log" >&2
        give_up "cannot download the kernel package ${kernel_pkg:-linux-image-*-amd64} (no network?)"
      fi
    fi
  fi
  deb=$(ls "$cache/download/${kernel_pkg}_"*.deb | head -n 1)
  rm -rf "$kernel_root.tmp"
  mkdir -p "$kernel_root.tmp"
  # Only the kernel image and the module trees the guest may need (a full unpack is ~400 MiB).
  dpkg-deb --fsys-tarfile "$deb" |
    tar -x -C "$kernel_root.tmp" --wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/net/*' \
        './lib/modules/*/kernel/lib/*' './lib/modules/*/kernel/crypto/*' \
        './lib/modules/*/kernel/drivers/net/*' ||
    give_up "cannot unpack $deb"
  mv "$kernel_root.tmp" "$kernel_root"
fi
vmlinuz=$(ls "$kernel_root"/boot/vmlinuz-* | head -n 1)
kernel_version=${vmlinuz##*/vmlinuz-}
modules_src=$kernel_root/lib/modules/$kernel_version

# ---- initramfs ------------------------------------------------------------------------------
root=$cache/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,proc,sys,dev,tmp,run,tests,root}

install -m 0755 "$busybox_bin" "$root/bin/busybox"
for applet in $("$busybox_bin" --list-full); do
  [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

# Dynamic binaries and every library ldd resolves, at the same paths as on this host.
copy_with_libs() {  # SRC DEST_IN_ROOT
  install -D -m 0755 "$1" "$root/$2"
  strip "$root/$2" 2>/dev/null || true  # debug info is most of a debugoptimized binary
  local lib
  for lib in $(ldd "$1" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'); do
    [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
}
rm -f "$root/sbin/ip"  # iproute2's ip: busybox's has no `netns`
copy_with_libs "$ip_bin" /sbin/ip
copy_with_libs "$build_dir/cli/shoal" /usr/local/bin/shoal
for tool in "$build_dir"/tests/ipvs/*; do
  case "${tool##*/}" in test_*) continue ;; esac  # host unit tests
  if [ -f "$tool" ] && [ -x "$tool" ]; then copy_with_libs "$tool" "/usr/local/bin/${tool##*/}"; fi
done

# Modules: the wanted ones and their dependencies (the `depends` field), then modules.dep.
mod_path() { find "$modules_src/kernel" -name "$1.ko" -print -quit; }
declare -A module_done=()
add_module() {
  local name=${1//-/_} file dep
  [ -z "${module_done[$name]:-}" ] || return 0
  module_done[$name]=1
  file=$(mod_path "$name")
  if [ -z "$file" ]; then file=$(mod_path "${1//_/-}"); fi
  [ -n "$file" ] || give_up "kernel $kernel_version has no module $name"
  install -D -m 0644 "$file" "$root/lib/modules/$kernel_version/${file#"$modules_src"/}"
  # The .modinfo section's "depends=a,b" (busybox modinfo reads only installed modules).
  for dep in $(tr '\0' '\n' <"$file" | sed -n 's/^depends=//p' | tr ',' ' '); do add_module "$dep"; done
}
for module in "${wanted_modules[@]}"; do add_module "$module"; done
"$busybox_bin" depmod -b "$root" "$kernel_version"

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
EOF
echo 'root:x:0:' >"$root/etc/group"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
install -m 0644 "$repo/tests/ipvs/guest-lib.sh" "$root/tests/lib.sh"
for i in "${!guest_scripts[@]}"; do
  install -m 0755 "${guest_scripts[$i]}" "$root/tests/$(printf '%02d' "$i")-${guest_names[$i]}.sh"
done
install -m 0755 "$repo/tests/ipvs/guest-init.sh" "$root/init"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$cache/initrd.gz"
say "initramfs $(du -k "$cache/initrd.gz" | cut -f1) KiB, kernel $kernel_version, ${#guest_names[@]} guest test(s)"

# ---- boot -----------------------------------------------------------------------------------
console=$cache/console.log
say "booting qemu (software emulation, timeout ${timeout_s}s; console in $console)"
start_s=$SECONDS
qemu_status=0
timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 -m "$memory_mb" -smp 1 -nographic \
  -no-reboot -nic none -kernel "$vmlinuz" -initrd "$cache/initrd.gz" \
  -append "console=ttyS0 quiet panic=-1 loglevel=3" </dev/null >"$console" 2>&1 || qemu_status=$?
# Without carriage returns and the BIOS's terminal escapes, so verdicts start their lines.
tr -d '\r' <"$console" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' >"$console.txt"
sed -n '/^IPVS-GUEST START/,$p' "$console.txt"
say "VM ran $((SECONDS - start_s)) s"

# ---- verdicts -------------------------------------------------------------------------------
passed=0 failed=0 skipped=0
for name in "${guest_names[@]}"; do
  verdict=$(grep -E "^IPVS-TEST (PASS|FAIL|SKIP) $name(:|\$)" "$console.txt" | head -n 1 || true)
  case "$verdict" in
    "IPVS-TEST PASS $name") passed=$((passed + 1)) ;;
    "IPVS-TEST SKIP $name"*) skipped=$((skipped + 1)) ;;
    "IPVS-TEST FAIL $name"*) failed=$((failed + 1)) ;;
    *) failed=$((failed + 1)); say "$name: no verdict on the console" ;;
  esac
done
if ! grep -q '^IPVS-GUEST DONE' "$console.txt"; then
  if [ "$qemu_status" -eq 124 ] || [ "$qemu_status" -eq 137 ]; then
    say "the VM did not finish within ${timeout_s}s (IPVS_TIMEOUT_S)"
  else
    say "the VM stopped before its end (qemu exit $qemu_status); last console lines:"
    tail -n 20 "$console.txt"
  fi
  [ "$failed" -gt 0 ] || failed=1
fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
