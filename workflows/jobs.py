"""Scheduled deployments (DESIGN §5): weekly summary check, callback due list, complaint
escalation, nightly KPI refresh, and the reconciler that keeps Prefect in step with the database.

Each flow is a thin wrapper: the rule is a function in models/schedules.py or models/phases.py,
the flow adds the clock, the transaction and an artifact for the Prefect UI.
"""
from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from .lifecycle import _flask_config, database, public_base_url



def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    return now if now.tzinfo else now.replace(tzinfo=dt.UTC)


@flow(name="weekly-summary-check")
def weekly_summary_check(now: dt.datetime | None = None) -> list[str]:
    """Mondays 17:00 Asia/Shanghai: who has not sent last week's 免费检测客户信息汇总表."""
    from models.schedules import check_weekly_summaries, smtp_mailer

    with database() as session:
        late = check_weekly_summaries(session, _now(now), mailer=smtp_mailer(_flask_config()))
        session.commit()
    rows = [{"特约店": x.dealer_name, "周一日期": x.week_start.isoformat(),
             "提交时间": x.submitted_at.isoformat() if x.submitted_at else "未提交"} for x in late]
    create_table_artifact(rows or [{"特约店": "无迟交"}], key="weekly-summary-late",
                          description="上周客户信息汇总表迟交名单")
    return [x.dealer_name for x in late]


@flow(name="callback-due-list")
def callback_due_list(now: dt.datetime | None = None) -> dict[str, int]:
    """Daily: visits whose 7-day callback is due or overdue, per dealer."""
    from models import Dealer
    from models.schedules import callback_due_list as due_list
    from models.schedules import notify_callbacks_due, smtp_mailer

    with database() as session:
        due = due_list(session, _now(now))
        notify_callbacks_due(session, _now(now), mailer=smtp_mailer(_flask_config()))
        session.commit()
        rows = [{"特约店": session.get(Dealer, d).name, "工单": wo.number, "应回访日期": on.isoformat(),
                 "状态": "已逾期" if status == "overdue" else "待回访"}
                for d, items in due.items() for wo, on, status in items]
        counts = {session.get(Dealer, d).name: len(items) for d, items in due.items()}
    create_table_artifact(rows or [{"特约店": "无待回访"}], key="callback-due-list",
                          description="100%回访：到期及逾期清单")
    return counts


@flow(name="complaint-escalation")
def complaint_escalation(now: dt.datetime | None = None) -> list[int]:
    """Hourly: complaints not acknowledged in 24 h or not resolved in 48 h → regional manager."""
    from models.schedules import escalate_complaints, smtp_mailer

    with database() as session:
        escalated = [c.id for c in escalate_complaints(session, _now(now), mailer=smtp_mailer(_flask_config()))]
        session.commit()
    return escalated


@flow(name="kpi-refresh")
def kpi_refresh(now: dt.datetime | None = None) -> dict[str, dict]:
    """Nightly: every open campaign's KPIs, per dealer and in total, stored as KpiSnapshot rows
    (models.snapshots) for the result pages and published as the campaign table artifact."""
    from sqlalchemy import select

    from models import Campaign, Dealer
    from models.results import headline
    from models.snapshots import latest, refresh_snapshots

    kpis: dict[str, dict] = {}
    rows: list[dict[str, str]] = []
    with database() as session:
        for c in session.scalars(select(Campaign).where(Campaign.phase != "closed").order_by(Campaign.id)):
            kpis[c.name] = refresh_snapshots(session, c, _now(now)).values
            rows.append({"活动": c.name, "特约店": "合计", **dict(headline(kpis[c.name]))})
            for part in sorted(c.participations, key=lambda p: p.dealer.code):
                values = latest(session, c.id, "dealer", part.dealer_id).values
                rows.append({"活动": c.name, "特约店": session.get(Dealer, part.dealer_id).name,
                             **dict(headline(values))})
        session.commit()
    create_table_artifact(rows or [{"活动": "无"}], key="campaign-kpis", description="活动 KPI（每晚刷新）")
    return kpis


@flow(name="reconcile-campaign-runs")
def reconcile() -> list[str]:
    """Every few minutes: resume runs waiting at a gate the database has already passed,
    restart (once per dead run) runs that failed, crashed or were cancelled while their campaign
    is open, start campaigns whose start was requested while Prefect was down."""
    from models import Campaign
    from models.audit import record
    from models.phases import campaign_gate_passed, reconcile_steps

    from sqlalchemy import select

    from .client import publish_overview, resume, run_state, start_campaign

    logger = get_run_logger()
    actions: list[str] = []
    with database() as session:
        for step in reconcile_steps(session, run_state):
            campaign = session.get(Campaign, step.campaign_id)
            if step.kind == "resume":
                approval = campaign_gate_passed(session, campaign.id, step.phase)
                if resume(campaign.flow_run_id, approval):
                    approval.resumed = True
                    actions.append(f"resumed {campaign.name} at {step.phase}")
                continue
            # the idempotency key names the dead run, so a second pass cannot start a second copy
            new_id = start_campaign(campaign, replacing=step.dead_run_id)
            if not new_id:
                continue  # Prefect went away again: next time
            campaign.flow_run_id = new_id
            verb = "restarted" if step.kind == "restart" else "started"
            record(session, user=None, action=f"campaign_{verb}", entity=campaign,
                   detail=new_id + (f"（替换 {step.dead_run_id}）" if step.dead_run_id else "（对账启动）"))
            actions.append(f"{verb} {campaign.name}")
        session.commit()
        for campaign in session.scalars(select(Campaign).where(Campaign.flow_run_id.is_not(None))
                                        .order_by(Campaign.id)):
            publish_overview(session, campaign, public_base_url(), only_if_changed=True)
    for line in actions:
        logger.info(line)
    if actions:
        create_markdown_artifact("\n".join(f"- {a}" for a in actions), key="reconcile-actions",
                                 description="对账：已续跑/重启的活动流程")
    return actions
