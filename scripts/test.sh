#!/usr/bin/env bash
# Runs the whole suite twice: on SQLite, then on a throwaway PostgreSQL 15 cluster
# (initdb in a temp dir as the postgres user, a free local port, removed afterwards).
# pytest-xdist spreads each pass over the cores (TEST_WORKERS=0 runs in one process); tests that
# share the Prefect test server stay on one worker (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" CAMPAIGN_DESK_ENV=test PREFECT_HOME="$PWD/instance/prefect-test"
[ -f instance/fonts.conf ] && export FONTCONFIG_FILE="$PWD/instance/fonts.conf"
set -- -n "${TEST_WORKERS:-auto}" --dist loadgroup "$@"
start=$(date +%s)

echo "==> suite on SQLite"
env -u TEST_DATABASE_URL python -m pytest "$@"

echo "==> suite on PostgreSQL"
PGBIN=/usr/lib/postgresql/15/bin
dir=$(mktemp -d /tmp/campaign-desk-pg.XXXXXX)
chown postgres "$dir"
port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
# a UTF-8 LC_CTYPE: pg_trgm makes trigrams of Chinese characters only then (shared/notes/pg-trgm-locale.md)
runuser -u postgres -- "$PGBIN/initdb" -D "$dir/data" -A trust -U app --locale=C.UTF-8 --encoding=UTF8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U app campaign_desk_test
TEST_DATABASE_URL="postgresql+psycopg://app@127.0.0.1:$port/campaign_desk_test" \
TEST_PG_ADMIN_URL="postgresql+psycopg://app@127.0.0.1:$port/postgres" \
  python -m pytest "$@"
echo "==> both suites passed in $(( $(date +%s) - start )) s"
