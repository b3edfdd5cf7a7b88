#!/usr/bin/env bash
# Migrates, loads demo data and starts web + Prefect server + flow runner (Procfile, honcho).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export PREFECT_HOME="${PREFECT_HOME:-$PWD/instance/prefect}"
export PREFECT_API_URL="${PREFECT_API_URL:-http://127.0.0.1:4200/api}"
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
export PREFECT_RUNNER_POLL_FREQUENCY="${PREFECT_RUNNER_POLL_FREQUENCY:-2}"
[ -f instance/fonts.conf ] && export FONTCONFIG_FILE="$PWD/instance/fonts.conf"
mkdir -p instance "$PREFECT_HOME"
flask --app app db upgrade
flask --app app demo-data
cat <<MSG

  服务活动管理台  http://127.0.0.1:5000/        Prefect UI  http://127.0.0.1:4200/
  Demo logins (password campaign-demo — demo only):
    hq (总部活动管理员) · region (区域经理) · coach (现场辅导员) · callcenter (呼叫中心)
    bj001-coord / bj002-coord / tj001-coord (特约店活动协调员) · bj001-sa1 … (服务顾问)
  Ctrl-C stops all three processes.

MSG
exec honcho start -f Procfile
