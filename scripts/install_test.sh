#!/usr/bin/env bash
# scripts/install_test.sh — tests install.sh without touching the machine:
# installs into a temporary --root twice (install, then upgrade) and checks
# the files, their modes, that the config survives and that the unit verifies.
#
#   bash scripts/install_test.sh [--binary PATH]   (or ADMIT_BINARY=PATH)
#
# Without a binary it builds one from the checkout (go build, sharing the
# build cache with go test). Ends with "install: N passed, N failed".
# shellcheck disable=SC2317  # functions run through check() and trap
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

binary="${ADMIT_BINARY:-}"
while [ $# -gt 0 ]; do
	case "$1" in
	--binary)
		binary="${2:?--binary needs a path}"
		shift 2
		;;
	-h | --help)
		sed -n '2,9p' "$0"
		exit 0
		;;
	*)
		echo "install_test.sh: unknown option $1" >&2
		exit 2
		;;
	esac
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/admit-install-test.XXXXXX")"
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
failed=0
skipped=0
ok() {
	passed=$((passed + 1))
	printf 'ok   %s\n' "$1"
}
not_ok() {
	failed=$((failed + 1))
	printf 'FAIL %s\n' "$1"
	if [ $# -gt 1 ] && [ -n "$2" ]; then printf '%s\n' "$2" | sed 's/^/     | /'; fi
}
skip() {
	skipped=$((skipped + 1))
	printf 'skip %s\n' "$1"
}
# check DESCRIPTION COMMAND...: one test, passed when COMMAND succeeds.
check() {
	local desc="$1"
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() {
	if [ "$skipped" -gt 0 ]; then
		echo "install: $passed passed, $failed failed, $skipped skipped"
	else
		echo "install: $passed passed, $failed failed"
	fi
	if [ "$failed" = 0 ]; then exit 0; fi
	exit 1
}
mode_is() { [ -e "$1" ] && [ "$(stat -c %a "$1")" = "$2" ]; }
# data_files: the data directory's entries, but for pre-upgrade backups.
data_files() {
	local f
	for f in "$data"/* "$data"/.[!.]*; do
		[ -e "$f" ] || continue
		case "${f##*/}" in backup-pre-upgrade-*) continue ;; esac
		printf '%s\n' "${f##*/}"
	done
}
same_binary() { mode_is "$bin" 755 && cmp -s "$binary" "$bin"; }
fails() { ! "$@" >/dev/null 2>&1; }
help_names_root() { bash install.sh --help | grep -q -- "--root"; }

echo "== install test"

# ---------------------------------------------------------------- binary

if [ -z "$binary" ]; then
	binary="$tmp/build/admit"
	if out="$(CGO_ENABLED=1 go build -o "$binary" . 2>&1)"; then
		ok "go build ."
	else
		not_ok "go build ." "$out"
		finish
	fi
fi
[ -x "$binary" ] || {
	not_ok "binary $binary is executable"
	finish
}

root="$tmp/root"
bin="$root/usr/local/bin/admit"
conf="$root/etc/admit/config.toml"
data="$root/var/lib/admit"
unit="$root/etc/systemd/system/admit.service"

# ---------------------------------------------------------------- first install

if out="$(bash install.sh --root "$root" --binary "$binary" 2>&1)"; then
	ok "install.sh --root (first install)"
else
	not_ok "install.sh --root (first install)" "$out"
	finish
fi

check "binary installed, 0755" mode_is "$bin" 755
check "binary is the one given" cmp -s "$binary" "$bin"
check "config dir, 0750" mode_is "$root/etc/admit" 750
check "config written, 0640" mode_is "$conf" 640
check "data dir, 0750" mode_is "$data" 750
check "unit written, 0644" mode_is "$unit" 644
check "config sets data.dir = /var/lib/admit" \
	grep -Eq '^(dir|data\.dir) = "/var/lib/admit"$' "$conf"

missing=""
for directive in \
	'User=admit' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' \
	'PrivateTmp=yes' 'PrivateDevices=yes' 'ReadWritePaths=/var/lib/admit' \
	'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' 'ProtectControlGroups=yes' \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'RestrictNamespaces=yes' \
	'LockPersonality=yes' 'MemoryDenyWriteExecute=yes' 'SystemCallArchitectures=native' \
	'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' 'AmbientCapabilities=CAP_NET_BIND_SERVICE' 'Restart=on-failure' 'KillSignal=SIGTERM' \
	'ExecStart=/usr/local/bin/admit --config /etc/admit/config.toml' \
	'WantedBy=multi-user.target'; do
	grep -qxF -- "$directive" "$unit" || missing="$missing $directive"
done
grep -q '^TimeoutStopSec=' "$unit" || missing="$missing TimeoutStopSec"
if [ -z "$missing" ]; then ok "unit has the hardening directives"; else not_ok "unit has the hardening directives" "missing:$missing"; fi

# systemd-analyze checks the unit against the staged binary (the unit names
# the real /usr/local/bin/admit, absent here). Any message is a failure:
# verify exits 0 even on unknown keys.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$tmp/verify"
	sed "s#^ExecStart=/usr/local/bin/admit #ExecStart=$bin #" "$unit" >"$tmp/verify/admit.service"
	if out="$(systemd-analyze verify --man=no "$tmp/verify/admit.service" 2>&1)" && [ -z "$out" ]; then
		ok "systemd-analyze verify admit.service"
	else
		not_ok "systemd-analyze verify admit.service" "$out"
	fi
else
	skip "systemd-analyze verify admit.service (systemd-analyze not installed here)"
fi

# ---------------------------------------------------------------- first start

# Serve once with the installed binary and config, as systemd would, so that
# there is a database for the upgrade to back up.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# start_server PORT: starts the installed binary on PORT and waits (bounded)
# until it says it serves, or has exited.
start_server() {
	(cd "$data" && exec env ADMIT_DATA__DIR="$data" ADMIT_HTTP__ADDRESS="127.0.0.1:$1" \
		ADMIT_HTTP__PUBLIC_URL="http://127.0.0.1:$1" "$bin" --config "$conf") \
		>"$tmp/serve.out" 2>"$tmp/serve.err" &
	server_pid=$!
	for _ in $(seq 1 480); do
		if grep -q 'admit serving' "$tmp/serve.err"; then return 0; fi
		if ! kill -0 "$server_pid" 2>/dev/null; then
			wait "$server_pid" 2>/dev/null || true
			server_pid=""
			return 1
		fi
		sleep 0.25
	done
	return 1
}
started=0
# A port found free may be taken by another program before admit binds it:
# admit then stops at once, before it creates anything, and another port is
# tried.
for _ in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	port_free "$port" || continue
	if start_server "$port"; then
		started=1
		break
	fi
	grep -q 'address already in use' "$tmp/serve.err" || break
done
if [ "$started" = 1 ]; then
	ok "installed binary serves with the installed config"
else
	not_ok "installed binary serves with the installed config" "$(tail -n 20 "$tmp/serve.err" 2>/dev/null)"
fi
if [ -n "$server_pid" ]; then
	# Admit listens before it creates anything, so the port answers before
	# the first administrator exists: wait for the line itself (bounded).
	for _ in $(seq 1 240); do
		if grep -qi 'password' "$tmp/serve.err" || ! kill -0 "$server_pid" 2>/dev/null; then break; fi
		sleep 0.25
	done
	check "first start prints the admin password on stderr" grep -qi 'password' "$tmp/serve.err"
	kill -TERM "$server_pid" 2>/dev/null || true
	stopped=0
	for _ in $(seq 1 80); do
		if ! kill -0 "$server_pid" 2>/dev/null; then
			stopped=1
			break
		fi
		sleep 0.25
	done
	if [ "$stopped" = 1 ]; then
		rc=0
		wait "$server_pid" || rc=$?
		server_pid=""
		if [ "$rc" = 0 ]; then ok "SIGTERM stops it with exit code 0"; else not_ok "SIGTERM stops it with exit code 0" "exit code $rc; $(tail -n 5 "$tmp/serve.err")"; fi
	else
		not_ok "SIGTERM stops it with exit code 0" "still running 20 s after SIGTERM"
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=""
	fi
fi

# ---------------------------------------------------------------- upgrade

marker="# install-test marker $$-$RANDOM"
echo "$marker" >>"$conf"
before="$(data_files)"

if out="$(bash install.sh --root "$root" --binary "$binary" 2>&1)"; then
	ok "install.sh --root again (upgrade)"
else
	not_ok "install.sh --root again (upgrade)" "$out"
fi
check "upgrade keeps the config (marker survives)" grep -qxF -- "$marker" "$conf"
check "config still 0640" mode_is "$conf" 640
check "binary still 0755 and the one given" same_binary
check "unit still 0644" mode_is "$unit" 644

backups=("$data"/backup-pre-upgrade-*.db)
if [ -e "${backups[0]}" ] && [ "$(head -c 15 "${backups[0]}")" = "SQLite format 3" ]; then
	ok "upgrade backed up the database first (${backups[0]##*/})"
elif [ "$started" = 1 ]; then
	not_ok "upgrade backed up the database first" "data dir before: $before
install.sh said: $out"
else
	skip "upgrade backed up the database first (the server did not start)"
fi
check "upgrade leaves the data as it was" [ "$(data_files)" = "$before" ]

# ---------------------------------------------------------------- command line

check "install.sh --help" help_names_root
check "install.sh refuses an unknown option" fails bash install.sh --root "$tmp/other" --frobnicate
check "install.sh refuses a missing --binary" fails bash install.sh --root "$tmp/other" --binary "$tmp/nope"

finish
