"""Gate decisions tell people (DESIGN §6), coordinators pass dealer gates to review, and the
reconciler's decisions — all plain functions, tested without Prefect."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from models import AuditLog, Campaign, Notification, db
from models.phases import (GateError, ReconcileStep, START_REQUESTED, approve, override, reconcile_steps,
                           refuse, submission, submit_for_review)
from models.audit import record
from tests.conftest import make_user
from tests.factories import move_to_phase, participation_of, prepare_dealer, submit

TODAY = dt.date(2014, 1, 10)
NOW = dt.datetime(2014, 1, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 Shanghai


def _notes():
    return db.session.scalars(select(Notification).order_by(Notification.id)).all()


# --- notifications on decisions ---------------------------------------------------------------------
def test_it_tells_the_dealer_coordinator_of_a_refusal_with_the_reason(personas):
    move_to_phase(personas.campaign, "preparation")
    a = personas.dealer_a
    refuse(db.session, user=personas.rm, campaign=personas.campaign, phase="preparation", dealer_id=a.id,
           note="礼品未到", version=participation_of(personas.campaign, a).version_id, now=NOW)
    [note] = _notes()
    assert note.user_id == personas.coord_a.id and note.kind == "gate_refused" and note.dealer_id == a.id
    assert "北京甲特约店" in note.title and "「准备」关口被驳回" in note.title and "2014-01-10 10:00" in note.title
    assert note.body == "驳回原因：礼品未到"


def test_it_tells_the_dealer_coordinator_of_an_approval_and_a_second_refusal_again(personas):
    move_to_phase(personas.campaign, "preparation")
    c, a = personas.campaign, personas.dealer_a
    refuse(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=a.id, note="礼品未到",
           version=participation_of(personas.campaign, a).version_id, now=NOW)
    refuse(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=a.id, note="名单为空",
           version=participation_of(personas.campaign, a).version_id, now=NOW + dt.timedelta(hours=1))
    prepare_dealer(c, a, TODAY)
    submit(c, a, now=NOW + dt.timedelta(hours=1, minutes=30))
    approve(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=a.id,
            version=participation_of(personas.campaign, a).version_id, now=NOW + dt.timedelta(hours=2))
    notes = _notes()
    assert [(n.user_id, n.kind) for n in notes] == [(personas.coord_a.id, "gate_refused")] * 2 + \
        [(personas.rm.id, "gate_submitted"), (personas.coord_a.id, "gate_approved")]
    assert notes[1].body == "驳回原因：名单为空" and "「准备」关口已批准" in notes[3].title
    assert all(n.user_id != personas.coord_b.id for n in notes)  # another dealer hears nothing


def test_it_tells_regional_managers_and_other_hq_of_a_refused_campaign_gate(personas):
    hq2 = make_user("hq2", "hq_admin")
    south_rm = make_user("rm_s", "regional_manager", region_id=personas.other_region.id)
    make_user("rm_x", "regional_manager", region_id=None)  # no region: not concerned
    db.session.flush()
    c = personas.campaign
    refuse(db.session, user=personas.hq, campaign=c, phase="planning", note="目标不明确",
           version=c.version_id, now=NOW)
    notes = _notes()
    assert sorted(n.user_id for n in notes) == sorted([personas.rm.id, south_rm.id, hq2.id])
    assert {n.body for n in notes} == {"驳回原因：目标不明确"} and "活动整体" not in notes[0].title
    # a passed campaign gate is announced by the flow ("phase started"), not here
    override(db.session, user=personas.hq, campaign=c, phase="planning", note="总部会议口头批准",
             version=c.version_id, now=NOW + dt.timedelta(hours=1))
    assert len(_notes()) == 3


def test_it_emails_decision_notices_through_the_given_mailer(personas):
    move_to_phase(personas.campaign, "preparation")
    personas.coord_a.email = "a@example.com"
    sent = []
    refuse(db.session, user=personas.rm, campaign=personas.campaign, phase="preparation",
           dealer_id=personas.dealer_a.id, note="礼品未到", version=participation_of(personas.campaign, personas.dealer_a).version_id,
           now=NOW, mailer=lambda to, subject, body: sent.append((to, body)))
    assert sent == [("a@example.com", "驳回原因：礼品未到")] and _notes()[0].emailed_at is not None


# --- a coordinator passes the dealer gate to review --------------------------------------------------
def test_it_lets_a_coordinator_submit_a_complete_dealer_gate_once_and_tells_the_manager(personas):
    move_to_phase(personas.campaign, "preparation")
    c, a = personas.campaign, personas.dealer_a
    with pytest.raises(GateError, match="关口条件未满足，不能提交审核：至少一次培训、顾客名单不为空、现场物品全部备妥") as e:
        submit_for_review(db.session, user=personas.coord_a, campaign=c, dealer_id=a.id, phase="preparation",
                          now=NOW)
    assert e.value.status == 400
    prepare_dealer(c, a, TODAY)
    row = submit_for_review(db.session, user=personas.coord_a, campaign=c, dealer_id=a.id, phase="preparation",
                            now=NOW)
    assert (row.action, row.entity, row.dealer_id, row.user_id) == \
        ("gate_submitted", "Participation", a.id, personas.coord_a.id)
    assert submission(db.session, participation_of(personas.campaign, a), "preparation") == row
    [note] = _notes()
    assert note.user_id == personas.rm.id and note.kind == "gate_submitted" and "提交审核" in note.title
    with pytest.raises(GateError, match="已于 2014-01-10 10:00（北京时间）提交审核") as e:
        submit_for_review(db.session, user=personas.coord_a, campaign=c, dealer_id=a.id, phase="preparation",
                          now=NOW + dt.timedelta(minutes=5))
    assert e.value.status == 409


def test_it_allows_a_new_submission_after_a_refusal(personas):
    move_to_phase(personas.campaign, "preparation")
    c, a = personas.campaign, personas.dealer_a
    prepare_dealer(c, a, TODAY)
    submit_for_review(db.session, user=personas.coord_a, campaign=c, dealer_id=a.id, phase="preparation", now=NOW)
    refuse(db.session, user=personas.rm, campaign=c, phase="preparation", dealer_id=a.id, note="照片不清楚",
           version=participation_of(personas.campaign, a).version_id, now=NOW + dt.timedelta(hours=1))
    assert submission(db.session, participation_of(personas.campaign, a), "preparation") is None
    again = submit_for_review(db.session, user=personas.coord_a, campaign=c, dealer_id=a.id,
                              phase="preparation", now=NOW + dt.timedelta(hours=2))
    assert submission(db.session, participation_of(personas.campaign, a), "preparation") == again


def test_it_refuses_submissions_by_others_and_for_gates_not_reached(personas):
    c, a = personas.campaign, personas.dealer_a
    with pytest.raises(GateError, match="尚未到达「准备」关口"):
        submit_for_review(db.session, user=personas.coord_a, campaign=c, dealer_id=a.id, phase="preparation")
    move_to_phase(personas.campaign, "preparation")
    prepare_dealer(c, a, TODAY)
    with pytest.raises(GateError, match="只能为本特约店提交审核") as e:
        submit_for_review(db.session, user=personas.coord_b, campaign=c, dealer_id=a.id, phase="preparation")
    assert e.value.status == 404
    for user in (personas.rm, personas.hq, personas.sa_a):
        with pytest.raises(GateError, match="只有特约店活动协调员") as e:
            submit_for_review(db.session, user=user, campaign=c, dealer_id=a.id, phase="preparation")
        assert e.value.status == 403
    with pytest.raises(GateError, match="没有特约店关口"):
        submit_for_review(db.session, user=personas.coord_a, campaign=c, dealer_id=a.id, phase="planning")
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "gate_submitted")) is None


# --- the reconciler's decisions ------------------------------------------------------------------------
def _campaign(name, run_id=None, phase="planning"):
    c = Campaign(name=name, type="homecoming", starts_on=dt.date(2014, 1, 15), ends_on=dt.date(2014, 2, 17),
                 flow_run_id=run_id, phase=phase)
    db.session.add(c)
    db.session.flush()
    return c


def test_it_decides_what_the_reconciler_must_do_from_run_states(personas):
    c = personas.campaign
    override(db.session, user=personas.hq, campaign=c, phase="planning", note="计划已口头确认",
             version=c.version_id, now=NOW)
    c.flow_run_id = "run-waiting"
    crashed, failed, cancelled = _campaign("甲", "run-crashed"), _campaign("乙", "run-failed"), \
        _campaign("丙", "run-cancelled")
    closed = _campaign("丁", "run-failed-2", phase="closed")
    unknown, running = _campaign("戊", "run-unknown"), _campaign("己", "run-running")
    ahead_not = _campaign("庚", "run-waiting-2")  # suspended at planning, not yet approved
    requested = _campaign("辛")
    record(db.session, user=personas.hq, action=START_REQUESTED, entity=requested)
    never = _campaign("壬")  # no start requested: left alone
    db.session.flush()
    states = {"run-waiting": ("PAUSED", "approve-planning"), "run-crashed": ("CRASHED", None),
              "run-failed": ("FAILED", None), "run-cancelled": ("CANCELLED", None),
              "run-failed-2": ("FAILED", None), "run-running": ("RUNNING", None),
              "run-waiting-2": ("PAUSED", "approve-planning")}
    steps = reconcile_steps(db.session, states.get)
    assert steps == [ReconcileStep("resume", c.id, phase="planning"),
                     ReconcileStep("restart", crashed.id, dead_run_id="run-crashed"),
                     ReconcileStep("restart", failed.id, dead_run_id="run-failed"),
                     ReconcileStep("restart", cancelled.id, dead_run_id="run-cancelled"),
                     ReconcileStep("start", requested.id)]
    assert {closed.id, unknown.id, running.id, ahead_not.id, never.id}.isdisjoint(s.campaign_id for s in steps)
    # once restarted (new run id, not dead) the campaign needs nothing more
    crashed.flow_run_id, states["run-new"] = "run-new", ("SCHEDULED", None)
    assert ReconcileStep("restart", crashed.id, dead_run_id="run-crashed") not in \
        reconcile_steps(db.session, states.get)
