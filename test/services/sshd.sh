#!/usr/bin/env bash
# A private OpenSSH server for the ssh storage tests: key auth only, its own throw-away host
# key and client key pair, listening on 127.0.0.1 only. Nothing outside the state directory is
# touched (besides installing the Debian packages once and creating /run/sshd, which sshd needs).
#
#   test/services/sshd.sh start   # idempotent: reuses a healthy server started from the same state dir
#   test/services/sshd.sh stop    # kills the server it started and every session it forked
#   test/services/sshd.sh env     # KEY=VALUE lines: SSHD_HOST, SSHD_PORT, SSHD_USER, SSHD_KEY, ...
#   test/services/sshd.sh status  # exit 0 when the server is up
#
# Exit status: 0 done, 3 this machine cannot run sshd (no package and no way to install it),
# 1 anything else.
# Environment: PERMAFROST_SSHD_DIR (state directory, default /tmp/permafrost-sshd; one server
# per directory), PERMAFROST_SSHD_PORT (port to use; default: the first free one from 2222).
set -euo pipefail

STATE=${PERMAFROST_SSHD_DIR:-/tmp/permafrost-sshd}
SSHD=/usr/sbin/sshd
CONFIG=$STATE/sshd_config
PIDFILE=$STATE/sshd.pid
LOG=$STATE/sshd.log
HOST=127.0.0.1
USER_NAME=$(id -un)
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

die() { echo "sshd.sh: $*" >&2; exit 1; }
# Exit status 3: this machine cannot run sshd at all (the tests skip, saying why).
unavailable() { echo "sshd.sh: $*" >&2; exit 3; }

install_packages() {
  local missing=() p
  for p in openssh-server openssh-client; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || unavailable "cannot install ${missing[*]}: no apt-get on this machine"
  echo "sshd.sh: installing ${missing[*]}" >&2
  # The package must not start a system-wide sshd on port 22: a policy-rc.d that denies
  # service starts is put in place for the install (unless the machine already has one).
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
  # Only a process started with our own config file is ours.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-f $CONFIG" || return 1
  echo "$pid"
}

# The server answers with an SSH banner.
answers() {
  local port=$1 banner
  banner=$(timeout 3 bash -c "exec 3<>/dev/tcp/$HOST/$port && head -c 7 <&3" 2>/dev/null) || return 1
  [ "$banner" = "SSH-2.0" ]
}

port_in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

healthy() {
  pid_of_server >/dev/null && [ -f "$STATE/port" ] && answers "$(cat "$STATE/port")"
}

