"""`make run`'s process supervision, for real: scripts/run.sh under supervisord on free ports.

One test (~30 s: a Prefect server start) that does not touch the test database, so it runs in the
SQLite pass only.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_PG_ADMIN_URL")),
                                reason="database-independent: run in the SQLite pass only")


@pytest.fixture
def stack(tmp_path):
    web, api = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "PREFECT_API_URL")}
    env.update(WEB_PORT=str(web), PREFECT_PORT=str(api), CAMPAIGN_DESK_ENV="test",
               CAMPAIGN_DESK_RUN_DIR=str(tmp_path / "run"), PREFECT_HOME=str(tmp_path / "prefect"))
    out = (tmp_path / "out.log").open("wb")
    proc = subprocess.Popen(["bash", "scripts/run.sh", "--no-setup"], cwd=ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    ctl = [str(BIN / "supervisorctl"), "-s", f"unix://{tmp_path / 'run' / 'supervisor.sock'}"]

    def pid(name: str) -> int:
        out = subprocess.run([*ctl, "pid", name], capture_output=True, text=True).stdout.strip()
        return int(out) if out.isdigit() and out != "0" else 0

    proc.pid_of, proc.log, proc.out, proc.web = pid, tmp_path / "run" / "supervisord.log", tmp_path / "out.log", web
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.close()


def test_it_restarts_a_killed_process_and_stops_all_cleanly_on_ctrl_c(stack):
    def web_answers():
        """the web process answers /healthz"""
        try:
            return httpx.get(f"http://127.0.0.1:{stack.web}/healthz", timeout=2).status_code in (200, 503)
        except httpx.HTTPError:
            return False

    def back(name, old):
        def running():
            """a new process of the program is running"""
            return stack.pid_of(name) not in (0, old)
        return running

    def serving():
        """the runner serves: its reconcile at start has run"""
        return "reconcile-campaign-runs" in stack.out.read_text()

    wait_until(web_answers)
    web = stack.pid_of("web")
    os.kill(web, signal.SIGKILL)
    wait_until(back("web", web))
    wait_until(web_answers)

    wait_until(serving)
    runner = stack.pid_of("runner")
    os.kill(runner, signal.SIGTERM)  # what supervisord and systemd send: the runner ends by itself
    wait_until(back("runner", runner))
    runner = stack.pid_of("runner")
    os.kill(runner, signal.SIGKILL)
    wait_until(back("runner", runner))

    stack.send_signal(signal.SIGINT)  # Ctrl-C
    assert stack.wait(timeout=60) == 0
    log = stack.log.read_text()
    assert "exited: runner (exit status 0; expected)" in log  # the TERM above
    assert "exited: runner (terminated by SIGKILL; not expected)" in log
    # the runner ends by itself at Ctrl-C (a loaded machine may make gunicorn slower than its grace)
    assert "killing 'runner'" not in log.split("received SIGINT")[-1]
