#!/usr/bin/env bash
# bench/run.sh — what Admit takes per second, each figure beside raw SQLite
# doing the same database work, all in one run: free registrations, and
# signed Stripe webhooks applied (each delivered twice, applied once) at
# each webhook concurrency (group commit: the more deliveries in flight,
# the more each fsync makes durable), and the time the server's reminder
# step takes to queue reminders for 100,000 confirmed registrations.
# Writes bench/RESULTS.md.
#
#   bench/run.sh                      defaults: -n 20000 -c 32 -webhooks 8000 -webhook-c 32,64 -reminders 100000
#   bench/run.sh -n 50000 -c 64       any regbench flag (go run ./bench/regbench -h)
#   bench/run.sh -webhook-c 16,32,64  webhooks at these concurrencies, one after the other
#   bench/run.sh -webhooks 0          no webhook measure
#   bench/run.sh -reminders 0         no reminder measure
#
# Needs Go, a C compiler (cgo, for SQLite) and, for the webhook measure,
# stripe-mock on PATH (go install github.com/stripe/stripe-mock@v0.203.0).
# Talks only to 127.0.0.1.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp="$(mktemp -d "${TMPDIR:-/tmp}/admit-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "bench: building admit and regbench…" >&2
CGO_ENABLED=1 go build -o "$tmp/admit" .
CGO_ENABLED=1 go build -o "$tmp/regbench" ./bench/regbench
"$tmp/regbench" -bin "$tmp/admit" -out bench/RESULTS.md -dir "$tmp/run" "$@"
