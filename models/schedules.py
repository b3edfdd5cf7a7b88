"""Time rules behind the scheduled jobs (DESIGN §4, seed 003), with an injectable clock.

Every function takes `now` (aware UTC) instead of reading the clock, so tests can
time-travel across Monday 17:00 Asia/Shanghai (= 09:00 UTC) and across midnight,
where the local and the UTC date differ.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .audit import Notification, record
from .base import LOCAL_TZ, local_date  # noqa: F401  (local_date re-exported)
from .campaign import Campaign, Participation
from .followup import Callback, Complaint
from .org import Dealer, User
from .reporting import WeeklySummary
from .workorder import WorkOrder

WEEKLY_DUE = dt.time(17, 0)
CALLBACK_DAYS = 7
ACK_HOURS, RESOLVE_HOURS = 24, 48  # **default** SLA from seed 003; data HQ may change later
log = logging.getLogger(__name__)


# --- weekly summary -------------------------------------------------------------------------
def weekly_due_at(week_start: dt.date) -> dt.datetime:
    """The Monday after the summarised week, 17:00 Shanghai, as UTC."""
    monday = week_start - dt.timedelta(days=week_start.weekday()) + dt.timedelta(days=7)
    return dt.datetime.combine(monday, WEEKLY_DUE, LOCAL_TZ).astimezone(dt.UTC)


def previous_week_start(now: dt.datetime) -> dt.date:
    today = local_date(now)
    return today - dt.timedelta(days=today.weekday() + 7)


def is_late(week_start: dt.date, submitted_at: dt.datetime | None, now: dt.datetime) -> bool:
    due = weekly_due_at(week_start)
    return submitted_at > due if submitted_at is not None else now > due


@dataclass(frozen=True)
class LateSummary:
    campaign_id: int
    dealer_id: int
    dealer_name: str
    week_start: dt.date
    submitted_at: dt.datetime | None


def check_weekly_summaries(session, now: dt.datetime, mailer=None) -> list[LateSummary]:
    """Flag last week's missing or late summaries and notify coordinator and regional manager.

    Lateness is stored on the WeeklySummary row (a placeholder row when nothing came in)
    because compensation eligibility reads it; running twice adds nothing.
    """
    week = previous_week_start(now)
    due = weekly_due_at(week)
    if now <= due:
        return []
    parts = session.scalars(select(Participation).join(Campaign).where(
        Campaign.starts_on <= week + dt.timedelta(days=6), Campaign.ends_on >= week,
        Campaign.phase != "closed").order_by(Participation.campaign_id, Participation.dealer_id)).all()
    late: list[LateSummary] = []
    for part in parts:
        row = session.scalar(select(WeeklySummary).where(
            WeeklySummary.campaign_id == part.campaign_id, WeeklySummary.dealer_id == part.dealer_id,
            WeeklySummary.week_start == week))
        if row is not None and not is_late(week, row.submitted_at, now):
            continue
        if row is None:
            row = WeeklySummary(campaign_id=part.campaign_id, dealer_id=part.dealer_id, week_start=week,
                                note="系统于截止时间登记：未按时提交")
            session.add(row)
        row.late = True
        late.append(LateSummary(part.campaign_id, part.dealer_id, part.dealer.name, week, row.submitted_at))
        title = f"客户信息汇总表迟交：{part.dealer.name} {week.isoformat()} 当周"
        notify(session, recipients_for(session, part.dealer, coordinators=True), kind="weekly_late",
               title=title, body=f"截止时间 {due.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}（北京时间）未收到。",
               link="/admin/weekly_summary/", dealer_id=part.dealer_id, mailer=mailer)
    session.flush()
    return late


# --- callbacks ------------------------------------------------------------------------------
CALLBACK_PHASES = ("execution", "evaluation", "closed")


def callback_due_on(visited_on: dt.date) -> dt.date:
    return visited_on + dt.timedelta(days=CALLBACK_DAYS)


def callback_status(visited_on: dt.date, attempted: bool, today: dt.date) -> str:
    if attempted:
        return "done"
    return "overdue" if today > callback_due_on(visited_on) else "due"


def _attempted_ids():
    return select(Callback.work_order_id).where(Callback.kind == "dealer", Callback.outcome != "pending",
                                                Callback.work_order_id.is_not(None))


def _who_to_call(wo: WorkOrder) -> dict[str, str | None]:
    """The customer of the visit, from the customer record or else from the sign-in (a walk-in)."""
    return {"customer_name": getattr(wo.customer, "name", None) or getattr(wo.sign_in, "name", None) or wo.number,
            "mobile": getattr(wo.customer, "mobile", None) or getattr(wo.sign_in, "mobile", None)}


def open_callbacks(session, campaign_id: int) -> int:
    """Start the callback clock: a pending dealer Callback for every visit that has none."""
    orders = session.scalars(select(WorkOrder).where(
        WorkOrder.campaign_id == campaign_id,
        WorkOrder.id.not_in(select(Callback.work_order_id).where(Callback.kind == "dealer",
                                                                  Callback.work_order_id.is_not(None))))).all()
    for wo in orders:
        session.add(Callback(campaign_id=wo.campaign_id, dealer_id=wo.dealer_id, kind="dealer",
                             work_order_id=wo.id, **_who_to_call(wo), due_on=callback_due_on(wo.visited_on)))
    session.flush()
    return len(orders)


@event.listens_for(Session, "before_flush")
def _callback_for_new_visits(session, _context, _instances) -> None:
    """A visit recorded once the campaign is in execution (admin, import, sign-in) gets its pending
    dealer callback at once — open_callbacks() covers the visits from before, at the phase start."""
    with session.no_autoflush:
        for wo in [o for o in session.new if isinstance(o, WorkOrder) and o.visited_on]:
            # the admin sets relationships, the importer ids: either may be there before the flush
            campaign = wo.campaign or (session.get(Campaign, wo.campaign_id) if wo.campaign_id else None)
            if campaign is None or campaign.phase not in CALLBACK_PHASES:
                continue
            dealer_id = wo.dealer_id if wo.dealer_id is not None else getattr(wo.dealer, "id", None)
            session.add(Callback(campaign=campaign, dealer_id=dealer_id, kind="dealer",
                                 work_order=wo, **_who_to_call(wo), due_on=callback_due_on(wo.visited_on)))
        # ...and a visit deleted takes along the callback made for it, while nobody has called yet
        # (a callback with an attempt is a record of its own and keeps the visit from deletion).
        gone = [o.id for o in session.deleted if isinstance(o, WorkOrder) and o.id is not None]
        if gone:
            for cb in session.scalars(select(Callback).where(
                    Callback.work_order_id.in_(gone), Callback.kind == "dealer",
                    Callback.outcome == "pending", Callback.called_at.is_(None))):
                session.delete(cb)


def callback_due_list(session, now: dt.datetime) -> dict[int, list[tuple[WorkOrder, dt.date, str]]]:
    """Per dealer: visits without a callback attempt, with their due date and due/overdue."""
    today = local_date(now)
    orders = session.scalars(select(WorkOrder).where(WorkOrder.id.not_in(_attempted_ids()),
                                                     WorkOrder.visited_on <= today)
                             .order_by(WorkOrder.dealer_id, WorkOrder.visited_on, WorkOrder.id)).all()
    out: dict[int, list[tuple[WorkOrder, dt.date, str]]] = {}
    for wo in orders:
        out.setdefault(wo.dealer_id, []).append(
            (wo, callback_due_on(wo.visited_on), callback_status(wo.visited_on, False, today)))
    return out


def notify_callbacks_due(session, now: dt.datetime, mailer=None) -> dict[int, tuple[int, int]]:
    """Tell each dealer's coordinators, once per Shanghai day, how many callbacks are due / overdue.

    Returns {dealer_id: (due, overdue)}. The date in the title makes a second run the same day
    add nothing (notify() is idempotent per kind + title); the next day brings a fresh notice.
    """
    today = local_date(now)
    counts: dict[int, tuple[int, int]] = {}
    for dealer_id, items in callback_due_list(session, now).items():
        overdue = sum(status == "overdue" for _, _, status in items)
        counts[dealer_id] = (len(items) - overdue, overdue)
        dealer = session.get(Dealer, dealer_id)
        coordinators = list(session.scalars(select(User).where(
            User.role == "dealer_coordinator", User.dealer_id == dealer_id, User.active.is_(True))
            .order_by(User.id)))
        notify(session, coordinators, kind="callback_due",
               title=f"{today.isoformat()} 待回访提醒：{dealer.name} 共 {len(items)} 台",
               body=f"7天回访到期 {len(items) - overdue} 台，已逾期 {overdue} 台；100%回访，请尽快联系顾客并登记回访结果。",
               link="/admin/callback/", dealer_id=dealer_id, mailer=mailer)
    session.flush()
    return counts


# --- complaints -----------------------------------------------------------------------------
def complaint_breaches(c: Complaint, now: dt.datetime) -> list[str]:
    """Which SLA the complaint broke by `now`: acknowledge in 24 h, resolve in 48 h."""
    out = []
    if (c.acknowledged_at or now) > c.registered_at + dt.timedelta(hours=ACK_HOURS):
        out.append(f"未在{ACK_HOURS}小时内受理")
    if (c.resolved_at or now) > c.registered_at + dt.timedelta(hours=RESOLVE_HOURS):
        out.append(f"未在{RESOLVE_HOURS}小时内解决")
    return out


def escalate_complaints(session, now: dt.datetime, mailer=None) -> list[Complaint]:
    """Escalate each open, late complaint once to the regional manager of its dealer."""
    open_ = session.scalars(select(Complaint).where(Complaint.escalated_at.is_(None),
                                                    Complaint.status.not_in(("resolved", "verified")))
                            .order_by(Complaint.registered_at)).all()
    escalated = []
    for c in open_:
        breaches = complaint_breaches(c, now)
        if not breaches:
            continue
        c.escalated_at = now
        escalated.append(c)
        dealer = session.get(Dealer, c.dealer_id)
        notify(session, recipients_for(session, dealer, coordinators=False), kind="complaint_escalated",
               title=f"投诉升级：{dealer.name} {c.customer_name}", body="；".join(breaches),
               link=f"/admin/complaint/details/?id={c.id}", dealer_id=c.dealer_id, mailer=mailer)
        record(session, user=None, action="complaint_escalated", entity=c, detail="；".join(breaches))
    session.flush()
    return escalated


# --- notifications ----------------------------------------------------------------------------
def recipients_for(session, dealer: Dealer, coordinators: bool) -> list[User]:
    who = (User.role == "regional_manager") & (User.region_id == dealer.region_id)
    if coordinators:
        who = who | ((User.role == "dealer_coordinator") & (User.dealer_id == dealer.id))
    return list(session.scalars(select(User).where(who, User.active.is_(True)).order_by(User.id)))


def notify(session, users: list[User], *, kind: str, title: str, body: str = "", link: str | None = None,
           dealer_id: int | None = None, mailer=None) -> list[Notification]:
    """One inbox row per person (idempotent per kind+title), plus e-mail when a mailer is given."""
    rows = []
    for user in users:
        exists = session.scalar(select(Notification.id).where(
            Notification.user_id == user.id, Notification.kind == kind, Notification.title == title))
        if exists is not None:
            continue
        row = Notification(user_id=user.id, kind=kind, title=title, body=body, link=link, dealer_id=dealer_id)
        session.add(row)
        rows.append(row)
        if mailer is not None and user.email:
            try:
                mailer(user.email, title, body)
                row.emailed_at = dt.datetime.now(dt.UTC)
            except (OSError, smtplib.SMTPException) as exc:  # the inbox row still stands
                log.warning("mail to %s failed: %s", user.email, exc)
    return rows


def smtp_mailer(config) -> callable | None:
    """A send(to, subject, body) for the configured SMTP server; None when e-mail is off."""
    host = config.get("SMTP_HOST")
    if not host:
        return None

    def send(to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = config["MAIL_FROM"], to, subject
        msg.set_content(body or subject)
        with smtplib.SMTP(host, config["SMTP_PORT"], timeout=10) as smtp:
            smtp.send_message(msg)
    return send
