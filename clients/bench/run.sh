#!/usr/bin/env bash
# run.sh - one command per benchmark scenario: builds what is needed, makes
# development certificates and a fresh database, starts the Indgang gateway
# and the bare-transport reference server, runs indgang-bench against both
# and stops them.  Every run is bounded in time and stops by itself.
#
# Usage: clients/bench/run.sh families|idle|storm|history [--smoke] [BENCH OPTIONS...]
#   e.g. clients/bench/run.sh families                      (closed loop, 1,000 families)
#        clients/bench/run.sh families --rate 5000          (open loop)
#        clients/bench/run.sh idle --conns 15000
#        clients/bench/run.sh storm --conns 10000
#        clients/bench/run.sh history                       (builds the 10M database once)
#        clients/bench/run.sh families --push [--rate 1000] (and with Web Push: the local
#                               push service of tests/pushsvc, every adviser subscribed)
#
# Environment:
#   BENCH_DIR     work directory (default build-bench/run); results are appended
#                 to $BENCH_DIR/results.jsonl, server logs kept there
#   BENCH_DB      history: the large database (default $BENCH_DIR/history-10m.db)
#   BENCH_MESSAGES history: messages in it (default 10000000)
#   INDGANG_BIN, INDGANG_ADMIN, INDGANG_BENCH, INDGANG_BENCH_REF, INDGANG_BENCH_GENDB
#                 use these binaries instead of building (CI does)
#   BENCH_TIMEOUT seconds before the benchmark is stopped (default 1200; smoke 180)
#   REF_ARGS      more options for indgang-bench-ref, e.g. "--rx-buffer 0"
#   GATEWAY_ARGS  more options for indgang
#   BENCH_NICE    scheduling priority of the servers and the benchmark (default -10
#                 where permitted, else 0): on a shared machine the measured
#                 processes then get the CPU before background work does
# The gateway runs with --ws-rate 100000 and --connections-per-address 65535:
# its defaults (100 frames/s per connection, 200 connections per address) are
# for people, not for a load generator that opens every connection from one
# address.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
scenario=${1:-}
case "$scenario" in
families | idle | storm | history) shift ;;
*)
	sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
smoke=0
push=0
args=()
for a in "$@"; do
	[[ "$a" == --smoke ]] && smoke=1
	if [[ "$a" == --push ]]; then push=1; else args+=("$a"); fi
done
set -- "${args[@]}"

work=${BENCH_DIR:-$root/build-bench/run}
mkdir -p "$work"
work=$(cd "$work" && pwd)
timeout_s=${BENCH_TIMEOUT:-$([[ $smoke == 1 ]] && echo 180 || echo 1200)}

# ---- Binaries -------------------------------------------------------------------
if [[ -z "${INDGANG_BIN:-}" ]]; then
	cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$root/build-bench" -j"$(nproc)" --target indgang indgang-admin \
		indgang-bench indgang-bench-ref indgang-bench-gendb >/dev/null
	INDGANG_BIN=$root/build-bench/indgang
	INDGANG_ADMIN=$root/build-bench/indgang-admin
	INDGANG_BENCH=$root/build-bench/clients/bench/indgang-bench
	INDGANG_BENCH_REF=$root/build-bench/clients/bench/indgang-bench-ref
	INDGANG_BENCH_GENDB=$root/build-bench/clients/bench/indgang-bench-gendb
fi

# Thousands of sockets per process: raise the descriptor limit as far as allowed.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
nice_level=${BENCH_NICE:--10}
[[ "$(nice -n "$nice_level" nice 2>/dev/null)" == "$nice_level" ]] || nice_level=0
prio=(nice -n "$nice_level")
echo "servers and benchmark run at nice $nice_level; load average now $(cut -d' ' -f1 /proc/loadavg)" >&2

bash "$root/certs/make-dev-certs.sh" "$work/certs" 2>/dev/null
certs=$work/certs

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
ref_port=$(free_port)
while [[ "$ref_port" == "$port" ]]; do ref_port=$(free_port); done

