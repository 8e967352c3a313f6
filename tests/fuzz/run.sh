#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] - builds the libFuzzer targets with clang
# (-fsanitize=fuzzer,address,undefined) and runs each for SECONDS (default 20,
# the CI form; 3600 is the hour run), then prints executions and crashes per
# target.  Exit status 0 only when every target ran and none crashed.
#
#   bash tests/fuzz/run.sh            # CI: 5 x 20 s
#   bash tests/fuzz/run.sh 3600       # the documented hour run, per target
#   FUZZ_TARGETS="frame" bash tests/fuzz/run.sh 600
#
# The checked-in seeds (tests/fuzz/corpus/<target>/) are only read; what the
# fuzzer learns goes to $FUZZ_BUILD/corpus/<target>/ (kept between runs), and
# crash inputs to $FUZZ_BUILD/artifacts/<target>/.  Reproduce one with
#   build-fuzz/fuzz_<target> build-fuzz/artifacts/<target>/crash-...
set -uo pipefail
secs=${1:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
targets=${FUZZ_TARGETS:-frame api import upload image}
CC_FUZZ=${CC_FUZZ:-clang}

if ! command -v "$CC_FUZZ" >/dev/null; then
	echo "fuzz: $CC_FUZZ not found (apt-get install clang)" >&2
	exit 2
fi
cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_C_COMPILER="$CC_FUZZ" \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
cmake --build "$build" -j"$(nproc)" >/dev/null || {
	cmake --build "$build" -j1 2>&1 | tail -30
	exit 2
}

# The frame target's database, the upload target's files folder and the image
# target's files live here (tmpfs: the fsyncs are cheap).
if [ -z "${FUZZ_TMPDIR:-}" ]; then
	FUZZ_TMPDIR=$(mktemp -d /dev/shm/indgang-fuzz.XXXXXX 2>/dev/null || mktemp -d)
	trap 'rm -rf "$FUZZ_TMPDIR"' EXIT
fi
export FUZZ_TMPDIR
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

declare -A max_len=([frame]=20000 [api]=8192 [import]=16384 [upload]=70000 [image]=65536)
status=0
summary=""
for t in $targets; do
	corpus="$build/corpus/$t"
	artifacts="$build/artifacts/$t"
	log="$build/fuzz-$t.log"
	mkdir -p "$corpus" "$artifacts"
	before=$(find "$artifacts" -type f | wc -l)
	stamp="$build/.started-$t"
	touch "$stamp"
	echo "fuzz: $t for ${secs}s (log $log)"
	"$build/fuzz_$t" -max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 \
		-max_len="${max_len[$t]}" -print_final_stats=1 \
		-dict="$root/tests/fuzz/$t.dict" -artifact_prefix="$artifacts/" \
		"$corpus" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
	crashes=$(($(find "$artifacts" -type f | wc -l) - before))
	line=$(printf '%-7s %10s executions  %5s edges  %s crashes  (exit %d)' "$t" \
		"${execs:-?}" "${cov:-?}" "$crashes" "$rc")
	summary+="$line"$'\n'
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ] || [ -z "$execs" ]; then
		status=1
		echo "fuzz: $t FAILED; the finding:"
		grep -E 'ORACLE VIOLATION|ERROR: |runtime error|SUMMARY' "$log" | head -5
		grep -E '^ +#[0-9]+ ' "$log" | head -25
		find "$artifacts" -type f -newer "$stamp" | head -3 | while read -r f; do
			echo "  input: $f ($(stat -c %s "$f") bytes)"
			head -c 400 "$f" | od -A d -c | head -12
		done
	fi
done
echo
echo "fuzz summary (${secs}s per target):"
printf '%s' "$summary"
exit $status
