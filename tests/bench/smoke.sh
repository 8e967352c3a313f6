#!/usr/bin/env bash
# smoke.sh SCENARIO - runs one indgang-bench scenario in --smoke mode against
# a fresh gateway and the reference server, with the binaries CTest built
# (INDGANG_BIN, INDGANG_ADMIN, INDGANG_BENCH, INDGANG_BENCH_REF,
# INDGANG_BENCH_GENDB; INDGANG_SRC is the source tree).  It passes when the
# scenario completes without a single error; it never checks a timing.
set -euo pipefail
scenario=${1:?usage: smoke.sh families|idle|storm|history}
src=${INDGANG_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
for v in INDGANG_BIN INDGANG_ADMIN INDGANG_BENCH INDGANG_BENCH_REF INDGANG_BENCH_GENDB; do
	[[ -n "${!v:-}" ]] || { echo "smoke.sh: $v is not set" >&2; exit 2; }
done
work=$(mktemp -d /tmp/indgang-bench-smoke-XXXXXX)
trap 'rm -rf "$work"' EXIT
export BENCH_DIR=$work BENCH_TIMEOUT=240
bash "$src/clients/bench/run.sh" "$scenario" --smoke
if [[ $scenario == families ]]; then # the open loop too, and with Web Push
	bash "$src/clients/bench/run.sh" families --smoke --rate 400 --push
fi
