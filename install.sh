#!/usr/bin/env bash
# install.sh — install or upgrade Admit as a systemd service on Debian/Ubuntu.
#
#   sudo ./install.sh                    build from this checkout and install
#   sudo ./install.sh --binary ./admit   install a binary built elsewhere
#   ./install.sh --root DIR [...]        stage every file under DIR (no users, no systemctl)
#
# Running it again upgrades in place: the binary and the unit are replaced,
# /etc/admit/config.toml and /var/lib/admit are left as they are, and the
# database is first backed up with the old binary.
set -euo pipefail

readonly SERVICE=admit
readonly SVC_USER=admit
readonly BIN_PATH=/usr/local/bin/admit
readonly CONF_DIR=/etc/admit
readonly CONF_FILE=/etc/admit/config.toml
readonly DATA_DIR=/var/lib/admit
readonly UNIT_PATH=/etc/systemd/system/admit.service

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
	cat <<EOF
Usage: install.sh [options]

Installs Admit as the systemd service "admit", or upgrades it in place.

Options:
  --binary PATH   install this prebuilt admit binary instead of building one
                  (building needs Go and gcc, since SQLite is compiled with cgo)
  --root DIR      stage everything under DIR (DIR${BIN_PATH}, DIR${CONF_DIR},
                  DIR${DATA_DIR}, DIR${UNIT_PATH}); creates no user and calls
                  no systemctl. The files inside still name the real paths.
  --no-start      install and enable, but do not start or restart the service
  --no-backup     on upgrade, do not back up the database with the old binary
  -h, --help      show this help

What it does (each step is skipped when already done):
  - builds with: CGO_ENABLED=1 go build -trimpath -o admit .   (unless --binary)
  - creates the system user "${SVC_USER}" and ${DATA_DIR} (0750, owned by ${SVC_USER})
  - copies config.example.toml to ${CONF_FILE} only if that file does not exist,
    with data.dir = "${DATA_DIR}"; an existing config is never touched
  - on upgrade: runs "admit backup ${DATA_DIR}/backup-pre-upgrade-<time>.db"
    with the old binary, then replaces ${BIN_PATH}
  - writes ${UNIT_PATH} (hardened; customise it with "systemctl edit admit",
    not by editing the file, which each run rewrites)
  - systemctl daemon-reload, then enable --now (first install) or restart (upgrade)

The first start prints the admin password once: read it with
  journalctl -u admit
EOF
}

say() { printf '==> %s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }
die() {
	printf 'install.sh: error: %s\n' "$*" >&2
	exit 1
}

ROOT=""
BINARY=""
START=1
BACKUP=1
while [ $# -gt 0 ]; do
	case "$1" in
	--binary)
		[ $# -ge 2 ] || die "--binary needs a path"
		BINARY="$2"
		shift 2
		;;
	--binary=*)
		BINARY="${1#*=}"
		shift
		;;
	--root)
		[ $# -ge 2 ] || die "--root needs a directory"
		ROOT="$2"
		shift 2
		;;
	--root=*)
		ROOT="${1#*=}"
		shift
		;;
	--no-start)
		START=0
		shift
		;;
	--no-backup)
		BACKUP=0
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown option: $1 (see --help)" ;;
	esac
done

STAGED=0
if [ -n "$ROOT" ]; then
	mkdir -p "$ROOT" || die "cannot create $ROOT"
	ROOT="$(cd "$ROOT" && pwd)"
	[ "$ROOT" != / ] || die "--root / is the real system: run install.sh without --root"
	STAGED=1
fi

# Paths as written on this machine (under --root) and as seen at run time.
R_BIN="$ROOT$BIN_PATH"
R_CONF_DIR="$ROOT$CONF_DIR"
R_CONF="$ROOT$CONF_FILE"
R_DATA="$ROOT$DATA_DIR"
R_UNIT="$ROOT$UNIT_PATH"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/admit-install.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- checks

