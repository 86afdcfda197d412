#!/usr/bin/env bash
# A throw-away single-node OpenStack Swift ("Swift All In One") on 127.0.0.1 for the swift and
# s3 storage tests, built from Debian 12's swift 2.30 packages; with --keystone also a real
# Keystone v3 (python3-keystone, sqlite, fernet) and a second Swift proxy that authenticates
# through it. Nothing outside the state directory is touched (besides installing the Debian
# packages once). The setup follows Swift's "SAIO" guide
# (https://docs.openstack.org/swift/latest/development_saio.html) and Keystone's install guide.
#
#   test/services/swift.sh start [--keystone]   idempotent: reuses healthy servers
#   test/services/swift.sh stop [--keystone]    stops what `start` started (--keystone: only
#                                               Keystone and its proxy)
#   test/services/swift.sh env [--keystone]     KEY=VALUE lines (see print_env)
#   test/services/swift.sh status [--keystone]  exit 0 when everything asked for answers
#   test/services/swift.sh proxy start|stop PORT
#                                               an extra TempAuth proxy on PORT (same backends,
#                                               same accounts) for fault tests: stop it in the
#                                               middle of an upload, start it again; PORT = the
#                                               main proxy port acts on the main proxy
#
# What runs (one process each, workers = 0):
#   memcached :11311   TempAuth tokens, authtoken's token cache, Swift's cache
#   object :16010, container :16011, account :16012
#   proxy :18080       catch_errors ... s3api tempauth ... slo dlo ...: TempAuth v1.0
#                      (test:tester / testing -> AUTH_test) and S3 (access key test:tester,
#                      secret testing, region us-east-1, path-style)
#   --keystone: keystone :15000 (/v3; users tester/testing in project test, tester2/testing2
#                      in test2, admin/adminpw) and ksproxy :18081 (authtoken + keystoneauth;
#                      accounts AUTH_<project id>; the catalog's object-store endpoint)
# When servers not started from this state directory already answer on these ports (another
# SAIO on this machine), `start` reuses them and `stop` leaves them alone.
#
# Environment (knobs): PERMAFROST_SWIFT_DIR (state, default /tmp/permafrost-swift),
# PERMAFROST_SWIFT_DATA (object data; needs user xattrs, default $DIR/data),
# PERMAFROST_SWIFT_PORT (18080), PERMAFROST_SWIFT_KS_PROXY_PORT (proxy port + 1),
# PERMAFROST_SWIFT_BACKEND_BASE (16010), PERMAFROST_SWIFT_MEMCACHED_PORT (11311),
# PERMAFROST_KEYSTONE_PORT (15000), PERMAFROST_SWIFT_LOG_LEVEL (INFO).
#
# Start-up measured on the 2-core dev machine (packages installed): Swift ~5 s; Keystone
# first run (db_sync, keys, bootstrap, provisioning) ~13 s, later ~5 s.
set -euo pipefail

STATE=${PERMAFROST_SWIFT_DIR:-/tmp/permafrost-swift}
DATA_DIR=${PERMAFROST_SWIFT_DATA:-$STATE/data}
PROXY_PORT=${PERMAFROST_SWIFT_PORT:-18080}
KS_PROXY_PORT=${PERMAFROST_SWIFT_KS_PROXY_PORT:-$((PROXY_PORT + 1))}
BACKEND_BASE=${PERMAFROST_SWIFT_BACKEND_BASE:-16010}
MC_PORT=${PERMAFROST_SWIFT_MEMCACHED_PORT:-11311}
KS_PORT=${PERMAFROST_KEYSTONE_PORT:-15000}
LOG_LEVEL=${PERMAFROST_SWIFT_LOG_LEVEL:-INFO}
OBJ_PORT=$((BACKEND_BASE + 0))
CONT_PORT=$((BACKEND_BASE + 1))
ACCT_PORT=$((BACKEND_BASE + 2))
ETC=$STATE/etc
RUN=$STATE/run
LOGS=$STATE/log
KS_DIR=$STATE/keystone
KS_CONF=$ETC/keystone.conf
PY=/usr/bin/python3     # Debian's python: swift/keystone live there, not in a pyenv python3
DEVICE=sdb1
HOST=127.0.0.1
AUTH_URL=http://$HOST:$PROXY_PORT/auth/v1.0
KS_URL=http://$HOST:$KS_PORT/v3
KS_ADMIN_PW=adminpw
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