# ---- The database ---------------------------------------------------------------
extra=()
if [[ $scenario == history ]]; then
	if [[ $smoke == 1 ]]; then
		db=$work/history-smoke.db
		rm -f "$db" "$db"-wal "$db"-shm "$db".world.json
		"$INDGANG_BENCH_GENDB" --db "$db" --admin "$INDGANG_ADMIN" --messages 20000 \
			--families 20 --advisers 4
	else
		db=${BENCH_DB:-$work/history-10m.db}
		if [[ ! -s "$db.world.json" ]]; then
			rm -f "$db" "$db"-wal "$db"-shm
			echo "building $db (once; about two minutes)" >&2
			"$INDGANG_BENCH_GENDB" --db "$db" --admin "$INDGANG_ADMIN" \
				--messages "${BENCH_MESSAGES:-10000000}"
		fi
		# Warm: the OS page cache holds what the gateway will read.
		cat "$db" >/dev/null
	fi
	extra=(--world "$db.world.json")
else
	db=$work/$scenario.db
	rm -f "$db" "$db"-wal "$db"-shm
fi

# ---- Servers ------------------------------------------------------------------------
pids=()
push_args=()
gateway_push=()
cleanup() {
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

# Starts a server in the background and waits for its "listening on" line;
# sets started_in to the seconds that took and appends its pid to pids.
start_server() {
	local log=$1
	shift
	local t0
	t0=$(date +%s%N)
	"${prio[@]}" "$@" </dev/null >/dev/null 2>"$log" &
	pids+=($!)
	for _ in $(seq 3000); do
		if grep -q "listening on" "$log"; then
			started_in=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN{printf "%.3f", (b - a) / 1e9}')
			return 0
		fi
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.01
	done
	echo "server did not start: $*" >&2
	cat "$log" >&2
	return 1
}

# Web Push: the local push service (checking and decrypting one push in 50, so
# that it leaves the CPU to what is measured), a push key in the database, and
# a gateway that may send to this machine.
if [[ $push == 1 ]]; then
	[[ -d "$root/tests/pushsvc/node_modules/http_ece" ]] ||
		(cd "$root/tests/pushsvc" && npm ci --no-audit --no-fund --loglevel=error >&2)
	"$INDGANG_ADMIN" --db "$db" init >/dev/null
	push_port=$(free_port)
	mkfifo "$work/pushsvc.stdin.$$"
	"${prio[@]}" node "$root/tests/pushsvc/server.mjs" --cert "$certs/server.pem" \
		--key "$certs/server-key.pem" --port "$push_port" --sample 50 \
		<"$work/pushsvc.stdin.$$" >"$work/pushsvc.log" 2>&1 &
	pids+=($!)
	push_pid=$!
	exec {push_stdin}>"$work/pushsvc.stdin.$$" # held open: the service lives while we do
	rm -f "$work/pushsvc.stdin.$$"
	for _ in $(seq 500); do grep -q '"port"' "$work/pushsvc.log" && break; sleep 0.01; done
	push_args=(--push-port "$push_port" --push-pid "$push_pid")
	gateway_push=(--push-hosts 127.0.0.1 --push-allow-private yes --push-ca-file "$certs/ca.pem")
fi

start_server "$work/indgang.log" "$INDGANG_BIN" --db "$db" --listen "127.0.0.1:$port" \
	--cert "$certs/server.pem" --key "$certs/server-key.pem" --ws-rate 100000 \
	--connections-per-address 65535 "${gateway_push[@]}" ${GATEWAY_ARGS:-}
gw_pid=${pids[-1]}
startup=$started_in
echo "indgang started in $startup s on $db (pid $gw_pid)" >&2
# shellcheck disable=SC2086 # REF_ARGS is a list of words
start_server "$work/reference.log" "$INDGANG_BENCH_REF" --listen "127.0.0.1:$ref_port" \
	--cert "$certs/server.pem" --key "$certs/server-key.pem" ${REF_ARGS:-}
ref_pid=${pids[-1]}
if [[ $scenario == history ]]; then
	echo "{\"scenario\":\"startup\",\"db\":\"$db\",\"seconds\":$startup}" >>"$work/results.jsonl"
	echo "gateway start-up on $db: $startup s"
fi

# ---- The benchmark ----------------------------------------------------------------------
set +e
timeout --signal=INT "$timeout_s" "${prio[@]}" "$INDGANG_BENCH" "$scenario" --port "$port" \
	--ref-port "$ref_port" --server-pid "$gw_pid" --ref-pid "$ref_pid" \
	--ca "$certs/ca.pem" --admin "$INDGANG_ADMIN" --db "$db" \
	--json "$work/results.jsonl" "${extra[@]}" "${push_args[@]}" "$@"
rc=$?
set -e
if ! kill -0 "$gw_pid" 2>/dev/null; then
	echo "the gateway died during the run; its log:" >&2
	tail -20 "$work/indgang.log" >&2
	rc=1
fi
exit $rc
