#!/usr/bin/env bash
# `make run-scaled`: the scale-out mode on one machine (deploy/supervisord-scaled.conf) — PostgreSQL
# for the app and for the Prefect server, 2 web processes, the Prefect server, 2 Prefect workers.
# DATABASE_URL and PREFECT_API_DATABASE_CONNECTION_URL may name existing PostgreSQL databases;
# without them a local PostgreSQL 15 cluster is made in instance/pg (as the postgres user) and
# stopped again when supervisord ends. --no-setup skips migrations and demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
export CAMPAIGN_DESK_RUN_DIR="${CAMPAIGN_DESK_RUN_DIR:-$PWD/instance/run-scaled}"
export PREFECT_HOME="${PREFECT_HOME:-$PWD/instance/prefect-scaled}"
source scripts/common.sh
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PG_PORT="${PG_PORT:-5433}"
export CAMPAIGN_DESK_WORK_POOL="${CAMPAIGN_DESK_WORK_POOL:-campaign-desk}"
export PREFECT_WORKER_QUERY_SECONDS="${PREFECT_WORKER_QUERY_SECONDS:-2}"
# a worker stopped by TERM hands its running flows back (Scheduled) instead of letting them crash
export PREFECT_FLOW_RUN_EXECUTE_SIGTERM_BEHAVIOR=reschedule
# flow runs beat every 30 s (Prefect's shortest); one silent for 90 s — its machine or worker died
# while it ran — is marked Crashed and its campaign restarted on a live worker (workflows/pool.py)
export PREFECT_FLOWS_HEARTBEAT_FREQUENCY="${PREFECT_FLOWS_HEARTBEAT_FREQUENCY:-30}"
# flow runs at once per worker (a large import takes a core); the others wait for a free slot
export CAMPAIGN_DESK_WORKER_LIMIT="${CAMPAIGN_DESK_WORKER_LIMIT:-4}"
# finished packets: built by a worker's flow run, downloaded from a web process — one folder for
# both (on several machines, a shared volume at this path on each; workflows/worker.py checks it)
export PACKET_DIR="${PACKET_DIR:-$PWD/instance/packets}"

if [ -z "${DATABASE_URL:-}" ] || [ -z "${PREFECT_API_DATABASE_CONNECTION_URL:-}" ]; then
  PGBIN=/usr/lib/postgresql/15/bin PGDIR="$PWD/instance/pg"
  if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
    mkdir -p "$PGDIR" && chown postgres "$PGDIR"
    runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U app --locale=C.UTF-8 --encoding=UTF8 >/dev/null
  fi
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
    -o "-p $PG_PORT -k $PGDIR -c listen_addresses=127.0.0.1" start >/dev/null
  trap 'runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null' EXIT
  for db in campaign_desk prefect; do
    runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U app "$db" 2>/dev/null || true
  done
  export DATABASE_URL="${DATABASE_URL:-postgresql+psycopg://app@127.0.0.1:$PG_PORT/campaign_desk}"
  export PREFECT_API_DATABASE_CONNECTION_URL="${PREFECT_API_DATABASE_CONNECTION_URL:-postgresql+asyncpg://app@127.0.0.1:$PG_PORT/prefect}"
fi

if [ "${1:-}" != "--no-setup" ]; then
  flask --app app db upgrade
  flask --app app demo-data
  cat <<MSG

  服务活动管理台  $PUBLIC_BASE_URL/ (and :$((WEB_PORT + 1)); put any load balancer in front)
  Prefect UI  $PREFECT_UI_URL/   work pool $CAMPAIGN_DESK_WORK_POOL, 2 workers
  Demo logins as for make run (password campaign-demo — demo only).
  Status: .venv/bin/supervisorctl -s unix://$CAMPAIGN_DESK_RUN_DIR/supervisor.sock status

MSG
fi
supervisord -c deploy/supervisord-scaled.conf