SWIFT_PACKAGES=(swift swift-proxy swift-account swift-container swift-object python3-swift
                python3-swiftclient memcached curl)
KS_PACKAGES=(python3-keystone python3-keystoneclient python3-keystoneauth1
             python3-keystonemiddleware)

log() { printf 'swift.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "cannot install ${missing[*]}: no apt-get on this machine"
  log "installing ${missing[*]}"
  # The packages must not start their own services (swift-*, memcached on 11211, keystone):
  # a policy-rc.d that denies service starts is put in place for the install.
  local policy=/usr/sbin/policy-rc.d added_policy="" rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    added_policy=1
  fi
  { $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 \
    && DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
         --no-install-recommends "${missing[@]}" >&2; } || rc=$?
  [ -z "$added_policy" ] || $SUDO rm -f "$policy"
  [ "$rc" -eq 0 ] || die "apt-get install ${missing[*]} failed (exit $rc)"
}

# alive = exists and is not a zombie
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
# kernel start time (field 22 of /proc/PID/stat): tells a recycled PID from ours
start_time() { sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }
# the PID recorded for <name> if that very process still runs
recorded_pid() {
  local f=$RUN/$1.pid pid st
  [ -f "$f" ] || return 1
  read -r pid st <"$f" || true
  pid_alive "$pid" || return 1
  [ "$(start_time "$pid")" = "$st" ] || return 1
  echo "$pid"
}
port_in_use() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
http_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$@" 2>/dev/null || true; }

spawn() {   # spawn <name> <cmd...>: detached, stdio to $LOGS/<name>.log, PID recorded
  local name=$1; shift
  setsid "$@" </dev/null >>"$LOGS/$name.log" 2>&1 &
  local pid=$!
  echo "$pid $(start_time "$pid")" >"$RUN/$name.pid"
}

stop_names() {   # TERM the recorded processes at once, KILL after 10 s; nothing else
  local name pid i alive pids=() stopped=()
  for name in "$@"; do
    [ -f "$RUN/$name.pid" ] || continue
    if pid=$(recorded_pid "$name"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); stopped+=("$name:$pid")
    fi
    rm -f "$RUN/$name.pid"
  done
  for i in $(seq 1 100); do
    alive=0
    for pid in "${pids[@]}"; do pid_alive "$pid" && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true; done
  ((${#stopped[@]})) && log "stopped ${stopped[*]}"
  return 0
}

# ---------------------------------------------------------------- configuration

write_swift_configs() {
  mkdir -p "$ETC" "$RUN" "$LOGS" "$DATA_DIR/$DEVICE" "$STATE/bin"
  local user; user=$(id -un)
  # Swift hard-codes /etc/swift/swift.conf; bin/swift-server.py points it here instead.
  cat >"$ETC/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = saio-test-suffix
swift_hash_path_prefix = saio-test-prefix

[storage-policy:0]
name = Policy-0
default = yes
EOF
  # identical to /usr/bin/swift-*-server, but with swift.conf from $ETC
  cat >"$STATE/bin/swift-server.py" <<'EOF'
import sys
import swift.common.utils as utils
utils.SWIFT_CONF_FILE = sys.argv.pop(1)  # before storage_policy/constraints load
kind = sys.argv.pop(1)                  # proxy|account|container|object
from swift.common.utils import parse_options
from swift.common.wsgi import run_wsgi
conf_file, options = parse_options()
kw = {}
if kind == 'object':
    from swift.obj import server
    kw['global_conf_callback'] = server.global_conf_callback
sys.exit(run_wsgi(conf_file, kind + '-server', **dict(options, **kw)))
EOF
  local common="devices = $DATA_DIR
mount_check = false
bind_ip = $HOST
workers = 0
user = $user
swift_dir = $ETC
log_level = $LOG_LEVEL
# Swift always adds a syslog handler: aim it at the discard port; the log is $LOGS/<server>.log
log_udp_host = $HOST
log_udp_port = 9"
  local kind port
  for kind in object container account; do
    case $kind in object) port=$OBJ_PORT ;; container) port=$CONT_PORT ;; account) port=$ACCT_PORT ;; esac
    cat >"$ETC/$kind-server.conf" <<EOF
[DEFAULT]
$common
bind_port = $port
log_name = $kind-server

[pipeline:main]
pipeline = healthcheck $kind-server

[app:$kind-server]
use = egg:swift#$kind

[filter:healthcheck]
use = egg:swift#healthcheck
EOF
  done
  write_proxy_conf "$ETC/proxy-server.conf" "$PROXY_PORT" tempauth
}

