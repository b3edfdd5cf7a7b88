"""Scale-out mode for real: a Prefect server of its own on PostgreSQL, the deployments on a work
pool (workflows/pool.py) and two `prefect worker` processes, as `make run-scaled` starts them.
Three campaigns start through the admin; their runs spread over both workers. Then a machine
dies mid-campaign: the worker executing a resumed run is killed with SIGKILL together with its
flow-run process, while the other campaigns wait at a gate. The silent run is marked Crashed (the
heartbeat automation of workflows/pool.py) and restarted by the reconciler on the other worker,
which also resumes every other campaign (one to its end) without losing an approval; the
reconciler runs once a minute for the whole pool.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, make_url, select, text

from models import Campaign, GateApproval, Participation, db
from tests.conftest import free_port, reload, wait_until


ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PHASES = ("planning", "preparation", "application", "execution", "evaluation")
WORKERS = ("worker-a", "worker-b")
PGBIN = "/usr/lib/postgresql/15/bin"


class Stack:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.procs, self.port = tmp, {}, free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        self.env.update(PREFECT_API_URL=self.url, PREFECT_HOME=str(tmp / "prefect"), CAMPAIGN_DESK_ENV="test",
                        PYTHONPATH=str(ROOT), CAMPAIGN_DESK_WORK_POOL="campaign-desk-test",
                        PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
                        PREFECT_FLOW_RUN_EXECUTE_SIGTERM_BEHAVIOR="reschedule", DO_NOT_TRACK="1",
                        # Prefect's shortest heartbeat; a run silent for two of them is Crashed
                        PREFECT_FLOWS_HEARTBEAT_FREQUENCY="30", CAMPAIGN_DESK_ZOMBIE_AFTER_S="60",
                        PACKET_DIR=str(tmp / "packets"))

    def start(self, name: str, *args: str) -> subprocess.Popen:
        with (self.tmp / f"{name}.log").open("wb") as log:  # the child keeps its own copy
            self.procs[name] = subprocess.Popen([*args], cwd=self.tmp, env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)
        return self.procs[name]

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def executed(self, name: str) -> set[str]:
        """Flow runs this worker submitted and did not abort (the other worker took them)."""
        log = self.log(name)
        submitted = set(re.findall(r"submitting flow run '([0-9a-f-]{36})'", log))
        return submitted - set(re.findall(r"Aborted submission of flow run '([0-9a-f-]{36})'", log))

    def submissions(self, name: str, run_id: str) -> int:
        """How often this worker took the run (each resume is taken anew)."""
        log = self.log(name)
        return log.count(f"submitting flow run '{run_id}'") - log.count(f"Aborted submission of flow run '{run_id}'")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


@contextlib.contextmanager
def prefect_database(tmp: Path):
    """A fresh PostgreSQL database for the Prefect server, as in the scale-out mode: on the test
    cluster in the PostgreSQL pass, else on a throwaway cluster (scripts/test.sh makes it the same way)."""
    admin_url, cluster = os.environ.get("TEST_PG_ADMIN_URL"), None
    if not admin_url:
        # not under pytest's tmp_path: the postgres user cannot enter it (mode 700)
        cluster, port = Path(tempfile.mkdtemp(prefix="campaign-desk-pg.")), free_port()
        shutil.chown(cluster, "postgres")
        subprocess.run(["runuser", "-u", "postgres", "--", f"{PGBIN}/initdb", "-D", f"{cluster}/data", "-A",
                        "trust", "-U", "app"], check=True, capture_output=True)
        subprocess.run(["runuser", "-u", "postgres", "--", f"{PGBIN}/pg_ctl", "-D", f"{cluster}/data", "-l",
                        f"{cluster}/log", "-w", "-o", f"-p {port} -k {cluster} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off", "start"], check=True, capture_output=True)
        admin_url = f"postgresql+psycopg://app@127.0.0.1:{port}/postgres"
    name = f"prefect_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(drivername="postgresql+asyncpg", database=name) \
            .render_as_string(hide_password=False)
    finally:
        if cluster is None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if cluster is not None:
            subprocess.run(["runuser", "-u", "postgres", "--", f"{PGBIN}/pg_ctl", "-D", f"{cluster}/data",
                            "-m", "immediate", "stop"], capture_output=True)
            shutil.rmtree(cluster, ignore_errors=True)


@pytest.fixture
def scaled(app, tmp_path):
    """Prefect server (on PostgreSQL) + the work pool's deployments + two workers, on the test database."""
    stack = Stack(tmp_path)
    with prefect_database(tmp_path) as prefect_url:
        stack.env["PREFECT_API_DATABASE_CONNECTION_URL"] = prefect_url
        try:
            stack.start("server", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                        "--port", str(stack.port))
            deploy = subprocess.run([sys.executable, "-m", "workflows.pool"], cwd=tmp_path, env=stack.env,
                                    capture_output=True, text=True, timeout=300)
            assert deploy.returncode == 0, deploy.stdout + deploy.stderr
            for name in WORKERS:  # with a limit, as make run-scaled: a resumed run must not kill its worker
                stack.start(name, sys.executable, "-m", "workflows.worker", "--pool", "campaign-desk-test",
                            "--name", name, "--limit", "2")
            yield stack
        finally:
            stack.stop()


