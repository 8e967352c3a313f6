#!/usr/bin/env bash
# tests/durability/run.sh [--long] - nothing acknowledged is lost, by kill -9
# and by power cut, with the figures.
#
#   bash tests/durability/run.sh          # CI form, well under a minute
#   bash tests/durability/run.sh --long   # 50 kills, 20,000 messages, 20 clients each
#
# Builds indgang-powerloss and libindgang-powerloss.so (standalone, in
# build-durability/, unless the top-level build already has them) and uses
# the gateway binaries of build/, building them there on a fresh clone
# (INDGANG_BIN / INDGANG_ADMIN to choose others).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
long=()
[ "${1:-}" = "--long" ] && long=(--long)
py=/usr/bin/python3

if [ -z "${INDGANG_POWERLOSS:-}" ] && [ ! -x "$root/build/tests/durability/indgang-powerloss" ]; then
	cmake -S "$root/tests/durability" -B "$root/build-durability" >/dev/null || exit 2
	cmake --build "$root/build-durability" -j"$(nproc)" >/dev/null || exit 2
	export INDGANG_POWERLOSS="$root/build-durability/indgang-powerloss"
	export INDGANG_POWERLOSS_SO="$root/build-durability/libindgang-powerloss.so"
fi

# A gateway without sanitizers: the power-loss library is preloaded into it.
if [ -z "${INDGANG_BIN:-}" ] && [ ! -x "$root/build/indgang" ]; then
	cmake -S "$root" -B "$root/build" >/dev/null || exit 2
	cmake --build "$root/build" -j"$(nproc)" --target indgang indgang-admin >/dev/null || exit 2
fi
export INDGANG_BIN=${INDGANG_BIN:-$root/build/indgang}
export INDGANG_ADMIN=${INDGANG_ADMIN:-$root/build/indgang-admin}
export INDGANG_SRC="$root"

status=0
run() {
	echo "== $*"
	"$@" || status=1
	echo
}
# the hub and writer on the power-loss VFS, killed at random
run $py "$root/tests/durability/powerloss.py" "${long[@]}"
# the same driver killed with plain kill -9 (the kernel keeps its writes)
run $py "$root/tests/durability/powerloss.py" --no-shim --kills 5 --messages 2000
# 3 % of fsyncs fail and drop the unsynced writes ("fsyncgate"): the hub stops, restarts
run $py "$root/tests/durability/powerloss.py" --fail-sync 3 "${long[@]}"
# the test can fail: with fsync ignored it must see acknowledged messages lost
run $py "$root/tests/durability/powerloss.py" --control
# the real gateway binary: kill -9, then power cuts through LD_PRELOAD, then the control
run $py "$root/tests/durability/gateway-crash.py" "${long[@]}"
run $py "$root/tests/durability/gateway-crash.py" --powerloss "${long[@]}"
run $py "$root/tests/durability/gateway-crash.py" --fail-sync 3 "${long[@]}"
run $py "$root/tests/durability/gateway-crash.py" --control --kills 1
[ $status -eq 0 ] && echo "durability: all PASS" || echo "durability: FAILED"
exit $status
