#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds Indgang with
# AddressSanitizer and UndefinedBehaviorSanitizer (LeakSanitizer included)
# and runs every unit, end-to-end, browser and packaging test under CTest;
# then the short forms of the trust programs: power-loss durability, the
# libFuzzer targets, and injected I/O errors, a full disk and valgrind
# (tests/faults; docs/trust.md has their long forms).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-asan"

bash "$root/gateway/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DINDGANG_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$build"
ctest --output-on-failure -j2 "$@"
cd "$root"
bash tests/durability/run.sh
bash tests/fuzz/run.sh 20
bash tests/faults/run.sh