def _children(pid: int) -> list[int]:
    """A worker's flow-run processes (Prefect starts each in a session of its own)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"\nPPid:\t{pid}\n" in (entry / "status").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _page(campaign) -> str:
    return f"/admin/gates/?campaign={campaign.id}"


def _decide(hq, campaign, phase: str) -> None:
    response = hq.post("/admin/gates/decide", {
        "campaign_id": campaign.id, "phase": phase, "decision": "overridden",
        "version": reload(campaign).version_id, "note": "测试：总部书面放行"}, csrf_from=_page(campaign))
    assert response.status_code == 302


def _run_state(run_id: str):
    from workflows.client import run_state

    return run_state(run_id)


def _paused_at(run_id: str, phase: str):
    state = _run_state(run_id)
    assert state is None or state[0] not in ("FAILED", "CRASHED", "CANCELLED"), state
    return state == ("PAUSED", f"approve-{phase}")


def test_it_spreads_campaigns_over_two_workers_and_finishes_them_after_one_is_killed(
        app, personas, client_for, scaled):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from workflows.client import flow_engine_status

    campaigns = [personas.campaign]
    for n in (2, 3):
        extra = Campaign(name=f"2014车主回娘家 第{n}批", type="homecoming", starts_on=dt.date(2014, 1, 15),
                         ends_on=dt.date(2014, 2, 17))
        db.session.add(extra)
        db.session.flush()
        db.session.add(Participation(campaign_id=extra.id, dealer_id=personas.dealer_a.id))
        campaigns.append(extra)
    db.session.commit()
    hq = client_for(personas.hq)
    previous = app.config["PREFECT_API_URL"]
    app.config["PREFECT_API_URL"] = scaled.url
    try:
        with temporary_settings({PREFECT_API_URL: scaled.url}):
            wait_until(lambda: flow_engine_status(scaled.url).ok)  # a worker's poll is the runner heartbeat
            runs = {}
            for index, c in enumerate(campaigns):
                assert hq.post("/admin/gates/start", {"campaign_id": c.id}, csrf_from=_page(c)).status_code == 302
                runs[c.id] = reload(c).flow_run_id
                if index == 0:  # the worker that took the first run sleeps while the others start
                    # both workers may log "submitting" the first run; the one that loses aborts. Once the
                    # run waits at its gate it is claimed, and its submitter is the taker.
                    taker = wait_until(lambda: _paused_at(runs[c.id], "planning") and next(
                        (w for w in WORKERS if runs[c.id] in scaled.executed(w)), None))
                    scaled.procs[taker].send_signal(signal.SIGSTOP)
            wait_until(lambda: all(any(r in scaled.executed(w) for w in WORKERS) for r in runs.values()))
            scaled.procs[taker].send_signal(signal.SIGCONT)
            for c in campaigns:
                wait_until(lambda: _paused_at(runs[c.id], "planning"))
            assert all(scaled.executed(w) for w in WORKERS), "both workers take runs"

            # a machine dies mid-campaign: the first campaign's approval resumes its run, and the worker
            # executing it is killed with its flow-run process (frozen first, so surely mid-execution)
            first = campaigns[0]
            taken = {w: scaled.submissions(w, runs[first.id]) for w in WORKERS}
            _decide(hq, first, "planning")
            killed = wait_until(lambda: (_run_state(runs[first.id]) or ("",))[0] == "RUNNING" and next(
                (w for w in WORKERS if scaled.submissions(w, runs[first.id]) > taken[w]
                 and _children(scaled.procs[w].pid)), None), every=0.1)
            survivor = next(w for w in WORKERS if w != killed)
            frozen = _children(scaled.procs[killed].pid)
            for pid in frozen:
                os.kill(pid, signal.SIGSTOP)
            assert _run_state(runs[first.id])[0] == "RUNNING", "killed while executing, not at a gate"
            scaled.procs[killed].send_signal(signal.SIGKILL)
            for pid in frozen:
                os.kill(pid, signal.SIGKILL)
            scaled.procs[killed].wait(10)
            before = scaled.executed(survivor)
            for c in campaigns[1:]:  # approvals given while a machine is down must not be lost
                _decide(hq, c, "planning")
            # nothing reports the dead run's end: its silence makes it Crashed and the reconciler
            # restarts the campaign on the other worker, past the gate its database approval opened
            dead = runs[first.id]
            # (Prefect's proactive trigger is evaluated once per window, later when its events lag: a
            # loaded machine has taken five minutes)
            runs[first.id] = wait_until(lambda: reload(first).flow_run_id != dead and reload(first).flow_run_id,
                                        timeout=600)
            assert _run_state(dead)[0] == "CRASHED"
            for c in campaigns:
                wait_until(lambda: _paused_at(runs[c.id], "preparation"))
            # and one campaign goes on to the end, on the other worker alone
            for index, phase in enumerate(PHASES[1:], start=1):
                _decide(hq, first, phase)
                if index + 1 < len(PHASES):
                    wait_until(lambda: _paused_at(runs[first.id], PHASES[index + 1]))
            wait_until(lambda: _run_state(runs[first.id]) == ("COMPLETED", None))
            assert reload(first).phase == "closed"
            assert scaled.executed(survivor) - before, "the other worker carries on"
            approvals = db.session.scalars(select(GateApproval).where(GateApproval.dealer_id.is_(None))).all()
            assert len(approvals) == len(campaigns) + 4 and all(a.resumed for a in approvals)  # none lost

            # the reconciler: one scheduled run per minute for the whole pool
            flow_runs = httpx.post(f"{scaled.url}/flow_runs/filter", json={
                "flows": {"name": {"any_": ["reconcile-campaign-runs"]}}, "sort": "EXPECTED_START_TIME_ASC",
                "limit": 100}).json()
            slots = [r["expected_start_time"] for r in flow_runs if r["state_type"] == "COMPLETED"]
            assert len(slots) == len(set(slots))
            deployment = httpx.get(f"{scaled.url}/deployments/name/reconcile-campaign-runs/"
                                   "reconcile-campaign-runs").json()
            assert deployment["work_pool_name"] == "campaign-desk-test"
            assert (deployment.get("global_concurrency_limit") or {}).get("limit") == 1
            assert [s["schedule"].get("cron") for s in deployment["schedules"]] == ["* * * * *"]
    finally:
        app.config["PREFECT_API_URL"] = previous
