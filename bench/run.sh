#!/usr/bin/env bash
# bench/run.sh — how many free registrations per second Admit takes: raw
# SQLite against the real binary over HTTP. Writes bench/RESULTS.md.
#
#   bench/run.sh                    defaults: -n 20000 -c 32
#   bench/run.sh -n 50000 -c 64     any regbench flag (go run ./bench/regbench -h)
#
# Needs Go and a C compiler (cgo, for SQLite). Talks only to 127.0.0.1.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp="$(mktemp -d "${TMPDIR:-/tmp}/admit-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "bench: building admit and regbench…" >&2
CGO_ENABLED=1 go build -o "$tmp/admit" .
CGO_ENABLED=1 go build -o "$tmp/regbench" ./bench/regbench
"$tmp/regbench" -bin "$tmp/admit" -out bench/RESULTS.md -dir "$tmp/run" "$@"