# write_proxy_conf FILE PORT tempauth|keystone
write_proxy_conf() {
  local file=$1 port=$2 auth=$3 user pipeline authconf
  user=$(id -un)
  if [ "$auth" = tempauth ]; then
    # s3api must precede tempauth; slo must follow s3api or S3 multipart is disabled
    pipeline="catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server"
    authconf="[filter:tempauth]
use = egg:swift#tempauth
# user_<account>_<user> = <key> [groups]  ->  X-Auth-User <account>:<user>
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin
user_test_tester3 = testing3
user_test2_tester2 = testing2 .admin
token_life = 86400

[filter:s3api]
use = egg:swift#s3api
location = us-east-1"
  else
    pipeline="catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl authtoken keystoneauth copy slo dlo versioned_writes symlink proxy-logging proxy-server"
    authconf="[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = $KS_URL
auth_url = $KS_URL
auth_type = password
username = swift
password = swiftpass
project_name = service
user_domain_id = default
project_domain_id = default
delay_auth_decision = true
memcached_servers = $HOST:$MC_PORT
service_token_roles_required = false

[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member, SwiftOperator
reseller_admin_role = ResellerAdmin"
  fi
  cat >"$file" <<EOF
[DEFAULT]
bind_ip = $HOST
bind_port = $port
workers = 0
user = $user
swift_dir = $ETC
log_level = $LOG_LEVEL
log_name = proxy-$port
log_udp_host = $HOST
log_udp_port = 9

[pipeline:main]
pipeline = $pipeline

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
# With one device, Swift's default error limiting turns one failed PUT into a minute of 503s.
error_suppression_interval = 0

$authconf

[filter:cache]
use = egg:swift#memcache
memcache_servers = $HOST:$MC_PORT

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:tempurl]
use = egg:swift#tempurl

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true

[filter:symlink]
use = egg:swift#symlink
EOF
}

