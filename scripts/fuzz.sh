#!/usr/bin/env bash
# make fuzz: libFuzzer on the packet decoder (clang; not part of CI). Usage: scripts/fuzz.sh [SECONDS]
exec "$(dirname "$0")/../fuzz/build.sh" "${1:-60}"