if [ "$STAGED" = 0 ]; then
	[ "$(id -u)" = 0 ] || die "run as root (sudo $0), or use --root DIR to stage the files"
	command -v systemctl >/dev/null 2>&1 || die "systemctl not found: this installer needs systemd (or use --root DIR)"
	command -v useradd >/dev/null 2>&1 || die "useradd not found: apt-get install passwd"
	if [ -r /etc/os-release ]; then
		# shellcheck disable=SC1091
		os_id="$(. /etc/os-release && printf '%s %s' "${ID:-}" "${ID_LIKE:-}")"
		case " $os_id " in
		*" debian "* | *" ubuntu "*) ;;
		*) warn "this installer is made for Debian/Ubuntu; found: $os_id" ;;
		esac
	fi
fi

# version_ge A B: true when version A >= version B (1.26.8 style).
version_ge() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

find_go() {
	if command -v go >/dev/null 2>&1; then
		command -v go
	elif [ -x /usr/local/go/bin/go ]; then
		# sudo resets PATH; Go's own tarball installs here.
		echo /usr/local/go/bin/go
	else
		return 1
	fi
}

build_binary() {
	{ [ -f "$SRC_DIR/go.mod" ] && [ -f "$SRC_DIR/main.go" ]; } ||
		die "no Go checkout at $SRC_DIR (go.mod, main.go): run install.sh from the Admit source tree, or pass --binary PATH"

	local want go_bin have cc vcs ver=""
	want="$(awk '$1 == "go" { print $2; exit }' "$SRC_DIR/go.mod")"
	[ -n "$want" ] || want=0
	if ! go_bin="$(find_go)"; then
		local arch
		arch="$(dpkg --print-architecture 2>/dev/null || uname -m)"
		case "$arch" in
		x86_64) arch=amd64 ;;
		aarch64) arch=arm64 ;;
		armhf | armv7l) arch=armv6l ;;
		i386 | i686) arch=386 ;;
		esac
		die "Go is not installed. Admit needs Go >= $want, newer than Debian's apt package \"golang\".
  Install it from https://go.dev/dl/ , for example:
    curl -fsSLO https://go.dev/dl/go${want}.linux-${arch}.tar.gz
    rm -rf /usr/local/go && tar -C /usr/local -xzf go${want}.linux-${arch}.tar.gz
    export PATH=/usr/local/go/bin:\$PATH
  then run install.sh again (or build elsewhere and use --binary PATH)."
	fi
	have="$("$go_bin" env GOVERSION 2>/dev/null || true)"
	have="${have#go}"
	have="${have%%[!0-9.]*}"
	if [ -z "$have" ] || ! version_ge "$have" "$want"; then
		die "$go_bin is Go ${have:-unknown}; Admit needs Go >= $want (go.mod). Debian's apt \"golang\" is too old:
  install Go $want or newer from https://go.dev/dl/ into /usr/local/go and run install.sh again."
	fi
	cc="${CC:-gcc}"
	if ! command -v "$cc" >/dev/null 2>&1; then
		die "the C compiler \"$cc\" is missing; Admit's SQLite driver is built with cgo. Install it with:
    apt-get install -y gcc libc6-dev
  then run install.sh again."
	fi

	# Go stamps VCS info from git; as root in a checkout owned by someone else
	# git refuses ("dubious ownership") and the build would fail.
	vcs=-buildvcs=auto
	if ! git -C "$SRC_DIR" rev-parse --git-dir >/dev/null 2>&1 || ! git -C "$SRC_DIR" status --porcelain >/dev/null 2>&1; then
		vcs=-buildvcs=false
	fi

	local ldflags=""
	if [ "$vcs" = -buildvcs=auto ] && ver="$(git -C "$SRC_DIR" describe --tags --always --dirty 2>/dev/null)"; then
		ldflags="-X main.version=$ver"
	fi

	say "building admit${ver:+ $ver} with $("$go_bin" version) (the first build compiles SQLite: about a minute)"
	(cd "$SRC_DIR" && CGO_ENABLED=1 "$go_bin" build -trimpath "$vcs" -ldflags="$ldflags" -o "$WORK/admit" .) ||
		die "go build failed (see above)"
	BINARY="$WORK/admit"
}

if [ -n "$BINARY" ]; then
	[ -f "$BINARY" ] || die "--binary $BINARY: no such file"
	cp "$BINARY" "$WORK/admit"
	chmod 0755 "$WORK/admit"
	BINARY="$WORK/admit"
