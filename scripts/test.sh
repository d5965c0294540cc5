#!/usr/bin/env bash
# scripts/test.sh — the project's test command (CI runs it through .ci/run).
#
#   bash scripts/test.sh [go test flags...]     e.g. -count=1, -run TestX, -v
#
# 1. installs what the tests need when it is missing: Debian's chromium
#    (browser tests), Debian's spamassassin (every kind of mail scored with
#    its local rules), stripe-mock (Stripe plugin tests), axe-core from npm
#    (accessibility tests; into a cache folder, named to them by AXE_CORE_JS)
#    ical.js from npm (calendar files; likewise, ICAL_JS) and Pebble, Let's
#    Encrypt's test ACME server (the automatic HTTPS test);
# 2. gofmt check, go vet ./...;
# 3. go test -race on the packages that run concurrent code, go test on every
#    other package (each package is tested once); app/e2e runs the built
#    binary, its chaos test (TestChaos: SIGKILL under a mixed load with
#    stripe-mock, the PayPal fake and an in-process SMTP server, then the
#    invariants and `admit reconcile`) included;
# 4. scripts/install_test.sh (install.sh in a temporary --root).
# Every step runs even when an earlier one failed; the exit code is non-zero
# when any failed. Go flags given as arguments go to both go test runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly STRIPE_MOCK_VERSION=v0.203.0
# Pebble, Let's Encrypt's test ACME server (app/e2e's automatic HTTPS test).
readonly PEBBLE_VERSION=v2.10.3
# axe-core for the accessibility tests (app/web/axe_test.go's axeVersion).
readonly AXE_VERSION=4.10.2
# Mozilla's ical.js, the independent reader of the calendar files
# (app/mail/mailtest/ical.go's ICalJSVersion).
readonly ICALJS_VERSION=2.1.0
# Packages run under the race detector; a pattern that matches no package yet
# is skipped.
readonly RACE_PATTERNS=(./app/store/... ./app/ticketing/... ./app/jobs/... ./app/web/... ./app/mail/... ./app/i18n/...)
# Each test binary's deadline. A loaded machine is slow, not wrong: app/web
# under -race took 12 of its 15 minutes beside app/e2e on 2 busy cores, and
# the tests' waits (clocktest.Patience) last until 30 s before the deadline,
# so the deadline is what bounds a test that waits for nothing.
readonly TEST_TIMEOUT=20m
readonly RACE_TIMEOUT=30m

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || {
	echo "test.sh: go not found (install Go into /usr/local/go)" >&2
	exit 1
}
GOBIN_DIR="$(go env GOBIN)"
[ -n "$GOBIN_DIR" ] || GOBIN_DIR="$(go env GOPATH)/bin"
export PATH="$GOBIN_DIR:$PATH"
export CGO_ENABLED=1

step() { printf '\n== %s  [%ss]\n' "$*" "$SECONDS"; }
failures=()
fail() { failures+=("$1"); }

# A tool the tests need could not be had: an error under CI, where every test
# must run; a warning on a developer's machine, where those tests skip.
missing_tool() {
	if [ "${CI:-}" = true ]; then
		echo "test.sh: $1" >&2
		exit 1
	fi
	echo "test.sh: warning: $1; the tests that need it will skip" >&2
}

# ---------------------------------------------------------------- tools

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo -n "$@"
	else
		return 1
	fi
}

apt_install() {
	local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300)
	# The package lists may be missing or stale: update only when the
	# install fails without one.
	as_root "${apt[@]}" install --no-install-recommends "$@" ||
		{ as_root "${apt[@]}" update && as_root "${apt[@]}" install --no-install-recommends "$@"; }
}

if ! command -v chromium >/dev/null 2>&1; then
	step "installing chromium (Debian package)"
	apt_install chromium >/dev/null || true
	command -v chromium >/dev/null 2>&1 || missing_tool "could not install Debian's chromium (apt-get install chromium, as root)"
fi

if ! command -v spamassassin >/dev/null 2>&1; then
	step "installing spamassassin (Debian package)"
	apt_install spamassassin >/dev/null || true
	command -v spamassassin >/dev/null 2>&1 || missing_tool "could not install Debian's spamassassin (apt-get install spamassassin, as root)"
fi

# go_tool NAME MODULE_PATH PACKAGE VERSION: go installs PACKAGE@VERSION
# unless NAME on PATH is that version of MODULE_PATH already.
go_tool_ok() {
	local path
	path="$(command -v "$1" 2>/dev/null)" || return 1
	go version -m "$path" 2>/dev/null | grep -q "$2[[:space:]]*$3" || return 1
}
go_tool() {
	local name="$1" module="$2" pkg="$3" version="$4"
	go_tool_ok "$name" "$module" "$version" && return 0
	step "installing $name $version"
	(cd / && GOFLAGS="" go install "$pkg@$version") || true
	go_tool_ok "$name" "$module" "$version" || missing_tool "could not go install $pkg@$version"
}
go_tool stripe-mock github.com/stripe/stripe-mock github.com/stripe/stripe-mock "$STRIPE_MOCK_VERSION"
go_tool pebble github.com/letsencrypt/pebble/v2 github.com/letsencrypt/pebble/v2/cmd/pebble "$PEBBLE_VERSION"

