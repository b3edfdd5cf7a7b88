"""The lifecycle against a real Prefect server (one session-scoped harness, one runner thread).

Each suspend/resume costs seconds, so the integration tests are few and share the server;
the admin page tests at the top need no Prefect at all.
"""
from __future__ import annotations

import datetime as dt
import statistics
import time
from decimal import Decimal
from uuid import UUID

import pytest
from sqlalchemy import select

from models import AuditLog, GateApproval, Participation, PlanGoal, PlanMeeting, WeeklySummary, db
from tests.conftest import reload
from tests.factories import prepare_dealer, submit

TODAY = dt.date(2014, 1, 10)
DURATIONS: list[float] = []  # approval POST → run leaves "Suspended" (printed at the end)


def _page(client, campaign):
    return f"/admin/gates/?campaign={campaign.id}"


def _decide(client, campaign, phase, decision, version, dealer=None, note=""):
    data = {"campaign_id": campaign.id, "phase": phase, "decision": decision, "version": version,
            "note": note}
    if dealer is not None:
        data["dealer_id"] = dealer.id
    return client.post("/admin/gates/decide", data, csrf_from=_page(client, campaign))


def _plan(personas):
    meeting = PlanMeeting(campaign_id=personas.campaign.id, held_on=TODAY, status="approved")
    db.session.add(meeting)
    db.session.flush()
    db.session.add(PlanGoal(meeting_id=meeting.id, metric="进厂台次", target=Decimal(128), unit="台次"))
    db.session.commit()


# --- the admin page, no Prefect needed ----------------------------------------------------------
def test_it_shows_a_dealer_user_only_their_own_dealer(personas, client_for):
    html = client_for(personas.coord_a).get(_page(None, personas.campaign)).get_data(as_text=True)
    assert "北京甲特约店" in html and "北京乙特约店" not in html and "广州丙特约店" not in html
    assert "活动整体" not in html and "启动活动流程" not in html


def test_it_refuses_unauthorised_and_malformed_decisions_with_a_message(personas, client_for):
    c = personas.campaign
    resp = _decide(client_for(personas.rm), c, "planning", "approved", c.version_id)
    assert resp.status_code == 403 and "活动整体关口只能由总部活动管理员审批" in resp.get_data(as_text=True)
    resp = _decide(client_for(personas.hq), c, "planning", "approved", c.version_id)
    assert resp.status_code == 400 and "关口条件未满足" in resp.get_data(as_text=True)
    resp = client_for(personas.hq).post("/admin/gates/decide", {"campaign_id": "x1"},
                                        csrf_from=_page(None, c))
    assert resp.status_code == 400 and "必须是正整数" in resp.get_data(as_text=True)
    # another region's dealer is not even visible to the regional manager: 404, not 403
    resp = _decide(client_for(personas.rm), c, "preparation", "approved", 1, dealer=personas.dealer_c)
    assert resp.status_code == 404
    resp = client_for(personas.coord_a).post("/admin/gates/start", {"campaign_id": c.id}, csrf_from=_page(None, c))
    assert resp.status_code == 403
    assert db.session.scalar(select(GateApproval)) is None


def test_it_approves_and_keeps_the_decision_when_prefect_is_down(personas, client_for):
    c = personas.campaign
    _plan(personas)
    c.flow_run_id = "00000000-0000-0000-0000-000000000001"  # conftest points Prefect at a dead port
    db.session.commit()
    hq = client_for(personas.hq)
    resp = _decide(hq, c, "planning", "approved", c.version_id)
    assert resp.status_code == 302
    row = db.session.scalars(select(GateApproval)).one()
    assert row.decision == "approved" and row.resumed is False  # left for the reconciler
    assert reload(c).phase == "preparation"
    html = hq.get(resp.headers["Location"]).get_data(as_text=True)
    assert "alert-success" not in html  # not a plain success
    assert "已批准：提出关口，决定已保存；流程引擎暂不可用，恢复后一分钟内流程将自动继续" in html
    assert 'id="flow-engine-down"' in html  # HQ's banner
    assert 'id="flow-engine-down"' not in client_for(personas.coord_a).get(_page(None, c)).get_data(as_text=True)