else
	build_binary
fi

new_version="$(cd "$WORK" && "$BINARY" version 2>&1)" || die "the new binary does not run (\"admit version\" failed): $new_version"
say "new binary: $new_version"

UPGRADE=0
[ -e "$R_BIN" ] && UPGRADE=1

# ---------------------------------------------------------------- user and directories

if [ "$STAGED" = 0 ]; then
	if getent passwd "$SVC_USER" >/dev/null; then
		say "system user $SVC_USER exists"
	else
		say "creating system user $SVC_USER"
		nologin=/usr/sbin/nologin
		[ -x "$nologin" ] || nologin=/bin/false
		group_opt=(--user-group)
		if getent group "$SVC_USER" >/dev/null; then group_opt=(--gid "$SVC_USER"); fi
		useradd --system "${group_opt[@]}" --home-dir "$DATA_DIR" --no-create-home \
			--shell "$nologin" --comment "Admit webinar ticketing" "$SVC_USER"
	fi
	OWN_DATA=(-o "$SVC_USER" -g "$SVC_USER")
	OWN_CONF=(-o root -g "$SVC_USER")
else
	OWN_DATA=()
	OWN_CONF=()
fi

mkdir -p "$ROOT/usr/local/bin" "$ROOT/etc/systemd/system"
# The data directory: created, or its own owner and mode restated; its
# contents are never touched.
install -d -m 0750 "${OWN_DATA[@]}" "$R_DATA"
install -d -m 0750 "${OWN_CONF[@]}" "$R_CONF_DIR"

# ---------------------------------------------------------------- config

# set_data_dir FILE DIR: writes FILE with data.dir = DIR (to stdout).
set_data_dir() {
	awk -v dir="$2" '
		function emit() { printf "dir = \"%s\"\n", dir; done = 1 }
		/^[[:space:]]*\[/ {
			if (sec == "data" && !done) emit()
			s = $0
			sub(/^[[:space:]]*\[[[:space:]]*/, "", s)
			sub(/[[:space:]]*\].*$/, "", s)
			sec = s
			print
			next
		}
		sec == "data" && /^[[:space:]]*#?[[:space:]]*dir[[:space:]]*=/ {
			if (!done) emit()
			next
		}
		sec == "" && /^[[:space:]]*#?[[:space:]]*data\.dir[[:space:]]*=/ {
			if (!done) printf "data.dir = \"%s\"\n", dir
			done = 1
			next
		}
		{ print }
		END {
			if (!done) {
				if (sec != "data") printf "\n[data]\n"
				emit()
			}
		}
	' "$1"
}

if [ -e "$R_CONF" ]; then
	say "keeping existing $R_CONF"
else
	if [ -f "$SRC_DIR/config.example.toml" ]; then
		set_data_dir "$SRC_DIR/config.example.toml" "$DATA_DIR" >"$WORK/config.toml"
	else
		warn "no config.example.toml beside install.sh: writing a minimal config"
		printf '# Admit configuration: see config.example.toml in the source tree.\n\n[data]\ndir = "%s"\n' \
			"$DATA_DIR" >"$WORK/config.toml"
	fi
	grep -q "^dir = \"$DATA_DIR\"\$\|^data\.dir = \"$DATA_DIR\"\$" "$WORK/config.toml" ||
		die "could not set data.dir in the new config"
	install -m 0640 "${OWN_CONF[@]}" "$WORK/config.toml" "$R_CONF"
	say "wrote $R_CONF (data.dir = \"$DATA_DIR\"): set http.public_url, smtp and payments there"
fi
if [ -f "$SRC_DIR/config.example.toml" ]; then
	# The current example, for new keys after an upgrade; not read by Admit.
	install -m 0644 "$SRC_DIR/config.example.toml" "$R_CONF_DIR/config.example.toml"
fi

# ---------------------------------------------------------------- backup and binary

# has_database: true when the data directory holds a database file.
has_database() {
	local f
	for f in "$R_DATA"/*.db "$R_DATA"/*.sqlite "$R_DATA"/*.sqlite3; do
		[ -e "$f" ] || continue
		case "${f##*/}" in backup-*) continue ;; esac
		return 0
	done
	return 1
}

