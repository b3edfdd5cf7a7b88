"""The campaign packet for HQ as a background job, and the folder that keeps finished packets.

A whole campaign's packet takes longer than a request should: the admin starts it in a thread of
the web process (the work itself happens in wkhtmltopdf processes) and returns at once. The job's
state is a small JSON file beside the packets, so whichever web worker serves the next request
shows its progress. A job that has not written for STALE_AFTER died with its worker and may be
started again.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from flask import Flask

from .packet import PacketError, assemble, campaign_packets, fingerprint

KEPT_PACKETS = 50  # newest files kept in the packet folder
STALE_AFTER = dt.timedelta(minutes=15)
log = logging.getLogger(__name__)


def keep(pdf: bytes, path: Path) -> None:
    """Write atomically (a reader never sees half a file), then drop all but the newest packets."""
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(pdf)
    os.replace(tmp, path)
    kept = sorted(path.parent.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEPT_PACKETS:]:
        old.unlink(missing_ok=True)


def _state_path(folder: Path, campaign_id: int) -> Path:
    return folder / f"campaign-{campaign_id}.json"


def read_state(folder: Path, campaign_id: int) -> dict[str, Any] | None:
    try:
        return json.loads(_state_path(folder, campaign_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_state(folder: Path, campaign_id: int, **state: Any) -> None:
    state["updated_at"] = dt.datetime.now(dt.UTC).isoformat()
    path = _state_path(folder, campaign_id)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def running(state: dict[str, Any] | None) -> bool:
    if not state or state.get("state") != "running":
        return False
    return dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(state["updated_at"]) < STALE_AFTER


def start(app: Flask, folder: Path, campaign_id: int, user_id: int) -> bool:
    """Start building the campaign's packet; False when a build is already running."""
    with open(folder / ".jobs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if running(read_state(folder, campaign_id)):
            return False
        _write_state(folder, campaign_id, state="running", done=0, total=0)
    threading.Thread(target=build, args=(app, folder, campaign_id, user_id), daemon=True,
                     name=f"campaign-packet-{campaign_id}").start()
    return True


def build(app: Flask, folder: Path, campaign_id: int, user_id: int) -> None:
    """Build (or find, when nothing changed) the packet; the outcome goes to the state file."""
    from models import Campaign, User, db

    def progress(done: int, total: int) -> None:
        _write_state(folder, campaign_id, state="running", done=done, total=total)

    with app.app_context():
        try:
            user, campaign = db.session.get(User, user_id), db.session.get(Campaign, campaign_id)
            packets = campaign_packets(campaign, user)
            path = folder / f"campaign-{campaign_id}-{fingerprint(packets)}.pdf"
            if not path.is_file():
                keep(assemble(packets, wkhtmltopdf=app.config["WKHTMLTOPDF"], progress=progress), path)
            os.utime(path)  # the newest: kept when older packets are dropped
            _write_state(folder, campaign_id, state="done", file=path.name, dealers=len(packets))
        except PacketError as exc:
            _write_state(folder, campaign_id, state="failed", message=str(exc))
        except Exception:
            log.exception("campaign packet %s failed", campaign_id)
            _write_state(folder, campaign_id, state="failed", message="全活动资料包生成失败，请联系系统管理员。")
        finally:
            db.session.remove()