build_rings() {
  local stamp="parts=10 replicas=1 obj=$OBJ_PORT cont=$CONT_PORT acct=$ACCT_PORT dev=$DEVICE"
  if [ -f "$ETC/rings.stamp" ] && [ "$(cat "$ETC/rings.stamp")" = "$stamp" ] \
     && [ -f "$ETC/object.ring.gz" ] && [ -f "$ETC/container.ring.gz" ] && [ -f "$ETC/account.ring.gz" ]; then
    return 0
  fi
  rm -f "$ETC"/*.builder "$ETC"/*.ring.gz
  # what swift-ring-builder create/add/rebalance does, in one process (~1.5 s instead of ~7 s)
  "$PY" - "$ETC" "$HOST" "$DEVICE" "object:$OBJ_PORT" "container:$CONT_PORT" "account:$ACCT_PORT" <<'EOF'
import sys
from swift.common.ring import RingBuilder
etc, ip, dev = sys.argv[1:4]
for spec in sys.argv[4:]:
    name, port = spec.split(':')
    b = RingBuilder(10, 1, 1)           # part power 10, 1 replica, min_part_hours 1
    b.add_dev({'region': 1, 'zone': 1, 'ip': ip, 'port': int(port),
               'replication_ip': ip, 'replication_port': int(port),
               'device': dev, 'weight': 100, 'meta': ''})
    b.rebalance()
    b.save('%s/%s.builder' % (etc, name))
    b.get_ring().save('%s/%s.ring.gz' % (etc, name))
EOF
  echo "$stamp" >"$ETC/rings.stamp"
}

check_xattr() {
  "$PY" - "$DATA_DIR" <<'EOF' || die "$DATA_DIR has no user xattr support (Swift keeps object metadata in xattrs); set PERMAFROST_SWIFT_DATA to a directory on ext4/xfs/tmpfs"
import os, sys, tempfile
fd, p = tempfile.mkstemp(dir=sys.argv[1])
try:
    os.setxattr(p, 'user.swift.metadata', b'x' * 254)
    assert os.getxattr(p, 'user.swift.metadata') == b'x' * 254
finally:
    os.close(fd); os.unlink(p)
EOF
}

# ---------------------------------------------------------------- health

tempauth_ok() {   # tempauth_ok PORT: a TempAuth token for test:tester and HEAD of AUTH_test
  local port=$1 tok
  tok=$(curl -s -m 5 -D - -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' \
          "http://$HOST:$port/auth/v1.0" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-auth-token"{print $2}')
  [ -n "$tok" ] || return 1
  case "$(http_code -I -H "X-Auth-Token: $tok" "http://$HOST:$port/v1/AUTH_test")" in
    200|204) return 0 ;;
  esac
  return 1
}

backends_ok() {
  [ "$(http_code "http://$HOST:$OBJ_PORT/healthcheck")" = 200 ] \
    && [ "$(http_code "http://$HOST:$CONT_PORT/healthcheck")" = 200 ] \
    && [ "$(http_code "http://$HOST:$ACCT_PORT/healthcheck")" = 200 ]
}

swift_ok() { backends_ok && [ "$(http_code "http://$HOST:$PROXY_PORT/healthcheck")" = 200 ] && tempauth_ok "$PROXY_PORT"; }

ks_token() {   # prints "<token> <project id>" for tester in project test
  local body
  body=$(curl -s -m 5 -D "$RUN/token.hdr" -H 'Content-Type: application/json' -d '{"auth":
      {"identity": {"methods": ["password"], "password": {"user": {"name": "tester",
        "domain": {"id": "default"}, "password": "testing"}}},
       "scope": {"project": {"name": "test", "domain": {"id": "default"}}}}}' "$KS_URL/auth/tokens") || return 1
  printf '%s %s\n' "$(tr -d '\r' <"$RUN/token.hdr" | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}')" \
    "$(printf '%s' "$body" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"]["project"]["id"])' 2>/dev/null)"
}

ksproxy_ok() {
  local tok acct
  [ "$(http_code "http://$HOST:$KS_PROXY_PORT/healthcheck")" = 200 ] || return 1
  read -r tok acct < <(ks_token) || return 1
  [ -n "${tok:-}" ] && [ -n "${acct:-}" ] || return 1
  case "$(http_code -I -H "X-Auth-Token: $tok" "http://$HOST:$KS_PROXY_PORT/v1/AUTH_$acct")" in
    200|204) return 0 ;;
  esac
  return 1
}

wait_for() {   # wait_for <what> <check command...>: poll every 0.2 s, fail fast when one of ours died
  local what=$1; shift
  local deadline=$((SECONDS + ${PERMAFROST_SWIFT_START_TIMEOUT:-90})) name
  while :; do
    "$@" && return 0
    for name in $WATCH; do
      recorded_pid "$name" >/dev/null || {
        log "$name died during start; last lines of $LOGS/$name.log:"
        tail -n 30 "$LOGS/$name.log" >&2 || true
        return 1
      }
    done
    [ $SECONDS -lt "$deadline" ] || { log "timed out waiting for $what"; return 1; }
    sleep 0.2
  done
}

# ---------------------------------------------------------------- start / stop

start_swift() {
  if recorded_pid proxy >/dev/null && swift_ok; then
    log "reusing Swift on http://$HOST:$PROXY_PORT (proxy pid $(recorded_pid proxy), state $STATE)"
    return 0
  fi
  if ! recorded_pid proxy >/dev/null && port_in_use "$PROXY_PORT" && swift_ok; then
    log "reusing the Swift already answering on http://$HOST:$PROXY_PORT (not started from $STATE: stop leaves it alone)"
    return 0
  fi
  local t0=$SECONDS
  install_packages "${SWIFT_PACKAGES[@]}"
  stop_names proxy account container object memcached   # leftovers of a half-dead run
  write_swift_configs
  check_xattr
  build_rings
  local p
  for p in "$PROXY_PORT" "$OBJ_PORT" "$CONT_PORT" "$ACCT_PORT" "$MC_PORT"; do
    port_in_use "$p" && die "port $p on $HOST is in use by something else (see the PERMAFROST_SWIFT_* knobs)"
  done
  local srv=$STATE/bin/swift-server.py
  # -U 0: no UDP; -u: required when started as root
  spawn memcached memcached -l "$HOST" -p "$MC_PORT" -U 0 -m 64 -c 1024 -u "$(id -un)"
  spawn object "$PY" "$srv" "$ETC/swift.conf" object "$ETC/object-server.conf" -v
  spawn container "$PY" "$srv" "$ETC/swift.conf" container "$ETC/container-server.conf" -v
  spawn account "$PY" "$srv" "$ETC/swift.conf" account "$ETC/account-server.conf" -v
  spawn proxy "$PY" "$srv" "$ETC/swift.conf" proxy "$ETC/proxy-server.conf" -v
  WATCH="memcached object container account proxy"
  if ! wait_for Swift swift_ok; then
    stop_names proxy account container object memcached
    die "Swift did not start; logs in $LOGS"
  fi
  log "Swift ready on http://$HOST:$PROXY_PORT in $((SECONDS - t0)) s (state $STATE)"
}

write_keystone_config() {
  mkdir -p "$ETC" "$RUN" "$LOGS" "$KS_DIR" "$STATE/bin"
  cat >"$KS_CONF" <<EOF
[DEFAULT]
use_stderr = true

[database]
connection = sqlite:///$KS_DIR/keystone.db

[token]
provider = fernet
expiration = 86400

[fernet_tokens]
key_repository = $KS_DIR/fernet-keys

[fernet_receipts]
key_repository = $KS_DIR/fernet-keys

[credential]
key_repository = $KS_DIR/credential-keys

[identity]
# bcrypt with the minimum cost: a password check takes ~1 ms instead of ~0.2 s
password_hash_rounds = 4
EOF
  # wsgiref server around keystone-wsgi-public's application, bound to 127.0.0.1 only
  cat >"$STATE/bin/keystone-serve.py" <<'EOF'
import sys
import wsgiref.simple_server as wss
host, port = sys.argv[1], int(sys.argv[2])
del sys.argv[1:]        # keystone's oslo.config parses sys.argv: leave it nothing
from keystone.server.wsgi import initialize_public_application
app = initialize_public_application()   # config from OS_KEYSTONE_CONFIG_FILES
class Server(wss.WSGIServer):
    request_queue_size = 128
srv = wss.make_server(host, port, app, server_class=Server)
print('keystone listening on http://%s:%d/v3' % (host, port), flush=True)
srv.serve_forever()
EOF
}

init_keystone() {
  log "initialising Keystone in $KS_DIR (db_sync, fernet/credential keys, bootstrap)"
  rm -rf "$KS_DIR/keystone.db" "$KS_DIR/keystone.db-wal" "$KS_DIR/keystone.db-shm" \
    "$KS_DIR/fernet-keys" "$KS_DIR/credential-keys" "$KS_DIR/initialised"
  local km=(keystone-manage --config-file "$KS_CONF") u g p1 p2 p3
  u=$(id -un); g=$(id -gn)
  "${km[@]}" db_sync >>"$LOGS/keystone-manage.log" 2>&1 & p1=$!
  "${km[@]}" fernet_setup --keystone-user "$u" --keystone-group "$g" >>"$LOGS/keystone-manage.log" 2>&1 & p2=$!
  "${km[@]}" credential_setup --keystone-user "$u" --keystone-group "$g" >>"$LOGS/keystone-manage.log" 2>&1 & p3=$!
  wait $p1 || die "keystone-manage db_sync failed; see $LOGS/keystone-manage.log"
  wait $p2 || die "keystone-manage fernet_setup failed; see $LOGS/keystone-manage.log"
  wait $p3 || die "keystone-manage credential_setup failed; see $LOGS/keystone-manage.log"
  # WAL: without it role grants fail with "database is locked" (HTTP 500)
  "$PY" -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL')" "$KS_DIR/keystone.db"
  "${km[@]}" bootstrap --bootstrap-password "$KS_ADMIN_PW" --bootstrap-username admin \
    --bootstrap-project-name admin --bootstrap-role-name admin --bootstrap-service-name keystone \
    --bootstrap-region-id RegionOne --bootstrap-admin-url "$KS_URL" --bootstrap-public-url "$KS_URL" \
    --bootstrap-internal-url "$KS_URL" >>"$LOGS/keystone-manage.log" 2>&1 \
    || die "keystone-manage bootstrap failed; see $LOGS/keystone-manage.log"
  echo "$KS_PORT" >"$KS_DIR/initialised"
}

provision_keystone() {   # idempotent: projects, users, roles, object-store service + endpoints
  "$PY" - "$KS_URL" "$KS_ADMIN_PW" "http://$HOST:$KS_PROXY_PORT/v1/AUTH_%(project_id)s" <<'EOF'
import sys
from keystoneauth1.identity import v3
from keystoneauth1 import session
from keystoneclient.v3 import client
url, admin_pw, swift_url = sys.argv[1:4]
ks = client.Client(session=session.Session(auth=v3.Password(
    auth_url=url, username='admin', password=admin_pw, project_name='admin',
    user_domain_id='default', project_domain_id='default')))
def find(mgr, name, **kw):
    found = [x for x in mgr.list(**kw) if x.name == name]
    return found[0] if found else None
def project(name):
    return find(ks.projects, name) or ks.projects.create(name, 'default')
def role(name):
    return find(ks.roles, name) or ks.roles.create(name)
def user(name, pw, proj, *roles):
    u = find(ks.users, name) or ks.users.create(name, domain='default', password=pw, default_project=proj)
    for r in roles:
        ks.roles.grant(role(r), user=u, project=proj)
service, test, test2 = project('service'), project('test'), project('test2')
user('swift', 'swiftpass', service, 'admin', 'service')
user('tester', 'testing', test, 'member')
user('tester2', 'testing2', test2, 'member')
user('tester3', 'testing3', test, 'reader')
role('ResellerAdmin')
svc = find(ks.services, 'swift') or ks.services.create('swift', type='object-store', description='test Swift')
have = {e.interface: e for e in ks.endpoints.list(service=svc)}
for iface in ('public', 'internal', 'admin'):
    if iface not in have:
        ks.endpoints.create(svc, swift_url, interface=iface, region='RegionOne')
    elif have[iface].url != swift_url:
        ks.endpoints.update(have[iface], url=swift_url)
EOF
}

start_keystone() {
  local t0=$SECONDS
  if [ "$(http_code "$KS_URL")" = 200 ]; then
    recorded_pid keystone >/dev/null \
      || log "reusing the Keystone already answering on $KS_URL (not started from $STATE: stop leaves it alone)"
  else
    install_packages "${KS_PACKAGES[@]}"
    stop_names keystone
    write_keystone_config
    if [ ! -f "$KS_DIR/initialised" ] || [ "$(cat "$KS_DIR/initialised")" != "$KS_PORT" ]; then init_keystone; fi
    port_in_use "$KS_PORT" && die "port $KS_PORT on $HOST is in use by something else (PERMAFROST_KEYSTONE_PORT)"
    OS_KEYSTONE_CONFIG_FILES=$KS_CONF spawn keystone "$PY" "$STATE/bin/keystone-serve.py" "$HOST" "$KS_PORT"
    WATCH=keystone
    wait_for Keystone eval '[ "$(http_code "$KS_URL")" = 200 ]' || { stop_names keystone; die "Keystone did not start; log $LOGS/keystone.log"; }
  fi
  if ! provision_keystone >>"$LOGS/keystone-provision.log" 2>&1; then
    tail -n 20 "$LOGS/keystone-provision.log" >&2
    die "Keystone provisioning failed; log $LOGS/keystone-provision.log"
  fi
  log "Keystone ready on $KS_URL in $((SECONDS - t0)) s"
}

start_ksproxy() {
  if ksproxy_ok; then return 0; fi
  stop_names ksproxy
  port_in_use "$KS_PROXY_PORT" && die "port $KS_PROXY_PORT on $HOST is in use by something else (PERMAFROST_SWIFT_KS_PROXY_PORT)"
  mkdir -p "$ETC" "$RUN" "$LOGS" "$STATE/bin"
  [ -f "$STATE/bin/swift-server.py" ] || write_swift_configs
  write_proxy_conf "$ETC/proxy-keystone.conf" "$KS_PROXY_PORT" keystone
  spawn ksproxy "$PY" "$STATE/bin/swift-server.py" "$ETC/swift.conf" proxy "$ETC/proxy-keystone.conf" -v
  WATCH=ksproxy
  wait_for "the Keystone Swift proxy" ksproxy_ok || { stop_names ksproxy; die "the Keystone Swift proxy did not start; log $LOGS/ksproxy.log"; }
  log "Keystone-authenticated Swift proxy ready on http://$HOST:$KS_PROXY_PORT"
}

cmd_start() {
  local t0=$SECONDS
  start_swift
  if [ "${1:-}" = --keystone ]; then
    start_keystone
    start_ksproxy
  fi
  log "all up in $((SECONDS - t0)) s"
}

cmd_stop() {
  if [ "${1:-}" = --keystone ]; then stop_names ksproxy keystone; return 0; fi
  local extra=() f
  for f in "$RUN"/proxy-[0-9]*.pid; do [ -e "$f" ] && extra+=("$(basename "$f" .pid)"); done
  stop_names "${extra[@]}" ksproxy keystone proxy account container object memcached
}

cmd_status() {
  swift_ok || return 1
  if [ "${1:-}" = --keystone ]; then ksproxy_ok || return 1; fi
  return 0
}

# proxy start|stop PORT
cmd_proxy() {
  local action=${1:-} port=${2:-} name
  [[ "$port" =~ ^[0-9]+$ ]] || die "usage: $0 proxy start|stop PORT"
  if [ "$port" = "$PROXY_PORT" ]; then name=proxy; else name=proxy-$port; fi
  case "$action" in
    stop) stop_names "$name" ;;
    start)
      if recorded_pid "$name" >/dev/null && tempauth_ok "$port"; then return 0; fi
      stop_names "$name"
      [ -f "$ETC/swift.conf" ] || die "no Swift configured in $STATE (run: $0 start)"
      port_in_use "$port" && die "port $port on $HOST is in use"
      [ "$name" = proxy ] || write_proxy_conf "$ETC/$name.conf" "$port" tempauth
      local conf=$ETC/$name.conf; [ "$name" = proxy ] && conf=$ETC/proxy-server.conf
      spawn "$name" "$PY" "$STATE/bin/swift-server.py" "$ETC/swift.conf" proxy "$conf" -v
      WATCH=$name
      wait_for "proxy on $port" eval '[ "$(http_code "http://$HOST:$port/healthcheck")" = 200 ]' \
        || { stop_names "$name"; die "proxy on port $port did not start; log $LOGS/$name.log"; }
      ;;
    *) die "usage: $0 proxy start|stop PORT" ;;
  esac
}

print_env() {
  cat <<EOF
SWIFT_AUTH_URL=$AUTH_URL
SWIFT_USER=test:tester
SWIFT_KEY=testing
SWIFT_STORAGE_URL=http://$HOST:$PROXY_PORT/v1/AUTH_test
SWIFT_PROXY_PORT=$PROXY_PORT
SWIFT_STATE=$STATE
ST_AUTH=$AUTH_URL
ST_USER=test:tester
ST_KEY=testing
S3_ENDPOINT=http://$HOST:$PROXY_PORT
S3_REGION=us-east-1
S3_ACCESS_KEY=test:tester
S3_SECRET_KEY=testing
AWS_ACCESS_KEY_ID=test:tester
AWS_SECRET_ACCESS_KEY=testing
AWS_DEFAULT_REGION=us-east-1
EOF
  if [ "${1:-}" = --keystone ]; then
    cat <<EOF
KEYSTONE_AUTH_URL=$KS_URL
SWIFT_KS_PROXY_PORT=$KS_PROXY_PORT
OS_AUTH_URL=$KS_URL
OS_AUTH_TYPE=password
OS_IDENTITY_API_VERSION=3
OS_AUTH_VERSION=3
OS_USERNAME=tester
OS_PASSWORD=testing
OS_PROJECT_NAME=test
OS_USER_DOMAIN_NAME=Default
OS_PROJECT_DOMAIN_NAME=Default
OS_REGION_NAME=RegionOne
OS_INTERFACE=public
EOF
  fi
}

WATCH=""
mkdir -p "$RUN" "$LOGS"
case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  env) shift; print_env "$@" ;;
  status) shift; cmd_status "$@" ;;
  proxy) shift; cmd_proxy "$@" ;;
  *) echo "usage: $0 start [--keystone] | stop [--keystone] | env [--keystone] | status [--keystone] | proxy start|stop PORT" >&2; exit 2 ;;
esac
