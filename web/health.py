"""/healthz for load balancers and monitoring: the database, Prefect, and the flow runner's
heartbeat — with no runner an approval would be accepted while nothing can carry it forward."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from models import db

bp = Blueprint("health", __name__)


def _database_ok() -> tuple[bool, str]:
    try:
        db.session.execute(text("SELECT 1"))
        return True, "ok"
    except Exception as exc:  # any driver error means "not healthy", reported not raised
        db.session.rollback()
        return False, type(exc).__name__


@bp.route("/healthz")
def healthz():
    from workflows.client import flow_engine_status

    flows = flow_engine_status(current_app.config["PREFECT_API_URL"])
    checks = {"database": _database_ok(), "prefect": flows.prefect, "runner": flows.runner}
    healthy = all(ok for ok, _ in checks.values())
    body = {"status": "ok" if healthy else "unhealthy",
            "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()}}
    return jsonify(body), 200 if healthy else 503
