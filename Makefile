# Thin wrapper over meson/ninja. Every target installs what is missing first (idempotent).
BUILD      ?= build
BUILD_SAN  ?= build-asan
BUILD_REL  ?= build-release
MESON_SETUP = meson setup --reconfigure
# Unity builds: meson compiles six sources per compiler run. Most of a shoal TU's time is the
# headers (Boost.Asio/Beast, msgpack, gtest), parsed once per run instead of once per source:
# the ~450 sources become ~125 compiler runs and a full build on 2 cores takes about a third of
# the time (CI builds the tree twice, plain and under ASan). Sources keep file-local names
# distinct so any grouping compiles; IDE builds (`meson setup build`) need not use it.
UNITY      = -Dunity=on -Dunity_size=6
# Line tables only (-g1): file:line in backtraces and sanitizer reports, a quarter less compile
# time than full -g (measured on agent/agent.cc: 12.4 s -> 9.4 s). For gdb sessions with
# variables, set up a build dir of your own.
DEBUG_INFO = -Dcpp_args=-g1

.PHONY: deps deps-bench deps-ipvs build test test-asan test-ipvs demo deb bench fuzz clean

deps:
	@scripts/deps.sh core

deps-bench:
	@scripts/deps.sh bench

deps-ipvs:
	@scripts/deps.sh ipvs

$(BUILD)/build.ninja:
	@scripts/deps.sh core
	meson setup $(BUILD) $(UNITY) $(DEBUG_INFO)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: build
	scripts/run-tests.py $(BUILD)

# ASan+UBSan build of the same tests (CI runs it once), within CI's time budget: half the cases of
# the simulator's properties (the plain run checks the laws with all of them; here a few large
# cases suffice to check memory and UB on the same paths), and not the tests of the `tools` suite,
# which check other programs against the binary (offline help against the parser, the Debian
# package, Chromium, Prometheus) and run in `make test`. ASan's quarantine is 16 MiB, not its
# 256 MiB default: freed memory parked there stays resident, and the scenarios that bound the
# agent's RSS (large logs, pre-auth floods) measured the quarantine, not the agent (+90 MB).
test-asan: deps
	[ -f $(BUILD_SAN)/build.ninja ] || meson setup $(BUILD_SAN) $(UNITY) $(DEBUG_INFO) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug -Doptimization=1
	ninja -C $(BUILD_SAN)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16 \
	  scripts/run-tests.py $(BUILD_SAN) --timeout-scale 3 --rc-scale 0.5 --skip-suite tools

# IPVS for real in a qemu VM (this kernel has none): Debian's kernel, downloaded once into
# build-ipvs/, boots an initramfs with the shoal binary and the guest tests in tests/ipvs/.
test-ipvs: deps-ipvs build
	scripts/test-ipvs.sh $(BUILD) tests/ipvs/guest_lb_driver.sh tests/ipvs/guest_agent.sh

# Only the binary: the demo needs nothing else, and the whole tree (tests, benches) is most of
# a fresh machine's build time.
demo: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) cli/shoal
	scripts/demo.sh $(BUILD)/cli/shoal

# A Debian package of this build (binary, systemd unit, completion, man page): build/deb/.
deb: build
	scripts/make-deb.sh $(BUILD) $(BUILD)/deb

$(BUILD_REL)/build.ninja:
	@scripts/deps.sh core
	meson setup $(BUILD_REL) -Dbuildtype=release -Doptimization=2 -Dstatic_binary=true

bench: deps-bench $(BUILD_REL)/build.ninja
	ninja -C $(BUILD_REL)
	scripts/bench.sh $(BUILD_REL)

fuzz:
	@scripts/deps.sh fuzz
	scripts/fuzz.sh

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_REL) build-fuzz