if [ "$UPGRADE" = 1 ] && [ "$BACKUP" = 1 ]; then
	stamp="$(date -u +%Y%m%dT%H%M%SZ)"
	backup="$DATA_DIR/backup-pre-upgrade-$stamp.db"
	say "backing up the database with the old binary to $ROOT$backup"
	if [ "$STAGED" = 0 ]; then
		# As the service user, so that every file it creates stays the service's.
		backup_cmd=(runuser -u "$SVC_USER" -- "$BIN_PATH" --config "$CONF_FILE" backup "$backup")
	else
		# The staged config names the real data dir; the environment wins over it.
		backup_cmd=(env "ADMIT_DATA__DIR=$R_DATA" "$R_BIN" --config "$R_CONF" backup "$ROOT$backup")
	fi
	if out="$(cd "$R_DATA" && "${backup_cmd[@]}" 2>&1)"; then
		[ -z "$out" ] || printf '%s\n' "$out"
		say "backup written: $ROOT$backup"
	elif has_database; then
		printf '%s\n' "$out" >&2
		die "the backup with the old binary failed, so the upgrade stopped (nothing changed).
  Fix the cause, or run again with --no-backup to upgrade without a backup."
	else
		warn "no database in $R_DATA yet, nothing to back up (admit backup said: ${out:-nothing})"
	fi
fi

install -m 0755 "$BINARY" "$R_BIN.new"
mv -f "$R_BIN.new" "$R_BIN"
if [ "$UPGRADE" = 1 ]; then
	say "replaced $R_BIN"
else
	say "installed $R_BIN"
fi

# ---------------------------------------------------------------- systemd unit

cat >"$WORK/admit.service" <<EOF
# Written by Admit's install.sh, and rewritten by each run of it.
# To change a setting, use "systemctl edit admit" (a drop-in survives upgrades).
[Unit]
Description=Admit webinar ticketing
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$SVC_USER
Group=$SVC_USER
WorkingDirectory=$DATA_DIR
ExecStart=$BIN_PATH --config $CONF_FILE
Restart=on-failure
RestartSec=5s
KillSignal=SIGTERM
TimeoutStopSec=30s
UMask=0027
LimitNOFILE=65536

# Hardening: Admit writes only to its data directory. Its one capability
# lets it bind 80 and 443 itself when http.domain is set (automatic HTTPS);
# behind a reverse proxy it binds an unprivileged port and needs none.
NoNewPrivileges=yes
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
AmbientCapabilities=CAP_NET_BIND_SERVICE
ProtectSystem=strict
ProtectHome=yes
ReadWritePaths=$DATA_DIR
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
EOF
install -m 0644 "$WORK/admit.service" "$R_UNIT.new"
mv -f "$R_UNIT.new" "$R_UNIT"
say "wrote $R_UNIT"

# ---------------------------------------------------------------- start

if [ "$STAGED" = 1 ]; then
	say "staged under $ROOT: no user created, systemctl not called"
	exit 0
fi

systemctl daemon-reload
if [ "$START" = 0 ]; then
	systemctl enable "$SERVICE"
	say "enabled $SERVICE; start it with: systemctl start $SERVICE"
	exit 0
fi
if [ "$UPGRADE" = 1 ]; then
	systemctl enable "$SERVICE"
	systemctl restart "$SERVICE"
	say "restarted $SERVICE"
else
	systemctl enable --now "$SERVICE"
	say "started $SERVICE"
fi

sleep 2
if ! systemctl is-active --quiet "$SERVICE"; then
	journalctl -u "$SERVICE" -n 30 --no-pager >&2 || true
	die "$SERVICE did not stay up: see \"journalctl -u $SERVICE\" and $CONF_FILE"
fi

cat <<EOF

Admit is running (systemctl status $SERVICE).
  config:  $CONF_FILE   (then: systemctl restart $SERVICE)
  data:    $DATA_DIR
  logs:    journalctl -u $SERVICE
EOF
if [ "$UPGRADE" = 0 ]; then
	cat <<EOF

The first start printed the admin login (admin@localhost) and its password
once, unless admin.email/admin.password are set in the config. Read it with:
  journalctl -u $SERVICE
EOF
fi