make_keys() {
  mkdir -p "$STATE" "$STATE/scratch"
  chmod 700 "$STATE"
  [ -f "$STATE/host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C permafrost-test-host -f "$STATE/host_ed25519_key"
  [ -f "$STATE/client_key" ] || ssh-keygen -q -t ed25519 -N '' -C permafrost-test-client -f "$STATE/client_key"
  cp "$STATE/client_key.pub" "$STATE/authorized_keys"
  chmod 600 "$STATE/authorized_keys"
}

write_config() {
  local port=$1 use_pam=no
  # A locked account ("!" in shadow) cannot log in with UsePAM no, even with a key.
  if [ -r /etc/shadow ] && grep -q "^$USER_NAME:!" /etc/shadow; then use_pam=yes; fi
  cat >"$CONFIG" <<EOF
# Written by test/services/sshd.sh; throw-away test server.
Port $port
ListenAddress $HOST
HostKey $STATE/host_ed25519_key
PidFile $PIDFILE
AuthorizedKeysFile $STATE/authorized_keys
StrictModes no
UsePAM $use_pam
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
MaxStartups 64:30:128
MaxSessions 32
LogLevel INFO
Subsystem sftp internal-sftp
EOF
  # Clients check the host key against this file ([host]:port form for a port other than 22).
  echo "[$HOST]:$port $(cut -d' ' -f1,2 "$STATE/host_ed25519_key.pub")" >"$STATE/known_hosts"
}

start() {
  if healthy; then echo "sshd.sh: reusing the server on $HOST:$(cat "$STATE/port") (pid $(pid_of_server))" >&2; return 0; fi
  stop_server quiet
  install_packages
  [ -x "$SSHD" ] || unavailable "$SSHD is missing after installing openssh-server"
  [ -d /run/sshd ] || $SUDO mkdir -p -m 0755 /run/sshd
  make_keys
  local candidates=()
  if [ -n "${PERMAFROST_SSHD_PORT:-}" ]; then candidates=("$PERMAFROST_SSHD_PORT")
  elif [ -f "$STATE/port" ]; then candidates=("$(cat "$STATE/port")" $(seq 2222 2299))
  else candidates=($(seq 2222 2299)); fi
  local port pid i
  for port in "${candidates[@]}"; do
    port_in_use "$port" && continue
    write_config "$port"
    "$SSHD" -t -f "$CONFIG" 2>"$LOG" || die "sshd rejects its config: $(cat "$LOG")"
    rm -f "$PIDFILE"
    # Detached (own session, no inherited stdio) so it outlives this script and its caller.
    setsid "$SSHD" -D -f "$CONFIG" -E "$LOG" </dev/null >/dev/null 2>&1 &
    pid=$!
    for i in $(seq 1 100); do
      if answers "$port"; then
        echo "$port" >"$STATE/port"
        [ -f "$PIDFILE" ] || echo "$pid" >"$PIDFILE"
        echo "sshd.sh: started sshd on $HOST:$port (pid $(cat "$PIDFILE"), state $STATE)" >&2
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    [ -n "${PERMAFROST_SSHD_PORT:-}" ] && die "sshd did not come up on port $port: $(tail -n 5 "$LOG")"
  done
  die "sshd did not come up on any port tried: $(tail -n 5 "$LOG" 2>/dev/null)"
}

# Every process below $1 (sshd forks one monitor per connection, which forks the session).
descendants() {
  local parent=$1 stat pid ppid
  for stat in /proc/[0-9]*/stat; do
    pid=${stat#/proc/}; pid=${pid%/stat}
    ppid=$(sed -E 's/^.*\) [A-Za-z] ([0-9]+) .*$/\1/' "$stat" 2>/dev/null) || continue
    if [ "$ppid" = "$parent" ]; then echo "$pid"; descendants "$pid"; fi
  done
}

stop_server() {
  local pid kids i
  pid=$(pid_of_server) || { rm -f "$PIDFILE"; [ "${1:-}" = quiet ] || echo "sshd.sh: no server running from $STATE" >&2; return 0; }
  kids=$(descendants "$pid" | tr '\n' ' ')
  kill "$pid" 2>/dev/null || true
  # A stopped server drops the connections it has, as a machine going down would.
  [ -z "$kids" ] || kill $kids 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" $kids 2>/dev/null || true
  rm -f "$PIDFILE"
  [ "${1:-}" = quiet ] || echo "sshd.sh: stopped sshd (pid $pid)" >&2
}

print_env() {
  [ -f "$STATE/port" ] || die "no server state in $STATE (run: $0 start)"
  cat <<EOF
SSHD_HOST=$HOST
SSHD_PORT=$(cat "$STATE/port")
SSHD_USER=$USER_NAME
SSHD_KEY=$STATE/client_key
SSHD_KNOWN_HOSTS=$STATE/known_hosts
SSHD_HOST_KEY_PUB=$STATE/host_ed25519_key.pub
SSHD_SCRATCH=$STATE/scratch
SSHD_STATE=$STATE
SSHD_PID=$(pid_of_server || echo)
EOF
}

case "${1:-}" in
  start) start ;;
  stop) stop_server ;;
  env) print_env ;;
  status) healthy ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
