#!/usr/bin/env bash
# node-run.sh - the Node load client (node-load.mjs) against a fresh gateway,
# with the gateway's threads sampled meanwhile (threadstates.py): msg/s, and
# per thread the share of samples running, sleeping and in uninterruptible
# (disk) wait, and CPU busy share.  Bounded in time; stops what it started.
#
# Usage: clients/bench/node-run.sh [NODE-LOAD OPTIONS...]
#   e.g. clients/bench/node-run.sh                       (100 families, 4 in flight, 10 s)
#        clients/bench/node-run.sh --families 100 --window 4 --duration 20
# Environment: BENCH_DIR (default build-bench/run-node), INDGANG_BIN,
#   INDGANG_ADMIN (else built in build-bench), GATEWAY_ARGS, SAMPLE_MS (5),
#   BENCH_NICE (as in run.sh), SCHED=1 (also count every switch away from each
#   thread by its state with perf: exact where sampling may miss short waits).  Results are appended to $BENCH_DIR/results.jsonl.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${BENCH_DIR:-$root/build-bench/run-node}
mkdir -p "$work"
work=$(cd "$work" && pwd)

if [[ -z "${INDGANG_BIN:-}" ]]; then
	cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$root/build-bench" -j"$(nproc)" --target indgang indgang-admin >/dev/null
	INDGANG_BIN=$root/build-bench/indgang
	INDGANG_ADMIN=$root/build-bench/indgang-admin
fi

# Options for the sampler: the measured time of node-load.
duration=10 warmup=2
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	case "${args[i]}" in
	--duration) duration=${args[i + 1]} ;;
	--warmup) warmup=${args[i + 1]} ;;
	esac
done

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
nice_level=${BENCH_NICE:--10}
[[ "$(nice -n "$nice_level" nice 2>/dev/null)" == "$nice_level" ]] || nice_level=0
prio=(nice -n "$nice_level")
echo "load average now $(cut -d' ' -f1-3 /proc/loadavg)" >&2

bash "$root/certs/make-dev-certs.sh" "$work/certs" 2>/dev/null
certs=$work/certs
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
db=$work/node.db
rm -f "$db" "$db"-wal "$db"-shm

gw_pid=
cleanup() {
	[[ -n "$gw_pid" ]] || return 0
	kill -TERM "$gw_pid" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$gw_pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$gw_pid" 2>/dev/null || true
}
trap cleanup EXIT

# shellcheck disable=SC2086 # GATEWAY_ARGS is a list of words
"${prio[@]}" "$INDGANG_BIN" --db "$db" --listen "127.0.0.1:$port" \
	--cert "$certs/server.pem" --key "$certs/server-key.pem" --ws-rate 100000 \
	--connections-per-address 65535 ${GATEWAY_ARGS:-} </dev/null >/dev/null 2>"$work/indgang.log" &
gw_pid=$!
for _ in $(seq 3000); do
	grep -q "listening on" "$work/indgang.log" && break
	kill -0 "$gw_pid" 2>/dev/null || { cat "$work/indgang.log" >&2; exit 1; }
	sleep 0.01
done

# The sampler starts when node-load starts measuring (after provisioning,
# connecting and the warm-up); node-load says when.
set +e
node_err=$work/node-load.err
rm -f "$node_err"
"${prio[@]}" node "$root/clients/bench/node-load.mjs" --port "$port" --ca "$certs/ca.pem" \
	--admin "$INDGANG_ADMIN" --db "$db" --json "$work/results.jsonl" "$@" 2> >(tee "$node_err" >&2) &
node_pid=$!
for _ in $(seq 12000); do
	grep -q "measuring from" "$node_err" 2>/dev/null && break
	kill -0 "$node_pid" 2>/dev/null || break
	sleep 0.01
done
python3 "$root/clients/bench/threadstates.py" "$gw_pid" --after "$warmup" --duration "$duration" \
	--interval-ms "${SAMPLE_MS:-5}" --json "$work/results.jsonl" --label "node-load" \
	${SCHED:+--sched}
wait "$node_pid"
rc=$?
set -e
kill -0 "$gw_pid" 2>/dev/null || { echo "the gateway died; its log:" >&2; tail -20 "$work/indgang.log" >&2; rc=1; }
exit $rc
