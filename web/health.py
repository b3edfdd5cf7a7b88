"""/healthz for load balancers and `make run`'s wait loop."""
from __future__ import annotations

import httpx
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


def _prefect_ok() -> tuple[bool, str]:
    url = current_app.config["PREFECT_API_URL"].rstrip("/") + "/health"
    try:
        response = httpx.get(url, timeout=2.0)
        return response.status_code == 200, f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        return False, type(exc).__name__


@bp.route("/healthz")
def healthz():
    checks = {"database": _database_ok(), "prefect": _prefect_ok()}
    healthy = all(ok for ok, _ in checks.values())
    body = {"status": "ok" if healthy else "unhealthy",
            "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()}}
    return jsonify(body), 200 if healthy else 503
