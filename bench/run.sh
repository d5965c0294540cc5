#!/usr/bin/env bash
# bench/run.sh — Admit's figures, each beside a baseline measured in the
# same run on the same machine, written with the machine's description to
# bench/RESULTS.md:
#
#   - free registrations/s, beside raw SQLite doing the same inserts one
#     transaction each, and the group-commit ceiling (the same inserts, as
#     many a transaction as there are clients in flight);
#   - admit's peak resident memory under that load, and its cold start to
#     a healthy /healthz (median of several restarts);
#   - GET /a/{token}/join redirects/s during a live session, beside a plain
#     fiber handler doing one indexed read of the same table;
#   - recording bytes/s to 100 concurrent Range streams, beside nginx
#     (Debian's package) serving the same file;
#   - signed Stripe webhooks applied/s (each delivered twice, applied once),
#     beside raw SQLite doing the same writes;
#   - the time to queue the reminders of 100,000 registrations.
#
#   bench/run.sh                      everything, about 10 minutes on 2 CPUs
#   bench/run.sh -n 20000 -c 64       any regbench flag (go run ./bench/regbench -h)
#   bench/run.sh -streams 0           no recording measure (no nginx needed)
#   bench/run.sh -webhooks 0          no webhook measure (no stripe-mock needed)
#   bench/run.sh -reminders 0         no reminder measure
#
# Needs Go. Installs what else it needs when missing: a C compiler (cgo,
# for SQLite) and nginx with apt-get (as root, or through sudo), and
# stripe-mock with go install. Installing Debian's nginx package also
# enables the system's own nginx service (port 80) where systemd runs;
# the bench neither uses nor touches it: it runs nginx itself, on
# 127.0.0.1, with a configuration of its own, and stops it. Talks only to
# 127.0.0.1.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || {
	echo "bench: go not found (install Go into /usr/local/go)" >&2
	exit 1
}
GOBIN_DIR="$(go env GOBIN)"
[ -n "$GOBIN_DIR" ] || GOBIN_DIR="$(go env GOPATH)/bin"
export PATH="$GOBIN_DIR:$PATH"
export CGO_ENABLED=1

wants() { # wants FLAG: false when the arguments turn the measure off (FLAG 0)
	local prev=""
	for a in "$@"; do
		case "$a" in "$FLAG=0" | "-$FLAG=0") return 1 ;; esac
		if [ "$prev" = "$FLAG" ] || [ "$prev" = "-$FLAG" ]; then [ "$a" != 0 ] || return 1; fi
		prev="$a"
	done
}

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "bench: need root (or sudo) to run: $*" >&2
		return 1
	fi
}

apt_install() {
	local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300)
	echo "bench: installing $* (Debian packages)…" >&2
	as_root "${apt[@]}" install --no-install-recommends "$@" >&2 ||
		{ as_root "${apt[@]}" update >&2 && as_root "${apt[@]}" install --no-install-recommends "$@" >&2; }
}

command -v gcc >/dev/null 2>&1 || command -v cc >/dev/null 2>&1 || apt_install gcc libc6-dev
if FLAG=-streams wants "$@" && FLAG=-live-regs wants "$@"; then
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || apt_install nginx
fi
if FLAG=-webhooks wants "$@"; then
	version="$(sed -n 's/^const Version = "\(.*\)"$/\1/p' plugins/stripe/stripetest/stripetest.go)"
	if ! go version -m "$(command -v stripe-mock 2>/dev/null || echo /nonexistent)" 2>/dev/null | grep -q "stripe-mock[[:space:]]*$version"; then
		echo "bench: installing stripe-mock $version (go install)…" >&2
		(cd / && GOFLAGS="" go install "github.com/stripe/stripe-mock@$version")
	fi
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/admit-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "bench: building admit and regbench…" >&2
go build -trimpath -o "$tmp/admit" . # as install.sh builds it
go build -o "$tmp/regbench" ./bench/regbench
"$tmp/regbench" -bin "$tmp/admit" -out bench/RESULTS.md -dir "$tmp/run" "$@"
