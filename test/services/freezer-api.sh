#!/usr/bin/env bash
# The real OpenStack freezer-api (Debian's freezer-api 13) on 127.0.0.1 for the scheduler's API
# client tests, run from a throw-away state directory under /tmp. Nothing outside the state
# directory is touched besides installing the Debian packages once.
#
#   test/services/freezer-api.sh start   [MODE]  idempotent: reuses a healthy server of that mode
#   test/services/freezer-api.sh stop    [MODE]  stops only what `start` of that mode started
#   test/services/freezer-api.sh restart [MODE]  stop, then start (same database, same port)
#   test/services/freezer-api.sh status  [MODE]  exit 0 when the API (and its helpers) answer
#   test/services/freezer-api.sh env     [MODE]  KEY=VALUE lines for `freezer` and our client
#   test/services/freezer-api.sh reset   [MODE]  stop, then delete the database
#
# MODE is any combination of:
#   (none)      sqlite database; instead of keystonemiddleware authtoken a "noauth" paste
#               filter (a STAND-IN for keystonemiddleware: it marks every request as
#               authenticated, validates nothing); and a stand-in Keystone v3 (stdlib
#               http.server, fake-keystone.py) because python-freezerclient insists on
#               getting a token and project id from Keystone before it talks to the API.
#   --mariadb   the database is Debian's MariaDB server, started by this script as a private
#               instance (mariadb-install-db + mariadbd, own datadir, socket and 127.0.0.1
#               port, run as an unprivileged user; no system service), as a real fleet has.
#   --keystone  tokens are validated by keystonemiddleware authtoken against the REAL Keystone
#               that `test/services/swift.sh start --keystone` runs (started here if it does
#               not answer; stopping it is swift.sh's business). A `freezer` service user and
#               a `backup` service with public/internal/admin endpoints pointing at this API
#               are registered in it. A request without a valid token gets 401.
#   --v1        serve the deprecated v1 API (enable_v1_api = True) instead of v2.
# Each mode has its own state directory and ports, so modes run side by side:
#   state $PERMAFROST_FREEZER_API_DIR[-mariadb][-keystone][-v1] (default /tmp/permafrost-freezer-api)
#   API port = $PERMAFROST_FREEZER_API_PORT (19090) + 100 (--mariadb) + 200 (--keystone) + 50 (--v1);
#   the stand-in Keystone listens on API port + 1, MariaDB on API port + 2.
#
# Exit status: 0 done, 3 this machine cannot run freezer-api (no package and no way to install
# it), 1 anything else.
# Start-up measured on the 2-core dev machine (packages installed): sqlite ~4 s the first time
# (db sync), ~2 s later; --mariadb ~6 s the first time (install-db, db sync), ~2 s later;
# --keystone ~4 s with Keystone up, ~20 s when swift.sh has to start Swift and Keystone first.
set -euo pipefail

MARIADB=""; KEYSTONE=""; V1=""
CMD=${1:-}; [ $# -gt 0 ] && shift
for arg in "$@"; do
  case "$arg" in
    --mariadb) MARIADB=1 ;;
    --keystone) KEYSTONE=1 ;;
    --v1) V1=1 ;;
    *) echo "freezer-api.sh: unknown option $arg (want --mariadb, --keystone, --v1)" >&2; exit 2 ;;
  esac
done

BASE_STATE=${PERMAFROST_FREEZER_API_DIR:-/tmp/permafrost-freezer-api}
BASE_PORT=${PERMAFROST_FREEZER_API_PORT:-19090}
STATE=$BASE_STATE${MARIADB:+-mariadb}${KEYSTONE:+-keystone}${V1:+-v1}
PORT=$BASE_PORT
[ -z "$MARIADB" ] || PORT=$((PORT + 100))
[ -z "$KEYSTONE" ] || PORT=$((PORT + 200))
[ -z "$V1" ] || PORT=$((PORT + 50))
FAKE_KS_PORT=$((PORT + 1))
DB_PORT=$((PORT + 2))
HOST=127.0.0.1
PY=/usr/bin/python3   # Debian's python: the OpenStack libraries are Debian packages, not in a pyenv
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF=$STATE/freezer-api.conf
RUN=$STATE/run
LOGS=$STATE/log
DB_DIR=$STATE/mariadb
DB_SOCK=$RUN/mariadb.sock
DB_PASSWORD=freezerdbpw
API_VERSION=2; V1_ENABLED=False; [ -z "$V1" ] || { API_VERSION=1; V1_ENABLED=True; }
AUTH_MODE=noauth; [ -z "$KEYSTONE" ] || AUTH_MODE=keystone

