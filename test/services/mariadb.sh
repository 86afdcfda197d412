#!/usr/bin/env bash
# A private MariaDB server for the --mode mysql tests: its own datadir, socket and port (on
# 127.0.0.1), binary log on, a test user with a password. Nothing outside the state directory
# is touched (besides installing the Debian packages once).
#
#   test/services/mariadb.sh start   # idempotent: reuses a healthy server of the same state dir
#   test/services/mariadb.sh stop    # shuts the server down (mariadb-admin shutdown, then kill)
#   test/services/mariadb.sh env     # KEY=VALUE lines: MARIADB_SOCKET, MARIADB_PORT, MARIADB_USER, ...
#   test/services/mariadb.sh status  # exit 0 when the server answers
#
# Exit status: 0 done, 3 this machine cannot run MariaDB (no package and no way to install it),
# 1 anything else.
# Environment: PERMAFROST_MARIADB_DIR (state directory, default /tmp/permafrost-mariadb; one
# server per directory).
set -euo pipefail

STATE=${PERMAFROST_MARIADB_DIR:-/tmp/permafrost-mariadb}
DATADIR=$STATE/data
SOCKET=$STATE/mysqld.sock
PIDFILE=$STATE/mysqld.pid
LOG=$STATE/error.log
HOST=127.0.0.1
TEST_USER=permafrost
TEST_PASSWORD=permafrost-test-pw
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

die() { echo "mariadb.sh: $*" >&2; exit 1; }
unavailable() { echo "mariadb.sh: $*" >&2; exit 3; }

install_packages() {
  local missing=() p
  for p in mariadb-server mariadb-client mariadb-backup; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || unavailable "cannot install ${missing[*]}: no apt-get on this machine"
  echo "mariadb.sh: installing ${missing[*]}" >&2
  # The package must not start the system-wide server: deny service starts during the install.
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    added_policy=1
  fi
  local rc=0
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2; } || rc=$?
  [ -z "$added_policy" ] || $SUDO rm -f "$policy"
  [ "$rc" -eq 0 ] || unavailable "apt-get install ${missing[*]} failed (exit $rc)"
}

pid_of_server() {
  local pid
  [ -f "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  # Only a server started on our own datadir is ours.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "--datadir=$DATADIR" || return 1
  echo "$pid"
}

# Root connects through the socket without a password (root@localhost, normal authentication).
sql() { mariadb --no-defaults --socket="$SOCKET" -u root --batch --skip-column-names -e "$1"; }

healthy() { pid_of_server >/dev/null && sql 'SELECT 1' >/dev/null 2>&1; }

free_port() {
  local port
  for port in $(seq 13306 13399); do
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$port" 2>/dev/null || { echo "$port"; return 0; }
  done
  die "no free port in 13306..13399"
}

start() {
  if healthy; then echo "mariadb.sh: reusing the server on $SOCKET (pid $(pid_of_server))" >&2; return 0; fi
  stop_server quiet
  install_packages
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || unavailable "mariadbd is missing after installing mariadb-server"
  local mariadbd; mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
  mkdir -p "$STATE"
  chmod 700 "$STATE"
  if [ ! -d "$DATADIR/mysql" ]; then
    rm -rf "$DATADIR"
    mariadb-install-db --no-defaults --datadir="$DATADIR" --user=root --auth-root-authentication-method=normal \
      --skip-test-db >"$STATE/install.log" 2>&1 || die "mariadb-install-db failed: $(tail -n 5 "$STATE/install.log")"
  fi
  local port; port=$(free_port)
  rm -f "$PIDFILE" "$SOCKET"
  # Detached (own session, no inherited stdio) so it outlives this script and its caller.
  setsid "$mariadbd" --no-defaults --user=root --datadir="$DATADIR" --socket="$SOCKET" --pid-file="$PIDFILE" \
    --port="$port" --bind-address="$HOST" --log-bin="$DATADIR/binlog" --server-id=1 --log-error="$LOG" \
    --innodb-buffer-pool-size=32M --innodb-log-file-size=16M --skip-name-resolve </dev/null >/dev/null 2>&1 &
  local i
  for i in $(seq 1 300); do
    if sql 'SELECT 1' >/dev/null 2>&1; then break; fi
    [ "$i" -lt 300 ] || die "mariadbd did not come up: $(tail -n 5 "$LOG" 2>/dev/null)"
    sleep 0.1
  done
  echo "$port" >"$STATE/port"
  sql "CREATE USER IF NOT EXISTS '$TEST_USER'@'localhost' IDENTIFIED BY '$TEST_PASSWORD';
       CREATE USER IF NOT EXISTS '$TEST_USER'@'127.0.0.1' IDENTIFIED BY '$TEST_PASSWORD';
       GRANT ALL ON *.* TO '$TEST_USER'@'localhost'; GRANT ALL ON *.* TO '$TEST_USER'@'127.0.0.1';
       CREATE DATABASE IF NOT EXISTS permafrost_test;" || die "could not create the test user"
  echo "mariadb.sh: started mariadbd on $SOCKET and $HOST:$port (pid $(pid_of_server), state $STATE)" >&2
}

stop_server() {
  local pid i
  pid=$(pid_of_server) || { rm -f "$PIDFILE"; [ "${1:-}" = quiet ] || echo "mariadb.sh: no server running from $STATE" >&2; return 0; }
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  [ "${1:-}" = quiet ] || echo "mariadb.sh: stopped mariadbd (pid $pid)" >&2
}

print_env() {
  [ -f "$STATE/port" ] || die "no server state in $STATE (run: $0 start)"
  cat <<EOF
MARIADB_HOST=$HOST
MARIADB_PORT=$(cat "$STATE/port")
MARIADB_SOCKET=$SOCKET
MARIADB_USER=$TEST_USER
MARIADB_PASSWORD=$TEST_PASSWORD
MARIADB_DATADIR=$DATADIR
MARIADB_STATE=$STATE
MARIADB_PID=$(pid_of_server || echo)
EOF
}

case "${1:-}" in
  start) start ;;
  stop) stop_server ;;
  env) print_env ;;
  status) healthy ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
