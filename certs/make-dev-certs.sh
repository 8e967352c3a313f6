#!/usr/bin/env bash
# make-dev-certs.sh - make a development CA and a localhost server certificate
# for running the Indgang gateway on this machine (never for production; see
# certs/README.md for real certificates).
#
# Usage: certs/make-dev-certs.sh [--force] [DIR]
#   DIR defaults to certs/dev next to this script.  Writes ca.pem, ca-key.pem,
#   server.pem (leaf, then the CA) and server-key.pem.  Does nothing when they
#   all exist, unless --force is given.
set -euo pipefail

usage() {
	echo "usage: $0 [--force] [DIR]" >&2
	exit 2
}

force=0
dir=""
for arg in "$@"; do
	case "$arg" in
	--force) force=1 ;;
	-h | --help)
		sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*) usage ;;
	*)
		[[ -z "$dir" ]] || usage
		dir="$arg"
		;;
	esac
done
if [[ -z "$dir" ]]; then
	dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/dev"
fi

files=(ca.pem ca-key.pem server.pem server-key.pem)
have_all=1
for f in "${files[@]}"; do
	[[ -s "$dir/$f" ]] || have_all=0
done
if [[ $have_all -eq 1 && $force -eq 0 ]]; then
	echo "development certificates already in $dir (use --force to remake them)" >&2
	exit 0
fi

mkdir -p "$dir"
# Keys must never be readable by others, not even for a moment.
umask 077
work="$(mktemp -d "$dir/.make.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The CA: EC P-256, ten years, only for signing certificates.
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ca-key.pem"
openssl req -x509 -new -sha256 -key "$work/ca-key.pem" -days 3650 \
	-subj "/CN=Indgang Development CA" \
	-addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "subjectKeyIdentifier=hash" \
	-out "$work/ca.pem"

# The server: EC P-256, 825 days (the longest that Apple platforms accept).
openssl ecparam -name prime256v1 -genkey -noout -out "$work/server-key.pem"
openssl req -new -sha256 -key "$work/server-key.pem" -subj "/CN=localhost" \
	-out "$work/server.csr"
cat >"$work/server.ext" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EXT
openssl x509 -req -sha256 -in "$work/server.csr" -CA "$work/ca.pem" \
	-CAkey "$work/ca-key.pem" -CAcreateserial -days 825 \
	-extfile "$work/server.ext" -out "$work/server-leaf.pem" 2>/dev/null
openssl verify -CAfile "$work/ca.pem" "$work/server-leaf.pem" >/dev/null

# The server presents its leaf followed by the chain.
cat "$work/server-leaf.pem" "$work/ca.pem" >"$work/server.pem"
chmod 600 "$work/ca-key.pem" "$work/server-key.pem"
chmod 644 "$work/ca.pem" "$work/server.pem"
for f in "${files[@]}"; do
	mv -f "$work/$f" "$dir/$f"
done

echo "made development certificates in $dir:" >&2
echo "  CA:     $dir/ca.pem (trust this one in clients)" >&2
echo "  server: $dir/server.pem, key $dir/server-key.pem (for localhost, 127.0.0.1, ::1)" >&2
