#!/usr/bin/env bash
# tests/faults/run.sh [--long] - the gateway under injected I/O errors, on a
# full disk, and under valgrind, with the figures (docs/trust.md, section 3).
#
#   bash tests/faults/run.sh          # CI form, about a minute after the build
#   bash tests/faults/run.sh --long   # libfiu: 50 rounds, 20,000 messages, 20 clients,
#                                     # at 2 % and at 5 %; the full disk 6 rounds
#
# libfiu's preload library and valgrind both need a gateway built without
# sanitizers: this builds one (RelWithDebInfo) in build-faults/ unless
# INDGANG_BIN / INDGANG_ADMIN name one.  The full-disk test mounts a tmpfs
# and needs root; without it it fails and says why.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
long=0
[ "${1:-}" = "--long" ] && long=1
py=/usr/bin/python3

if [ -z "${INDGANG_BIN:-}" ]; then
	build="$root/build-faults"
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINDGANG_SANITIZE=OFF \
		>/dev/null || exit 2
	cmake --build "$build" -j"$(nproc)" --target indgang indgang-admin indgang-fiu-io \
		>/dev/null || exit 2
	export INDGANG_BIN="$build/indgang" INDGANG_ADMIN="$build/indgang-admin"
fi
export INDGANG_SRC="$root"

status=0
run() {
	echo "== $*"
	"$@" || status=1
	echo
}
if [ $long -eq 1 ]; then
	run $py "$root/tests/faults/fiu.py" --long --percent 2
	run $py "$root/tests/faults/fiu.py" --long --percent 5
	run $py "$root/tests/faults/diskfull.py" --rounds 6
else
	# 2 % of pwrite() and fdatasync() failing: 8 rounds, 2,000 messages, 10 clients
	run $py "$root/tests/faults/fiu.py"
	# a 8 MiB tmpfs filled at once and by the messages themselves
	run $py "$root/tests/faults/diskfull.py"
fi
# valgrind memcheck: 1,000 messages, sign-ins, history, HTTP; no leak, no error
run $py "$root/tests/faults/valgrind.py"
[ $status -eq 0 ] && echo "faults: all PASS" || echo "faults: FAILED"
exit $status
