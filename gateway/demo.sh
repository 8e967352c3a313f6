#!/usr/bin/env bash
# The quick start: installs what is missing, builds, makes a development
# certificate and a demo database, and runs the gateway on
# https://localhost:8443 until Ctrl-C.  The demo's logins and invite codes
# are printed before it starts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
run="$root/run"
listen="${INDGANG_LISTEN:-127.0.0.1:8443}"

bash "$root/gateway/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)"
bash "$root/certs/make-dev-certs.sh" "$root/certs/dev"

mkdir -p "$run"
if [ ! -f "$run/demo.db" ]; then
	"$root/build/indgang-admin" --db "$run/demo.db" init
	"$root/build/indgang-admin" --db "$run/demo.db" demo | tee "$run/demo.txt"
else
	echo "Using the existing demo database $run/demo.db (delete it for a fresh demo)."
	echo "Its logins and invite codes: $run/demo.txt"
	echo "A fresh invite code: $root/build/indgang-admin --db $run/demo.db invite MEMBER_ID"
fi
# clamd checks every photo and document before anyone else may fetch it: the
# demo's own, with a development signature database (gateway/dev-clamd.sh).
bash "$root/gateway/dev-clamd.sh" "$run/clamd" >"$run/clamd.out" 2>&1 &
clamd_pid=$!
trap 'kill "$clamd_pid" 2>/dev/null || true' EXIT INT TERM
echo
echo "Trust the development CA to avoid certificate warnings: $root/certs/dev/ca.pem"
"$root/build/indgang" --db "$run/demo.db" --listen "$listen" \
	--cert "$root/certs/dev/server.pem" --key "$root/certs/dev/server-key.pem" \
	--web "$root/clients/web" --clamd-socket "$run/clamd/clamd.sock"
