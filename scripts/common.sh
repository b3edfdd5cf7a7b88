# Sourced by scripts/run.sh and scripts/run-scaled.sh (from the repo root): the ports, URLs and
# Prefect settings both modes share. The caller sets CAMPAIGN_DESK_RUN_DIR and PREFECT_HOME first.
export PATH="$PWD/.venv/bin:$PATH"
export WEB_PORT="${WEB_PORT:-5000}" PREFECT_PORT="${PREFECT_PORT:-4200}"
export PREFECT_API_URL="${PREFECT_API_URL:-http://127.0.0.1:$PREFECT_PORT/api}"
export PREFECT_UI_URL="${PREFECT_UI_URL:-http://127.0.0.1:$PREFECT_PORT}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$WEB_PORT}"
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
if [ -f instance/fonts.conf ]; then export FONTCONFIG_FILE="$PWD/instance/fonts.conf"; fi
mkdir -p instance "$PREFECT_HOME" "$CAMPAIGN_DESK_RUN_DIR"