# npm_tool PACKAGE VERSION DIR FILE: npm installs PACKAGE@VERSION into DIR
# (a cache folder) unless FILE, a file of it, is there already.
npm_tool() {
	local pkg="$1" version="$2" dir="$3" file="$4"
	[ -s "$file" ] && return 0
	step "installing $pkg $version (npm)"
	command -v npm >/dev/null 2>&1 || apt_install npm >/dev/null || true
	if command -v npm >/dev/null 2>&1; then
		mkdir -p "$dir"
		npm install --prefix "$dir" --no-audit --no-fund --no-save "$pkg@$version" >/dev/null || true
	fi
	[ -s "$file" ] || missing_tool "could not npm install $pkg@$version"
}

# The tools are named in variables outside ADMIT_*: admit reads every ADMIT_
# variable of its environment as configuration and refuses unknown keys, so
# one of those would fail every test that starts it.
AXE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/admit-test/axe-core-$AXE_VERSION"
export AXE_CORE_JS="$AXE_DIR/node_modules/axe-core/axe.min.js"
npm_tool axe-core "$AXE_VERSION" "$AXE_DIR" "$AXE_CORE_JS"

ICALJS_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/admit-test/icaljs-$ICALJS_VERSION"
export ICAL_JS="$ICALJS_DIR/node_modules/ical.js/dist/ical.es5.cjs"
npm_tool ical.js "$ICALJS_VERSION" "$ICALJS_DIR" "$ICAL_JS"

# ---------------------------------------------------------------- static checks

step "gofmt"
mapfile -t go_files < <(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' -not -path './vendor/*' -not -path '*/testdata/*' | sort)
if [ "${#go_files[@]}" -gt 0 ]; then
	unformatted="$(gofmt -l "${go_files[@]}" 2>&1)" || true
	if [ -n "$unformatted" ]; then
		echo "not gofmt-formatted (run gofmt -w on them):"
		printf '%s\n' "$unformatted" | sed 's/^/  /'
		fail gofmt
	else
		echo "ok"
	fi
fi

step "go vet ./..."
if go vet ./...; then echo "ok"; else fail vet; fi

# ---------------------------------------------------------------- tests

mapfile -t all_pkgs < <(go list -e ./... 2>/dev/null | sort -u)
race_pkgs=()
for pattern in "${RACE_PATTERNS[@]}"; do
	while IFS= read -r pkg; do
		[ -n "$pkg" ] && race_pkgs+=("$pkg")
	done < <(go list -e "$pattern" 2>/dev/null)
done
mapfile -t race_pkgs < <(printf '%s\n' "${race_pkgs[@]+"${race_pkgs[@]}"}" | sed '/^$/d' | sort -u)
mapfile -t plain_pkgs < <(comm -23 <(printf '%s\n' "${all_pkgs[@]+"${all_pkgs[@]}"}" | sed '/^$/d') \
	<(printf '%s\n' "${race_pkgs[@]+"${race_pkgs[@]}"}" | sed '/^$/d'))

if [ "${#plain_pkgs[@]}" -gt 0 ]; then
	step "go test (${#plain_pkgs[@]} packages)"
	# -count=1: app/e2e builds and runs the binary, which the test cache
	# cannot see; the other packages here are quick.
	go test -count=1 -timeout "$TEST_TIMEOUT" "$@" "${plain_pkgs[@]}" || fail "go test"
fi
if [ "${#race_pkgs[@]}" -gt 0 ]; then
	step "go test -race (${#race_pkgs[@]} packages)"
	go test -race -timeout "$RACE_TIMEOUT" "$@" "${race_pkgs[@]}" || fail "go test -race"
fi
# Every fuzz target (func FuzzX in a _test.go file) runs for FUZZ_TIME from
# its seed corpus and testdata/fuzz; go test -fuzz takes one target a run.
# 10 s: the time includes gathering the corpus's coverage, which took more
# than 5 s on a loaded 2-core machine (the run then fails with "context
# deadline exceeded").
FUZZ_TIME="${FUZZ_TIME:-10s}"
mapfile -t fuzz_targets < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's|^\./||; s|/[^/]*_test\.go:func | |' | sort -u)
if [ "${#fuzz_targets[@]}" -gt 0 ]; then
	step "go test -fuzz (${#fuzz_targets[@]} targets, $FUZZ_TIME each)"
	for target in "${fuzz_targets[@]}"; do
		read -r dir name <<<"$target"
		echo "$dir $name"
		go test -run='^$' -fuzz="^$name\$" -fuzztime="$FUZZ_TIME" "./$dir" || fail "fuzz $name"
	done
fi
if [ "${#all_pkgs[@]}" -eq 0 ]; then
	echo "test.sh: go list ./... found no package" >&2
	fail "go list"
fi

# ---------------------------------------------------------------- install

step "scripts/install_test.sh"
bash scripts/install_test.sh || fail install

if [ "${#failures[@]}" -gt 0 ]; then
	echo "test.sh: FAILED: ${failures[*]}" >&2
	exit 1
fi
