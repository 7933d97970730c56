#!/usr/bin/env bash
# Starts django-helpdesk (PyPI, pinned in requirements.txt; SQLite) on 127.0.0.1:8280 with the
# riskpane app, for the end-to-end tests: a virtualenv in the state directory (reinstalled only
# when requirements.txt changes), the project copied next to it, the built widget (target/dist/npm,
# from `cargo xtask dist`) as static files, the four-eye checker (the native `riskpane` binary,
# built with cargo or taken from RISKPANE_BIN, with the care pack and this CRM's profile) in
# RISKPANE_DIR (default: in the state directory); then a fresh database on every start (migrated
# once and copied), seeded with users, group, queue, custom fields and three tickets whose dates
# are relative to now, runserver started in its own process group with a pid file, and a wait
# until the helpdesk answers. RISKPANE_CLOCK_SHIFT_DAYS=N runs the seed and the server under
# faketime N days ahead (the guard run against time bombs). Stop with helpdesk-down.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
PORT=${HELPDESK_PORT:-8280}
STATE=${HELPDESK_STATE:-/tmp/riskpane-helpdesk}
BASE="http://127.0.0.1:$PORT"
RISKPANE_DIR=${RISKPANE_DIR:-$STATE/riskpane}
mkdir -p "$STATE"
export RISKPANE_HELPDESK_STATE="$STATE" RISKPANE_DIR PYTHONDONTWRITEBYTECODE=1

SHIFT_DAYS=${RISKPANE_CLOCK_SHIFT_DAYS:-0}
case "$SHIFT_DAYS" in ''|*[!0-9]*) echo "helpdesk-up: RISKPANE_CLOCK_SHIFT_DAYS must be a whole number of days" >&2; exit 1 ;; esac
CLOCK=()
if [ "$SHIFT_DAYS" != 0 ]; then
  command -v faketime > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 faketime
  CLOCK=(faketime -f "+${SHIFT_DAYS}d")
fi
command -v curl > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 curl

# A Python 3.10+ that can make a virtualenv (django-helpdesk 2.6 needs 3.10): python3 on PATH, or
# Debian 12's with python3-venv (its python3 lacks ensurepip without it).
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2> /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends python3-venv
  PYTHON=/usr/bin/python3
fi
VENV="$STATE/venv"
WANTED=$(sha256sum "$HERE/requirements.txt" | cut -c1-16)
if [ "$(cat "$VENV/.riskpane-requirements" 2> /dev/null)" != "$WANTED" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  echo "$WANTED" > "$VENV/.riskpane-requirements"
fi

"$HERE/helpdesk-down.sh" || true

# The project, the widget package, the checker.
rm -rf "$STATE/project" && cp -r "$HERE/project" "$STATE/project"
test -f "$REPO/target/dist/npm/riskpane.js" || { echo "helpdesk-up: build the widget first (cargo xtask dist)" >&2; exit 1; }
mkdir -p "$STATE/static" && rm -rf "$STATE/static/riskpane" && cp -r "$REPO/target/dist/npm" "$STATE/static/riskpane"
if [ -z "${RISKPANE_BIN:-}" ]; then
  (cd "$REPO" && cargo build --quiet --bin riskpane)
  RISKPANE_BIN="$REPO/target/debug/riskpane"
fi
mkdir -p "$RISKPANE_DIR"
install -m 755 "$RISKPANE_BIN" "$RISKPANE_DIR/riskpane"
install -m 644 "$REPO/pkg-config/rules/care.toml" "$RISKPANE_DIR/care.toml"
install -m 644 "$REPO/pkg-config/crm/django-helpdesk.toml" "$RISKPANE_DIR/django-helpdesk.toml"
[ -s "$STATE/secret_key" ] || "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$STATE/secret_key"

# A fresh database on every start: migrated once per installed version, then copied.
MANAGE=("$VENV/bin/python" "$STATE/project/manage.py")
if [ "$(cat "$STATE/migrated.sqlite3.stamp" 2> /dev/null)" != "$WANTED" ]; then
  rm -f "$STATE/db.sqlite3"
  "${MANAGE[@]}" migrate --no-input > "$STATE/migrate.log" 2>&1 || { tail -20 "$STATE/migrate.log" >&2; exit 1; }
  cp "$STATE/db.sqlite3" "$STATE/migrated.sqlite3" && echo "$WANTED" > "$STATE/migrated.sqlite3.stamp"
fi
cp "$STATE/migrated.sqlite3" "$STATE/db.sqlite3"
"${CLOCK[@]}" "${MANAGE[@]}" riskpane_seed --base "$BASE" --clock-shift-days "$SHIFT_DAYS" > /dev/null

setsid "${CLOCK[@]}" "${MANAGE[@]}" runserver --noreload --insecure "127.0.0.1:$PORT" \
  > "$STATE/helpdesk-server.log" 2>&1 < /dev/null &
echo $! > "$STATE/helpdesk.pid"
for _ in $(seq 1 120); do
  curl -fs -o /dev/null "$BASE/helpdesk/login/" && break
  sleep 0.5
done
curl -fs -o /dev/null "$BASE/helpdesk/login/" || { echo "helpdesk-up: django-helpdesk did not start" >&2; tail -20 "$STATE/helpdesk-server.log" >&2; exit 1; }
echo "helpdesk-up: django-helpdesk on $BASE; tickets $(cat "$STATE/tickets.json")"
