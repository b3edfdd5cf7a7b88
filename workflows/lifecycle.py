"""The campaign lifecycle flow: five phase subflows, each ending at a gate that waits for a person.

The flow is thin on purpose: every rule lives in models/ (gates, phases, schedules)
and the database is the system of record. After any resume the run starts again
from the top, finished phase subflows return their persisted results, and each
gate is decided by re-reading the database — never by trusting the resume input.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator

from prefect import flow, get_run_logger, task
from prefect.flow_runs import suspend_flow_run
from prefect.cache_policies import NO_CACHE
from prefect.input import RunInput

FLOW_NAME = "campaign-lifecycle"
DEPLOYMENT = f"{FLOW_NAME}/{FLOW_NAME}"
MAX_WAITS = 50  # a gate re-suspends when resumed without a database approval (e.g. from the Prefect UI)
_APP = None


@contextlib.contextmanager
def database() -> Iterator:
    """The app's db.session; builds the app from the environment inside a runner process."""
    global _APP
    from flask import has_app_context

    from models import db

    if has_app_context():
        yield db.session
        return
    if _APP is None:
        from app import create_app

        _APP = create_app()
    with _APP.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()


def config(key: str, default: str = "") -> str:
    # flask imported here: a module-level LocalProxy would make the flows unpicklable for the runner
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config.get(key, default)
    return os.environ.get(key, default)


def public_base_url() -> str:
    """Absolute links to the admin (artifacts, the pause dialog): the app's PUBLIC_BASE_URL."""
    with database():
        return config("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")


def _flask_config():
    from flask import current_app

    return current_app.config


class Approval(RunInput):
    """What the admin sends when it resumes a run: who decided which gate, when and why."""

    phase: str
    decision: str
    decided_by: str
    decided_at: dt.datetime
    note: str = ""


# --- tasks: small, typed, each one call into models/ ----------------------------------------------
@task
def gate_check(campaign_id: int, phase: str) -> dict:
    """Check the gate; refresh the campaign's overview on the parent run (links back to the admin)."""
    from models import Campaign
    from models.gates import gate_report
    from models.schedules import local_date

    from .client import publish_overview

    with database() as session:
        campaign = session.get(Campaign, campaign_id)
        report = gate_report(session, campaign, phase, local_date(dt.datetime.now(dt.UTC)))
        publish_overview(session, campaign, public_base_url())
        return {"ok": report.ok, "progress": report.progress(), "missing": report.missing()}


@task
def notify_dealers(campaign_id: int, phase: str) -> int:
    """Tell each participating dealer's coordinator that a phase has begun (idempotent)."""
    from models import Campaign
    from models.gates import phase_label
    from models.schedules import notify, recipients_for, smtp_mailer

    with database() as session:
        campaign = session.get(Campaign, campaign_id)
        mailer = smtp_mailer(_flask_config())
        sent = 0
        for part in campaign.participations:
            sent += len(notify(session, recipients_for(session, part.dealer, coordinators=True),
                               kind="phase_started", title=f"{campaign.name}：进入「{phase_label(phase)}」阶段",
                               link=f"/admin/gates/?campaign={campaign_id}", dealer_id=part.dealer_id,
                               mailer=mailer))
        session.commit()
        return sent


@task
def start_callback_clock(campaign_id: int) -> int:
    from models.schedules import open_callbacks

    with database() as session:
        opened = open_callbacks(session, campaign_id)
        session.commit()
        return opened


@task(cache_policy=NO_CACHE)  # a fresh reading every time
def refresh_kpis(campaign_id: int) -> dict[str, str]:
    """Store the results the evaluation gate and the closing reports read; return the headline."""
    from models import Campaign
    from models.results import headline
    from models.snapshots import refresh_snapshots

    with database() as session:
        snapshot = refresh_snapshots(session, session.get(Campaign, campaign_id))
        session.commit()
        return dict(headline(snapshot.values))


@task
def open_verification(campaign_id: int) -> int:
    """Every reported customer becomes a call-center task (idempotent)."""
    from models.verification import create_tasks

    with database() as session:
        made = create_tasks(session, campaign_id)
        session.commit()
        return made


@task(cache_policy=NO_CACHE)  # on every run: claims arrive while the phase waits
def calculate_compensations(campaign_id: int) -> dict[str, str]:
    from models.compensation_steps import calculate_claimed

    with database() as session:
        done = calculate_claimed(session, campaign_id)
        session.commit()
        return done


