"""The campaign packet for HQ as a job, and the folder that keeps finished packets.

A whole campaign's packet takes longer than a request should. The admin hands it to the Prefect
runner (workflows/packet.py, progress in the Prefect UI) and, when no runner is there, to a thread
of the web process; both run `build`. The job's state is a small JSON file beside the packets, so
whichever web worker serves the next request shows its progress. A job that has not written for
STALE_AFTER died with its process and may be started again.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import threading
from pathlib import Path
from collections.abc import Callable
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


def packet_dir() -> Path:
    """PACKET_DIR, else instance/packets. The web and the runner must see the same folder (on
    several machines: a shared one)."""
    from flask import current_app

    folder = Path(current_app.config.get("PACKET_DIR") or Path(current_app.instance_path) / "packets")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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


def claim(folder: Path, campaign_id: int) -> bool:
    """Mark the campaign's packet as being built; False when a build is already running."""
    with open(folder / ".jobs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if running(read_state(folder, campaign_id)):
            return False
        _write_state(folder, campaign_id, state="running", done=0, total=0)
    return True


def note_run(folder: Path, campaign_id: int, flow_run_id: str) -> None:
    """The Prefect run building the packet, for the admin page's link (unless it has already
    written its own state, which names it)."""
    with open(folder / ".jobs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = read_state(folder, campaign_id) or {}
        if state.get("state") == "running" and not state.get("flow_run_id"):
            _write_state(folder, campaign_id, **{**state, "flow_run_id": flow_run_id})


def start_thread(app: Flask, folder: Path, campaign_id: int, user_id: int) -> None:
    """Build in a thread of this (web) process: the way when no Prefect runner is there."""
    def run() -> None:
        from models import db

        with app.app_context():
            try:
                build(folder, campaign_id, user_id)
            finally:
                db.session.remove()

    threading.Thread(target=run, daemon=True, name=f"campaign-packet-{campaign_id}").start()


def build(folder: Path, campaign_id: int, user_id: int, *, flow_run_id: str | None = None,
          progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Build (or find, when nothing changed) the packet, in an app context; the outcome goes to
    the state file and is returned. `progress(done, total)` hears of every finished part."""
    from flask import current_app

    from models import Campaign, User, db

    def advance(done: int, total: int) -> None:
        _write_state(folder, campaign_id, state="running", done=done, total=total, flow_run_id=flow_run_id)
        if progress:
            progress(done, total)

    try:
        user, campaign = db.session.get(User, user_id), db.session.get(Campaign, campaign_id)
        packets = campaign_packets(campaign, user)
        path = folder / f"campaign-{campaign_id}-{fingerprint(packets)}.pdf"
        if not path.is_file():
            keep(assemble(packets, wkhtmltopdf=current_app.config["WKHTMLTOPDF"], progress=advance), path)
        os.utime(path)  # the newest: kept when older packets are dropped
        outcome = dict(state="done", file=path.name, dealers=len(packets))
    except PacketError as exc:
        outcome = dict(state="failed", message=str(exc))
    except Exception:
        log.exception("campaign packet %s failed", campaign_id)
        outcome = dict(state="failed", message="全活动资料包生成失败，请联系系统管理员。")
    _write_state(folder, campaign_id, flow_run_id=flow_run_id, **outcome)
    return outcome
