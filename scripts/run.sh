#!/usr/bin/env bash
# Migrates, loads demo data and starts web + Prefect server + flow runner under supervisord
# (deploy/supervisord.conf): a process that dies is restarted; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
export CAMPAIGN_DESK_RUN_DIR="${CAMPAIGN_DESK_RUN_DIR:-$PWD/instance/run}"
export PREFECT_HOME="${PREFECT_HOME:-$PWD/instance/prefect}"
source scripts/common.sh
export PREFECT_RUNNER_POLL_FREQUENCY="${PREFECT_RUNNER_POLL_FREQUENCY:-2}"
if [ "${1:-}" != "--no-setup" ]; then
  flask --app app db upgrade
  flask --app app demo-data
  cat <<MSG

  服务活动管理台  $PUBLIC_BASE_URL/        Prefect UI  $PREFECT_UI_URL/
  Demo logins (password campaign-demo — demo only):
    hq (总部活动管理员) · region (区域经理) · coach (现场辅导员) · callcenter (呼叫中心)
    bj001-coord / bj002-coord / tj001-coord (特约店活动协调员) · bj001-sa1 … (服务顾问)
  A process that dies is restarted; Ctrl-C stops all three.
  Status: .venv/bin/supervisorctl -s unix://$CAMPAIGN_DESK_RUN_DIR/supervisor.sock status

MSG
fi
exec supervisord -c deploy/supervisord.conf