# Identity in the noauth modes: the stand-in Keystone's token names this project and user, and
# the noauth filter puts the same user id on every request.
FAKE_PROJECT_ID=permafrostproj
FAKE_USER=permafrost
FAKE_PASSWORD=permafrostpw
# Keystone mode: swift.sh's Keystone (users tester/testing in project test, admin/adminpw).
KS_URL=http://$HOST:${PERMAFROST_KEYSTONE_PORT:-15000}/v3
KS_ADMIN_PW=adminpw
FREEZER_SERVICE_PW=freezerpw

PACKAGES=(freezer-api python3-freezer-api python3-freezerclient python3-keystonemiddleware curl)
[ -n "$MARIADB" ] && PACKAGES+=(mariadb-server mariadb-client python3-pymysql)
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

log() { printf 'freezer-api.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
unavailable() { log "$*"; exit 3; }

case "$BASE_STATE" in /tmp/*) ;; *) die "PERMAFROST_FREEZER_API_DIR must be under /tmp (got $BASE_STATE)" ;; esac

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || unavailable "cannot install ${missing[*]}: no apt-get on this machine"
  log "installing ${missing[*]}"
  # The packages must not start their services (freezer-api's uwsgi on :9090, mariadb on :3306):
  # a policy-rc.d that denies service starts is in place for the install.
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
  [ "$rc" -eq 0 ] || unavailable "apt-get install ${missing[*]} failed (exit $rc)"
}

# ---------------------------------------------------------------- processes

pid_alive() {   # exists and is not a zombie
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
# kernel start time: tells a recycled PID from the process we started
start_time() { sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }
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

spawn() {   # spawn <name> <cmd...>: detached, output to $LOGS/<name>.log, PID recorded
  local name=$1; shift
  setsid "$@" </dev/null >>"$LOGS/$name.log" 2>&1 &
  local pid=$!
  echo "$pid $(start_time "$pid")" >"$RUN/$name.pid"
}

stop_names() {   # TERM the recorded processes, KILL what is left after 10 s; nothing else
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

wait_for() {   # wait_for <what> <watched name> <check command...>: fail fast when ours died
  local what=$1 name=$2; shift 2
  local deadline=$((SECONDS + ${PERMAFROST_FREEZER_API_START_TIMEOUT:-90}))
  while :; do
    "$@" && return 0
    recorded_pid "$name" >/dev/null || {
      log "$name died during start; last lines of $LOGS/$name.log:"
      tail -n 30 "$LOGS/$name.log" >&2 || true
      return 1
    }
    [ $SECONDS -lt "$deadline" ] || { log "timed out waiting for $what"; return 1; }
    sleep 0.2
  done
}

# ---------------------------------------------------------------- MariaDB

# mariadbd refuses to run as root without being told to; as root it runs as Debian's `mysql`
# system user instead, so the throw-away server never has root's rights.
db_user() { if [ "$(id -u)" -eq 0 ]; then echo mysql; else id -un; fi; }
db_ok() { mariadb --no-defaults -S "$DB_SOCK" -u freezer -p"$DB_PASSWORD" -e 'SELECT 1' freezer >/dev/null 2>&1; }

start_mariadb() {
  if recorded_pid mariadb >/dev/null && db_ok; then return 0; fi
  stop_names mariadb
  port_in_use "$DB_PORT" && die "port $DB_PORT on $HOST is in use by something else (PERMAFROST_FREEZER_API_PORT moves it)"
  local user; user=$(db_user)
  if [ ! -f "$DB_DIR/initialised" ]; then
    log "initialising MariaDB in $DB_DIR"
    rm -rf "$DB_DIR"; mkdir -p "$DB_DIR"
    [ "$(id -u)" -eq 0 ] && chown "$user" "$DB_DIR" "$RUN"
    mariadb-install-db --no-defaults --datadir="$DB_DIR/data" --user="$user" --skip-test-db \
      --auth-root-authentication-method=socket >>"$LOGS/mariadb-install.log" 2>&1 \
      || { tail -n 20 "$LOGS/mariadb-install.log" >&2; die "mariadb-install-db failed; log $LOGS/mariadb-install.log"; }
  fi
  [ "$(id -u)" -eq 0 ] && chown "$user" "$RUN"
  # small buffers: a test database on a shared 2-core machine
  spawn mariadb /usr/sbin/mariadbd --no-defaults --datadir="$DB_DIR/data" --user="$user" \
    --bind-address="$HOST" --port="$DB_PORT" --socket="$DB_SOCK" --pid-file="$RUN/mariadbd.pid" \
    --skip-name-resolve --innodb-buffer-pool-size=32M --innodb-log-file-size=16M \
    --log-error="$LOGS/mariadb-server.log"
  wait_for MariaDB mariadb eval '[ -S "$DB_SOCK" ] && mariadb --no-defaults -S "$DB_SOCK" -u root -e "SELECT 1" >/dev/null 2>&1' \
    || { stop_names mariadb; die "MariaDB did not start; log $LOGS/mariadb-server.log"; }
  if [ ! -f "$DB_DIR/initialised" ]; then
    # root logs in through the socket as the OS user that owns the datadir (unix_socket auth)
    local root_user=root; [ "$(id -u)" -eq 0 ] || root_user=$(id -un)
    mariadb --no-defaults -S "$DB_SOCK" -u "$root_user" <<EOF || die "creating the freezer database failed"
CREATE DATABASE IF NOT EXISTS freezer CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS 'freezer'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS 'freezer'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON freezer.* TO 'freezer'@'127.0.0.1';
GRANT ALL PRIVILEGES ON freezer.* TO 'freezer'@'localhost';
EOF
    touch "$DB_DIR/initialised"
  fi
  log "MariaDB ready on $HOST:$DB_PORT (socket $DB_SOCK)"
}

db_connection() {
  if [ -n "$MARIADB" ]; then
    echo "mysql+pymysql://freezer:$DB_PASSWORD@$HOST:$DB_PORT/freezer?charset=utf8mb4"
  else
    echo "sqlite:///$STATE/freezer.db"
  fi
}

# ---------------------------------------------------------------- Keystone

ks_ok() { [ "$(http_code "$KS_URL")" = 200 ]; }

ensure_keystone() {
  ks_ok && return 0
  log "no Keystone on $KS_URL: starting it with swift.sh start --keystone"
  "$SCRIPT_DIR/swift.sh" start --keystone >&2 || die "swift.sh start --keystone failed"
  ks_ok || die "Keystone does not answer on $KS_URL"
}

# The freezer service user (authtoken validates tokens with it) and the `backup` service with
# its endpoints, so a client finds the API from the catalog; idempotent.
provision_keystone() {
  "$PY" - "$KS_URL" "$KS_ADMIN_PW" "$FREEZER_SERVICE_PW" "http://$HOST:$PORT" <<'EOF'
import sys
from keystoneauth1.identity import v3
from keystoneauth1 import session
from keystoneclient.v3 import client
url, admin_pw, service_pw, api_url = sys.argv[1:5]
ks = client.Client(session=session.Session(auth=v3.Password(
    auth_url=url, username='admin', password=admin_pw, project_name='admin',
    user_domain_id='default', project_domain_id='default')))
def find(mgr, name, **kw):
    found = [x for x in mgr.list(**kw) if x.name == name]
    return found[0] if found else None
service = find(ks.projects, 'service') or ks.projects.create('service', 'default')
user = find(ks.users, 'freezer') or ks.users.create('freezer', domain='default', password=service_pw,
                                                    default_project=service)
for r in ('admin', 'service'):
    role = find(ks.roles, r) or ks.roles.create(r)
    ks.roles.grant(role, user=user, project=service)
svc = find(ks.services, 'freezer') or ks.services.create('freezer', type='backup', description='freezer-api (tests)')
have = {e.interface: e for e in ks.endpoints.list(service=svc) if e.region == 'RegionOne'}
for iface in ('public', 'internal', 'admin'):
    if iface not in have:
        ks.endpoints.create(svc, api_url, interface=iface, region='RegionOne')
    elif have[iface].url != api_url:
        ks.endpoints.update(have[iface], url=api_url)
EOF
}

ks_auth() {   # tester's token request in swift.sh's project `test`; -D FILE keeps the headers
  curl -s -m 5 "$@" -H 'Content-Type: application/json' -d '{"auth": {"identity": {"methods": ["password"],
      "password": {"user": {"name": "tester", "domain": {"id": "default"}, "password": "testing"}}},
      "scope": {"project": {"name": "test", "domain": {"id": "default"}}}}}' "$KS_URL/auth/tokens"
}
ks_project_id() { ks_auth | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"]["project"]["id"])'; }
ks_token() { ks_auth -o /dev/null -D - | tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}'; }

# ---------------------------------------------------------------- freezer-api

write_files() {
  mkdir -p "$STATE/lib"
  # A STAND-IN for keystonemiddleware authtoken, for tests only: every request counts as
  # authenticated (what authtoken says of a valid token) and carries the identity headers
  # authtoken would set, unless the caller sent its own.
  cat >"$STATE/lib/permafrost_noauth.py" <<'EOF'
"""noauth: test stand-in for keystonemiddleware authtoken. Validates nothing."""


def filter_factory(global_conf, **local_conf):
    user_id = local_conf.get('user_id', 'noauth')
    roles = local_conf.get('roles', 'admin')

    def noauth(app):
        def call(environ, start_response):
            environ['HTTP_X_IDENTITY_STATUS'] = 'Confirmed'
            environ.setdefault('HTTP_X_USER_ID', user_id)
            environ.setdefault('HTTP_X_USER_NAME', user_id)
            environ.setdefault('HTTP_X_ROLES', roles)
            return app(environ, start_response)
        return call
    return noauth
EOF

  # A STAND-IN for Keystone v3, for tests only: version discovery and POST /v3/auth/tokens for
  # one user (password) or any token (token method), answering with a token scoped to one
  # project and a catalog holding only the `backup` service.
  cat >"$STATE/lib/fake-keystone.py" <<'EOF'
"""Stand-in Keystone v3 (tests only): issues tokens for one user and project."""
import datetime
import json
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

host, port, backup_url, project_id, user, password = sys.argv[1:7]
port = int(port)
base = 'http://%s:%d' % (host, port)
version = {'id': 'v3.14', 'status': 'stable', 'updated': '2020-04-07T00:00:00Z',
           'links': [{'rel': 'self', 'href': base + '/v3/'}],
           'media-types': [{'base': 'application/json',
                            'type': 'application/vnd.openstack.identity-v3+json'}]}


def token_body():
    now = datetime.datetime.now(datetime.timezone.utc)
    fmt = '%Y-%m-%dT%H:%M:%S.000000Z'
    domain = {'id': 'default', 'name': 'Default'}
    endpoints = [{'id': 'backup-' + i, 'interface': i, 'region': 'RegionOne', 'region_id': 'RegionOne',
                  'url': backup_url} for i in ('public', 'internal', 'admin')]
    return {'token': {
        'methods': ['password'], 'issued_at': now.strftime(fmt),
        'expires_at': (now + datetime.timedelta(hours=12)).strftime(fmt),
        'user': {'id': user, 'name': user, 'domain': domain},
        'project': {'id': project_id, 'name': project_id, 'domain': domain},
        'roles': [{'id': 'admin', 'name': 'admin'}],
        'catalog': [{'type': 'backup', 'name': 'freezer', 'id': 'freezer', 'endpoints': endpoints}]}}


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split('?')[0].rstrip('/')
        if path == '':
            self.reply(300, {'versions': {'values': [version]}})
        elif path == '/v3':
            self.reply(200, {'version': version})
        else:
            self.reply(404, {'error': {'code': 404, 'message': 'not found'}})

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        try:
            identity = json.loads(self.rfile.read(length) or b'{}')['auth']['identity']
        except (ValueError, KeyError):
            return self.reply(400, {'error': {'code': 400, 'message': 'bad auth request'}})
        if self.path.split('?')[0].rstrip('/') != '/v3/auth/tokens':
            return self.reply(404, {'error': {'code': 404, 'message': 'not found'}})
        if 'password' in identity.get('methods', []):
            u = identity.get('password', {}).get('user', {})
            if u.get('name', u.get('id')) != user or u.get('password') != password:
                return self.reply(401, {'error': {'code': 401, 'message': 'The request you have made requires authentication.'}})
        self.reply(201, token_body(), [('X-Subject-Token', uuid.uuid4().hex)])

    def log_message(self, fmt, *args):
        sys.stderr.write('%s %s\n' % (self.address_string(), fmt % args))


ThreadingHTTPServer((host, port), Handler).serve_forever()
EOF

  local auth_filter auth_conf=""
  if [ -n "$KEYSTONE" ]; then
    auth_filter="[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory"
    auth_conf="[keystone_authtoken]
www_authenticate_uri = $KS_URL
auth_url = $KS_URL
auth_type = password
username = freezer
password = $FREEZER_SERVICE_PW
project_name = service
user_domain_id = default
project_domain_id = default
service_token_roles_required = false
# no cache of validated tokens: a revoked token is refused at once (the client's renewal test)
token_cache_time = -1"
  else
    auth_filter="[filter:authtoken]
# noauth stand-in for keystonemiddleware (see permafrost_noauth.py)
paste.filter_factory = permafrost_noauth:filter_factory
user_id = $FAKE_USER
roles = admin"
  fi
  # The package's pipeline (/etc/freezer/freezer-paste.ini) minus the healthcheck filter, whose
  # disable-by-file path is under /etc.
  cat >"$STATE/freezer-paste.ini" <<EOF
[app:api_versions]
paste.app_factory = freezer_api.api.versions:api_versions

[app:appv1]
paste.app_factory = freezer_api.service:freezer_appv1_factory

[app:appv2]
paste.app_factory = freezer_api.service:freezer_appv2_factory

$auth_filter

[filter:context]
paste.filter_factory = freezer_api.api.common.middleware:ContextMiddleware.factory

[filter:versionsNegotiator]
paste.filter_factory = freezer_api.api.versions:VersionNegotiator.factory

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory

[pipeline:main]
pipeline = http_proxy_to_wsgi versionsNegotiator authtoken context backupapp

[composite:backupapp]
paste.composite_factory = freezer_api.service:root_app_factory
/: api_versions
/v1: appv1
/v2: appv2
EOF
  cat >"$CONF" <<EOF
[DEFAULT]
bind_host = $HOST
bind_port = $PORT
enable_v1_api = $V1_ENABLED
log_file = $LOGS/freezer-api-app.log

[storage]
backend = sqlalchemy
driver = sqlalchemy

[database]
connection = $(db_connection)

[paste_deploy]
config_file = $STATE/freezer-paste.ini

[oslo_policy]
policy_file = $STATE/policy.yaml

$auth_conf
EOF
  # every freezer-api policy defaults to "" (any authenticated caller)
  echo '{}' >"$STATE/policy.yaml"
}

api_path() { if [ -n "$V1" ]; then echo /v1/; else echo /v2/; fi; }
# With authtoken in the pipeline even the version document needs a token: a 401 without one
# and a 200 with tester's token shows both that the API answers and that it checks tokens.
api_ok() {
  if [ -z "$KEYSTONE" ]; then
    [ "$(http_code -H 'Accept: application/json' "http://$HOST:$PORT$(api_path)")" = 200 ]
    return
  fi
  [ "$(http_code -H 'Accept: application/json' "http://$HOST:$PORT$(api_path)")" = 401 ] || return 1
  local token
  token=$(ks_token) && [ -n "$token" ] || return 1
  [ "$(http_code -H 'Accept: application/json' -H "X-Auth-Token: $token" "http://$HOST:$PORT$(api_path)")" = 200 ]
}
fake_ks_ok() { [ "$(http_code "http://$HOST:$FAKE_KS_PORT/v3")" = 200 ]; }

start_api() {
  if recorded_pid freezer-api >/dev/null && api_ok; then return 0; fi
  stop_names freezer-api
  port_in_use "$PORT" && die "port $PORT on $HOST is in use by something else (PERMAFROST_FREEZER_API_PORT moves it)"
  if [ ! -f "$STATE/db-synced" ]; then
    PYTHONPATH=$STATE/lib "$PY" /usr/bin/freezer-manage --config-file "$CONF" db sync >>"$LOGS/freezer-manage.log" 2>&1 \
      || { tail -n 20 "$LOGS/freezer-manage.log" >&2; die "freezer-manage db sync failed; log $LOGS/freezer-manage.log"; }
    touch "$STATE/db-synced"
  fi
  PYTHONPATH=$STATE/lib spawn freezer-api "$PY" /usr/bin/freezer-api --config-file "$CONF"
  wait_for freezer-api freezer-api api_ok || { stop_names freezer-api; die "freezer-api did not start; log $LOGS/freezer-api.log"; }
}

start_fake_keystone() {
  if recorded_pid fake-keystone >/dev/null && fake_ks_ok; then return 0; fi
  stop_names fake-keystone
  port_in_use "$FAKE_KS_PORT" && die "port $FAKE_KS_PORT on $HOST is in use by something else"
  spawn fake-keystone "$PY" "$STATE/lib/fake-keystone.py" "$HOST" "$FAKE_KS_PORT" "http://$HOST:$PORT" \
    "$FAKE_PROJECT_ID" "$FAKE_USER" "$FAKE_PASSWORD"
  wait_for "the stand-in Keystone" fake-keystone fake_ks_ok || { stop_names fake-keystone; die "the stand-in Keystone did not start"; }
}

cmd_start() {
  local t0=$SECONDS
  [ -x /usr/bin/freezer-api ] || [ -n "$(command -v apt-get)" ] || unavailable "freezer-api is not installed and there is no apt-get"
  install_packages
  mkdir -p "$RUN" "$LOGS"
  [ -n "$MARIADB" ] && start_mariadb
  if [ -n "$KEYSTONE" ]; then
    ensure_keystone
    provision_keystone >>"$LOGS/keystone-provision.log" 2>&1 \
      || { tail -n 20 "$LOGS/keystone-provision.log" >&2; die "registering freezer in Keystone failed"; }
  fi
  write_files
  start_api
  [ -n "$KEYSTONE" ] || start_fake_keystone
  log "freezer-api v$API_VERSION ready on http://$HOST:$PORT in $((SECONDS - t0)) s (state $STATE)"
}

cmd_stop() { stop_names fake-keystone freezer-api mariadb; }

cmd_status() {
  recorded_pid freezer-api >/dev/null && api_ok || return 1
  if [ -n "$KEYSTONE" ]; then ks_ok || return 1; else fake_ks_ok || return 1; fi
  if [ -n "$MARIADB" ]; then db_ok || return 1; fi
  return 0
}

print_env() {
  local project_id=$FAKE_PROJECT_ID
  if [ -n "$KEYSTONE" ]; then
    project_id=$(ks_project_id) || die "cannot read project test's id from $KS_URL (is Keystone up?)"
    cat <<EOF
OS_AUTH_URL=$KS_URL
OS_USERNAME=tester
OS_PASSWORD=testing
OS_PROJECT_NAME=test
EOF
  else
    cat <<EOF
OS_AUTH_URL=http://$HOST:$FAKE_KS_PORT/v3
OS_USERNAME=$FAKE_USER
OS_PASSWORD=$FAKE_PASSWORD
OS_PROJECT_NAME=$FAKE_PROJECT_ID
EOF
  fi
  cat <<EOF
OS_PROJECT_ID=$project_id
OS_USER_DOMAIN_NAME=Default
OS_PROJECT_DOMAIN_NAME=Default
OS_REGION_NAME=RegionOne
OS_ENDPOINT_TYPE=public
OS_BACKUP_URL=http://$HOST:$PORT
OS_BACKUP_API_VERSION=$API_VERSION
FREEZER_API_PORT=$PORT
FREEZER_API_STATE=$STATE
FREEZER_API_AUTH=$AUTH_MODE
FREEZER_API_DB=$(db_connection)
EOF
  [ -z "$MARIADB" ] || echo "FREEZER_API_DB_SOCKET=$DB_SOCK"
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) stop_names fake-keystone freezer-api; cmd_start ;;
  status) cmd_status ;;
  env) print_env ;;
  reset)
    cmd_stop
    rm -rf "$STATE/freezer.db" "$STATE/db-synced" "$DB_DIR"
    log "removed the database of $STATE" ;;
  *) echo "usage: $0 start|stop|restart|status|env|reset [--mariadb] [--keystone] [--v1]" >&2; exit 2 ;;
esac
