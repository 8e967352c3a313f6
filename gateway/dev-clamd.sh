#!/usr/bin/env bash
# gateway/dev-clamd.sh DIR - a clamd for the demo (gateway/demo.sh), all in
# DIR: a Unix socket (DIR/clamd.sock), a signature database made here with
# sigtool that knows only the EICAR test file (no internet is assumed), and
# clamd in the foreground until it is stopped.  Production runs Debian's
# clamav-daemon with freshclam instead (docs/operators-guide.md); the
# gateway's clamd_socket then points at /var/run/clamav/clamd.ctl.
set -euo pipefail
dir=$(mkdir -p "$1" && cd "$1" && pwd)
mkdir -p "$dir/db" "$dir/tmp"
eicar='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
if [ ! -f "$dir/db/indgang-dev.ndb" ]; then
	hex=$(printf '%s' "$eicar" | sigtool --hex-dump)
	printf 'Indgang.Dev.EICAR:0:*:%s\n' "$hex" >"$dir/db/indgang-dev.ndb"
fi
cat >"$dir/clamd.conf" <<CONF
LocalSocket $dir/clamd.sock
LocalSocketMode 600
FixStaleSocket yes
DatabaseDirectory $dir/db
TemporaryDirectory $dir/tmp
LogFile $dir/clamd.log
Foreground yes
StreamMaxLength 25M
Bytecode no
CONF
exec clamd --config-file="$dir/clamd.conf"