def test_it_says_so_when_prefect_is_up_but_no_runner_polls(personas, client_for, fake_prefect_api):
    import datetime as dt

    import admin

    c = personas.campaign
    _plan(personas)
    fake_prefect_api.last_polled = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).isoformat()
    admin._STATUS.clear()
    hq = client_for(personas.hq)
    resp = _decide(hq, c, "planning", "approved", c.version_id)
    html = hq.get(resp.headers["Location"]).get_data(as_text=True)
    assert "流程执行进程未运行，恢复后一分钟内流程将自动继续" in html and 'id="flow-engine-down"' in html
    fake_prefect_api.last_polled = dt.datetime.now(dt.UTC).isoformat()
    admin._STATUS.clear()
    assert 'id="flow-engine-down"' not in hq.get(_page(None, c)).get_data(as_text=True)


# --- real Prefect (the harness and runner: tests/workflows/conftest.py) ---------------------------
def _state(run_id):
    from workflows.client import run_state

    return run_state(run_id)


def _wait(run_id, want, timeout=240.0):  # two harnesses under xdist on a loaded 2-core machine
    """Poll until the run is in state type `want` (and pause key, for PAUSED)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _state(run_id)
        if state is not None and (state[0], state[1] if want[0] == "PAUSED" else None) == want:
            return
        if state is not None and state[0] in ("FAILED", "CRASHED", "CANCELLED"):
            raise AssertionError(f"run {run_id} ended {state} while waiting for {want}")
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} not {want} after {timeout} s, last {state}")


def _overview_in_prefect(campaign):
    """(markdown, run id) of the newest overview artifact of the campaign."""
    import httpx
    from prefect.settings import PREFECT_API_URL

    from workflows.client import overview_key

    # the client's artifact filters join task runs (an empty filter drops run-level artifacts)
    newest = httpx.get(f"{PREFECT_API_URL.value()}/artifacts/{overview_key(campaign.id)}/latest").json()
    return newest.get("data"), newest.get("flow_run_id")


def _overview_in_db(campaign):
    from models.base import local_date, utcnow
    from models.overview import campaign_overview, overview_markdown

    db.session.expire_all()
    return overview_markdown(campaign_overview(db.session, reload(campaign), local_date(utcnow())),
                             "http://127.0.0.1:5000")


def _decide_and_time(client, campaign, phase, decision, version, note="", run_id=None):
    t0 = time.monotonic()
    resp = _decide(client, campaign, phase, decision, version, note=note)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    deadline = t0 + 90
    while time.monotonic() < deadline:
        state = _state(run_id)
        if state and not (state[0] == "PAUSED" and state[1].startswith(f"approve-{phase}")) \
                and state[0] not in ("SCHEDULED", "PENDING"):
            DURATIONS.append(time.monotonic() - t0)
            return
        time.sleep(0.1)
    raise AssertionError(f"run did not resume after {phase}")


def test_it_runs_a_campaign_from_planning_to_evaluation_through_the_admin(personas, client_for, prefect_runner):
    from prefect.client.orchestration import get_client
    import httpx
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
    from prefect.client.schemas.sorting import FlowRunSort

    from prefect.settings import PREFECT_API_URL

    from workflows.client import flow_engine_status

    prefect_runner.start()
    hq, rm, c = client_for(personas.hq), client_for(personas.rm), personas.campaign
    # the runner's heartbeat as /healthz reads it from the real server (slow on a loaded machine)
    deadline = time.monotonic() + 120
    while not flow_engine_status(PREFECT_API_URL.value()).ok and time.monotonic() < deadline:
        time.sleep(0.5)
    assert flow_engine_status(PREFECT_API_URL.value()).runner[0] is True
    assert hq.post("/admin/gates/start", {"campaign_id": c.id}, csrf_from=_page(hq, c)).status_code == 302
    run_id = reload(c).flow_run_id
    assert run_id and f"/runs/flow-run/{run_id}" in hq.get(_page(hq, c)).get_data(as_text=True)
    _wait(run_id, ("PAUSED", "approve-planning"))

    resp = _decide(rm, c, "planning", "approved", reload(c).version_id)
    assert resp.status_code == 403  # an unauthorised approval leaves the run suspended
    _plan(personas)
    _decide_and_time(hq, c, "planning", "approved", reload(c).version_id, run_id=run_id)
    _wait(run_id, ("PAUSED", "approve-preparation"))
    assert _overview_in_prefect(c) == (_overview_in_db(c), run_id)  # on the parent run, as in the DB
    assert "| 提出 | ✔ 已通过 | 批准 · " in _overview_in_db(c)

    for dealer in (personas.dealer_a, personas.dealer_b, personas.dealer_c):
        prepare_dealer(personas.campaign, dealer, TODAY)
    db.session.commit()
    for dealer in (personas.dealer_a, personas.dealer_b):
        submit(reload(c), dealer)
        db.session.commit()
        part = db.session.scalar(select(Participation).where(Participation.dealer_id == dealer.id))
        assert _decide(rm, c, "preparation", "approved", reload(part).version_id, dealer=dealer).status_code == 302
    part_c = db.session.scalar(select(Participation).where(Participation.dealer_id == personas.dealer_c.id))
    assert _decide(hq, c, "preparation", "overridden", reload(part_c).version_id, dealer=personas.dealer_c,
                   note="华南区经理空缺，总部代审").status_code == 302
    markdown, _ = _overview_in_prefect(c)  # a dealer decision: published by the web process at once
    assert markdown == _overview_in_db(c) and "华南区经理空缺，总部代审" in markdown
    _decide_and_time(hq, c, "preparation", "approved", reload(c).version_id, run_id=run_id)
    for phase in ("application", "execution", "evaluation"):
        _wait(run_id, ("PAUSED", f"approve-{phase}"))
        _decide_and_time(hq, c, phase, "overridden", reload(c).version_id, note="测试：总部书面放行",
                         run_id=run_id)
    _wait(run_id, ("COMPLETED", None))
    assert reload(c).phase == "closed"
    assert _overview_in_prefect(c) == (_overview_in_db(c), run_id)
    assert "总进度 100.0%" in _overview_in_db(c)
    assert all(r.resumed for r in db.session.scalars(select(GateApproval).where(GateApproval.dealer_id.is_(None))))

    with get_client(sync_client=True) as client:
        subflows = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(run_id)])),
            sort=FlowRunSort.START_TIME_ASC, limit=20)
        run = client.read_flow_run(UUID(run_id))
    assert run.name == "2014车主回娘家" and f"campaign-{c.id}" in run.tags
    assert [client_name(r) for r in subflows] == ["planning", "preparation", "application", "execution",
                                                   "evaluation"]
    progress = httpx.get(f"{PREFECT_API_URL.value()}/artifacts/campaign-{c.id}-progress/latest").json()
    assert (progress["data"], progress["flow_run_id"]) == (100.0, run_id)
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("gate_%"))).all()
    assert sorted(set(actions)) == ["gate_approved", "gate_overridden", "gate_submitted"]


def client_name(run) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow(run.flow_id).name.split()[0]


def test_it_resumes_through_the_reconciler_an_approval_given_while_prefect_was_away(
        personas, client_for, prefect_runner, monkeypatch):
    import prefect.flow_runs

    from workflows.jobs import reconcile
    from workflows.serve import RECONCILE_EVERY_S, Ticker

    prefect_runner.start()
    hq, c = client_for(personas.hq), personas.campaign
    assert hq.post("/admin/gates/start", {"campaign_id": c.id}, csrf_from=_page(hq, c)).status_code == 302
    run_id = reload(c).flow_run_id
    _wait(run_id, ("PAUSED", "approve-planning"))
    prefect_runner.stop()

    def server_down(*args, **kwargs):
        import httpx
        raise httpx.ConnectError("Prefect server unreachable (simulated)")

    monkeypatch.setattr(prefect.flow_runs, "resume_flow_run", server_down)
    _plan(personas)
    assert _decide(hq, c, "planning", "approved", reload(c).version_id).status_code == 302
    monkeypatch.undo()
    row = db.session.scalars(select(GateApproval)).one()
    assert reload(row).resumed is False and _state(run_id) == ("PAUSED", "approve-planning")

    # the runner process: serve + the reconcile ticker, whose first tick is at its start
    prefect_runner.start()
    ticker = Ticker(RECONCILE_EVERY_S, reconcile)
    started = time.monotonic()
    ticker.start()
    try:
        while not reload(row).resumed and time.monotonic() - started < RECONCILE_EVERY_S:
            time.sleep(0.5)
        assert reload(row).resumed is True  # Prefect accepted the resume within the minute
        _wait(run_id, ("PAUSED", "approve-preparation"))
    finally:
        ticker.stopped.set()
    assert reconcile() == []  # nothing ahead any more


def test_it_starts_through_the_reconciler_a_campaign_requested_while_prefect_was_down(
        personas, client_for, prefect_runner):
    from models.audit import record
    from models.phases import START_REQUESTED
    from workflows.jobs import reconcile

    prefect_runner.start()
    c = personas.campaign
    record(db.session, user=personas.hq, action=START_REQUESTED, entity=c)  # what /start leaves behind
    db.session.commit()
    assert reload(c).flow_run_id is None
    assert reconcile() == ["started 2014车主回娘家"]
    run_id = reload(c).flow_run_id
    assert run_id
    _wait(run_id, ("PAUSED", "approve-planning"))
    assert db.session.scalars(select(AuditLog.detail).where(AuditLog.action == "campaign_started")).one() == \
        f"{run_id}（对账启动）"
    assert reconcile() == []


@pytest.mark.parametrize("dead", ["CRASHED", "CANCELLED"])
def test_it_restarts_once_a_run_that_died_while_its_campaign_is_open(personas, prefect_runner, dead):
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled, Crashed

    from workflows.client import start_campaign
    from workflows.jobs import reconcile

    prefect_runner.start()
    c = personas.campaign
    old = start_campaign(c)
    c.flow_run_id = old
    db.session.commit()
    _wait(old, ("PAUSED", "approve-planning"))  # its process has exited: nothing fights the state change
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(old), {"CRASHED": Crashed, "CANCELLED": Cancelled}[dead](), force=True)
    assert _state(old)[0] == dead
    assert reconcile() == ["restarted 2014车主回娘家"]
    new = reload(c).flow_run_id
    assert new and new != old
    assert start_campaign(reload(c), replacing=old) == new  # the key names the dead run: one restart only
    _wait(new, ("PAUSED", "approve-planning"))
    assert reconcile() == []
    assert f"替换 {old}" in db.session.scalars(select(AuditLog.detail).where(
        AuditLog.action == "campaign_restarted")).one()


def test_it_flags_exactly_the_late_dealers_of_a_fixture_week(personas, prefect_runner):
    from workflows.jobs import weekly_summary_check

    c, week = personas.campaign, dt.date(2014, 1, 20)
    db.session.add_all([
        WeeklySummary(campaign_id=c.id, dealer_id=personas.dealer_a.id, week_start=week,
                      submitted_at=dt.datetime(2014, 1, 27, 8, 59, tzinfo=dt.UTC)),   # 16:59 Shanghai
        WeeklySummary(campaign_id=c.id, dealer_id=personas.dealer_b.id, week_start=week,
                      submitted_at=dt.datetime(2014, 1, 27, 9, 1, tzinfo=dt.UTC)),    # 17:01 Shanghai
    ])
    db.session.commit()
    late = weekly_summary_check(now=dt.datetime(2014, 1, 27, 9, 0, 5, tzinfo=dt.UTC))
    assert late == ["北京乙特约店", "广州丙特约店"]
    assert {r.dealer_id for r in db.session.scalars(select(WeeklySummary).where(WeeklySummary.late))} == \
        {personas.dealer_b.id, personas.dealer_c.id}


def test_it_notifies_due_callbacks_and_stores_kpis_from_the_scheduled_flows(personas, prefect_runner):
    from models import Notification, WorkOrder
    from models.snapshots import latest
    from workflows.jobs import callback_due_list, kpi_refresh

    c = personas.campaign
    db.session.add(WorkOrder(campaign_id=c.id, dealer_id=personas.dealer_a.id, number="F1",
                             visited_on=dt.date(2014, 1, 16)))
    db.session.commit()
    now = dt.datetime(2014, 1, 24, 0, 5, tzinfo=dt.UTC)
    assert callback_due_list(now=now) == {"北京甲特约店": 1}
    assert callback_due_list(now=now) == {"北京甲特约店": 1}  # a second run the same day: no second notice
    notes = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind) for n in notes] == [(personas.coord_a.id, "callback_due")]
    assert kpi_refresh(now=now)["2014车主回娘家"]["funnel"][3]["count"] == 1
    stored = latest(db.session, c.id)
    assert stored.computed_at == now and stored.values == kpi_refresh(now=now)["2014车主回娘家"]
    assert latest(db.session, c.id, "dealer", personas.dealer_a.id).values["funnel"][3]["count"] == 1


def test_it_reports_resume_times(prefect_runner):
    """Not an assertion on speed: prints the measured approval → resume times for the report."""
    if DURATIONS:
        print(f"\napproval→resume: n={len(DURATIONS)} median={statistics.median(DURATIONS):.2f}s "
              f"max={max(DURATIONS):.2f}s")