@task(cache_policy=NO_CACHE)  # re-read after every resume; a cached False would wait forever
def gate_passed(campaign_id: int, phase: str) -> str:
    """Read the decision from the database; mark it as seen by the run (the reconciler skips it).
    Returns who decided what (for the run's log), "" while the gate is open."""
    from models.base import LOCAL_TZ
    from models.campaign import DECISION_LABELS
    from models.gates import phase_label
    from models.phases import campaign_gate_passed

    with database() as session:
        row = campaign_gate_passed(session, campaign_id, phase)
        if row is None:
            return ""
        said = (f"「{phase_label(phase)}」关口{DECISION_LABELS[row.decision]}："
                f"{row.decided_by.full_name or row.decided_by.username}，"
                f"{row.decided_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}（北京时间）" +
                (f"，说明：{row.note}" if row.note else ""))
        if not row.resumed:
            row.resumed = True
            session.commit()
        return said


# --- the five phases, each readable as its checklist --------------------------------------------
@flow(name="planning 提出", persist_result=True, flow_run_name="campaign-{campaign_id}-planning")
def planning(campaign_id: int) -> dict:
    return gate_check(campaign_id, "planning")


@flow(name="preparation 准备", persist_result=True, flow_run_name="campaign-{campaign_id}-preparation")
def preparation(campaign_id: int) -> dict:
    notify_dealers(campaign_id, "preparation")
    return gate_check(campaign_id, "preparation")


@flow(name="application 申请", persist_result=True, flow_run_name="campaign-{campaign_id}-application")
def application(campaign_id: int) -> dict:
    notify_dealers(campaign_id, "application")
    return gate_check(campaign_id, "application")


@flow(name="execution 执行", persist_result=True, flow_run_name="campaign-{campaign_id}-execution")
def execution(campaign_id: int) -> dict:
    notify_dealers(campaign_id, "execution")
    start_callback_clock(campaign_id)
    return gate_check(campaign_id, "execution")


@flow(name="evaluation 测评", persist_result=True, flow_run_name="campaign-{campaign_id}-evaluation")
def evaluation(campaign_id: int) -> dict:
    refresh_kpis(campaign_id)
    notify_dealers(campaign_id, "evaluation")  # asks for the closing meetings
    open_verification(campaign_id)
    calculate_compensations(campaign_id)
    return gate_check(campaign_id, "evaluation")


PHASE_FLOWS = [("planning", planning), ("preparation", preparation), ("application", application),
               ("execution", execution), ("evaluation", evaluation)]


def wait_for_gate(campaign_id: int, phase: str, summary: dict) -> None:
    """Suspend until the database holds the campaign-gate decision for `phase`."""
    from models.gates import phase_label

    logger = get_run_logger()
    for attempt in range(MAX_WAITS):
        decided = gate_passed(campaign_id, phase)
        if decided:
            logger.info(decided)  # from the database, the system of record
            return
        missing = "\n".join(f"- {m}" for m in summary["missing"]) or "- 检查项已全部满足，等待审批"
        description = (f"**{phase_label(phase)}关口**等待审批（完成度 {summary['progress']}%）。"
                       f"请在管理台审批：{public_base_url()}/admin/gates/?campaign={campaign_id}\n\n"
                       f"未满足：\n{missing}")
        key = f"approve-{phase}" if attempt == 0 else f"approve-{phase}-{attempt}"
        approval = suspend_flow_run(wait_for_input=Approval.with_initial_data(
            description=description, phase=phase, decision="approved", decided_by="",
            decided_at=dt.datetime.now(dt.UTC)), key=key, timeout=None)
        # the input is only a wake-up call (the Prefect UI can send one without a decision):
        # the loop re-reads the database and waits again if it holds no decision
        logger.info("resumed at the %s gate (input from %s); re-reading the decision from the database",
                    phase, approval.decided_by or "the Prefect UI")
    raise RuntimeError(f"{phase} gate resumed {MAX_WAITS} times without an approval in the database")


@flow(name=FLOW_NAME, persist_result=True)
def campaign_lifecycle(campaign_id: int) -> str:
    for phase, phase_flow in PHASE_FLOWS:
        summary = phase_flow(campaign_id)
        wait_for_gate(campaign_id, phase, summary)
    return "closed"
