"""`make run-scaled`'s supervisord config, read by supervisord's own parser: the scale-out mode is
2 web processes on two ports, the Prefect server, the one-shot pool deployment and 2 workers.
(tests/workflows/test_workers.py runs the same pieces for real.)"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from supervisor.options import ServerOptions

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_PG_ADMIN_URL")),
                                reason="database-independent: run in the SQLite pass only")


def test_it_runs_two_web_processes_and_two_workers_polling_the_pool(monkeypatch, tmp_path):
    for name, value in {"CAMPAIGN_DESK_RUN_DIR": str(tmp_path), "WEB_PORT": "5000", "PREFECT_PORT": "4200",
                        "CAMPAIGN_DESK_WORK_POOL": "campaign-desk"}.items():
        monkeypatch.setenv(name, value)
    options = ServerOptions()
    options.realize(args=["-c", str(ROOT / "deploy" / "supervisord-scaled.conf")])
    groups = {g.name: [p.name for p in g.process_configs] for g in options.process_group_configs}
    commands = {p.name: p.command for g in options.process_group_configs for p in g.process_configs}
    assert groups == {"prefect": ["prefect"], "deployments": ["deployments"],
                      "web": ["web-0", "web-1"], "worker": ["worker-0", "worker-1"]}
    assert "$((WEB_PORT + 0))" in commands["web-0"] and "$((WEB_PORT + 1))" in commands["web-1"]
    assert "python -m workflows.worker --pool" in commands["worker-1"] and commands["deployments"].endswith(
        "python -m workflows.pool")
    assert '--limit "$CAMPAIGN_DESK_WORKER_LIMIT"' in commands["worker-1"]
    assert "CAMPAIGN_DESK_WORKER_LIMIT=" in (ROOT / "scripts" / "run-scaled.sh").read_text()
    assert "export PACKET_DIR=" in (ROOT / "scripts" / "run-scaled.sh").read_text()


def test_it_starts_no_worker_without_a_packet_folder_it_can_write(tmp_path):
    """The campaign packet a worker builds is downloaded from a web process: PACKET_DIR must be named."""
    from workflows.worker import packet_folder_problem

    assert "PACKET_DIR is not set" in packet_folder_problem({})
    assert packet_folder_problem({"PACKET_DIR": str(tmp_path / "packets")}) is None
    (tmp_path / "file").write_text("")
    assert "is not writable" in packet_folder_problem({"PACKET_DIR": str(tmp_path / "file" / "packets")})
    assert "run-scaled:" in (ROOT / "Makefile").read_text()
