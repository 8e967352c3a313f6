#!/usr/bin/env bash
# Installs what Indgang needs to build, run and test on Debian 12, when missing.
# Safe to run again: it only asks apt for packages that are not installed.
set -euo pipefail

packages=(
	build-essential cmake pkg-config clang-format openssl sqlite3
	libwebsockets-dev libsqlite3-dev libssl-dev libjansson-dev libargon2-dev libqrencode-dev
	# the event loop: libuv, and the lws plugin that runs on it
	libuv1-dev libwebsockets-evlib-uv
	python3 python3-websockets
	# Web Push (issue 12): outbound HTTPS to the push services, HTTP/2 through nghttp2
	libcurl4-openssl-dev
	# e2e 52 runs the README's own curl commands (curl >= 7.82 for --json)
	curl
	# the fuzz targets: clang with libFuzzer
	clang libclang-rt-14-dev
	chromium fonts-noto-core
	# operations: the .deb test (dpkg-dev for CPack's shlibdeps, adduser for postinst,
	# systemd-analyze) and the docs test (python3-yaml, man-db)
	dpkg-dev adduser systemd python3-yaml man-db
	# fault injection (tests/faults): libfiu (its preload library, fiu-ctrl, and
	# the headers for our wrapper of pwrite64/fdatasync), valgrind, and
	# util-linux's mount/unshare for the full-disk test on a tmpfs
	fiu-utils libfiu0 libfiu-dev valgrind util-linux
	# the TLS scan of tests/e2e/29-tls.py
	testssl.sh
	# issue 13: SMS through Kannel's bearerbox/smsbox (tests start their own, docs/kannel.md)
	kannel
	# issue 14: attachments. clamd scans every upload over its Unix socket (tests
	# start their own with a signature database they make with sigtool, from
	# clamav); libvips decodes and re-encodes images, HEIC through libheif (the
	# image tests make their inputs with libvips-tools' vips and vipsheader)
	clamav-daemon clamav libvips-dev libheif-dev libvips-tools
	# indgang-image writes WebP with libwebp itself (libvips 8.14.1 keeps EXIF)
	libwebp-dev
	# backups encrypted to a public key (indgang-admin backup --age-recipient,
	# restore --age-identity) run age (and tar); e2e 37 makes its keys with age-keygen
	age
)
# The browser tests (tests/browser) run on Node 20 or newer with npm; a
# machine that has node from elsewhere (e.g. NodeSource) keeps it.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
