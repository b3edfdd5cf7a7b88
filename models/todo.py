"""The to-do page (首页) of each role: what to do next, with a link to the form that does it.

Plain functions over the gate checklists (models.gates), the weekly-summary and callback rules
(models.schedules) and the dealer scope (models.scoping): the page only renders what they return.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from .base import LOCAL_TZ, local_date
from .campaign import Campaign, Participation
from .compensation import LaborCompensation
from .followup import Callback, Complaint
from .gates import DEALER_GATE_PHASES, GATE_PHASES, campaign_items, dealer_items, phase_label
from .phases import existing_decision, submission
from .schedules import callback_due_list, complaint_breaches, previous_week_start, weekly_due_at
from .reporting import CoachingVisit, WeeklySummary
from .scoping import scoped

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Task:
    label: str
    done: bool | None  # None: a notice, not a check
    link: str | None = None
    due: str = ""
    detail: str = ""


@dataclass
class Section:
    title: str
    tasks: list[Task] = field(default_factory=list)


def _when(value: dt.datetime) -> str:
    local = value.astimezone(LOCAL_TZ)
    return f"{local:%Y-%m-%d}（周{WEEKDAYS[local.weekday()]}）{local:%H:%M} 前"


def _running(session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).where(Campaign.phase != "closed")
                                .order_by(Campaign.starts_on.desc())))


def _visible_parts(session, campaign: Campaign, user) -> list[Participation]:
    return list(session.scalars(scoped(select(Participation), Participation, user)
                                .where(Participation.campaign_id == campaign.id)
                                .order_by(Participation.dealer_id)))


def _gates_link(campaign: Campaign) -> str:
    return f"/admin/gates/?campaign={campaign.id}"


# --- dealer staff ------------------------------------------------------------------------------
def _gate_tasks(session, part: Participation, today: dt.date, user) -> list[Task]:
    campaign = part.campaign
    if part.phase not in DEALER_GATE_PHASES:
        return [Task(f"「{phase_label(part.phase)}」阶段由厂家推进，本店暂无关口事项", None,
                     _gates_link(campaign))]
    items = dealer_items(session, part, part.phase, today)
    tasks = [Task(i.label, i.ok, i.link, detail=i.detail) for i in items]
    if user.role != "dealer_coordinator":
        return tasks
    submitted = submission(session, part, part.phase)
    decision = existing_decision(session, campaign.id, part.phase, part.dealer_id)
    if decision is not None and decision.decision != "refused":
        tasks.append(Task("关口已通过", True, _gates_link(campaign)))
    elif submitted is not None:
        tasks.append(Task("已提交审核，等待区域经理审批", None, _gates_link(campaign),
                          detail=f"提交于 {submitted.at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}"))
    else:
        tasks.append(Task("检查项全部满足后提交关口审核", False, _gates_link(campaign)))
    return tasks


def _weekly_task(session, part: Participation, now: dt.datetime) -> Task | None:
    """Last week's 客户信息汇总表, due Monday 17:00, while the campaign's weeks are being reported."""
    campaign = part.campaign
    week = previous_week_start(now)
    if part.phase != "execution" or not (campaign.starts_on - dt.timedelta(days=6) <= week
                                         <= campaign.ends_on):
        return None
    sent = session.scalar(select(func.count()).select_from(WeeklySummary).where(
        WeeklySummary.campaign_id == campaign.id, WeeklySummary.dealer_id == part.dealer_id,
        WeeklySummary.week_start == week, WeeklySummary.submitted_at.is_not(None))) or 0
    return Task(f"提交上周（{week:%m-%d} 起）客户信息汇总表", sent > 0,
                "/admin/weekly_summary/" if sent else f"/admin/weekly_summary/new/?week_start={week}",
                due=_when(weekly_due_at(week)))


def _callback_task(session, dealer_id: int, now: dt.datetime) -> Task:
    due = callback_due_list(session, now).get(dealer_id, [])
    overdue = sum(1 for _, _, status in due if status == "overdue")
    first = min((on for _, on, _ in due), default=None)
    detail = f"其中逾期 {overdue} 台" if overdue else ""
    return Task(f"100%服务回访：待回访 {len(due)} 台" if due else "100%服务回访：没有待回访的检测",
                not due, "/admin/callback/", due=f"最早 {first:%Y-%m-%d} 前" if first else "",
                detail=detail)


def _dealer_sections(session, user, now: dt.datetime) -> list[Section]:
    today = local_date(now)
    sections = []
    for campaign in _running(session):
        for part in _visible_parts(session, campaign, user):
            section = Section(f"{campaign.name} · {part.dealer.name} · {phase_label(part.phase)}阶段",
                              _gate_tasks(session, part, today, user))
            weekly = _weekly_task(session, part, now)
            if weekly is not None:
                section.tasks.append(weekly)
            if part.phase == "execution":
                section.tasks.append(_callback_task(session, part.dealer_id, now))
            sections.append(section)
    return sections


# --- reviewers -----------------------------------------------------------------------------------
def _waiting_reviews(session, user, campaign: Campaign) -> list[Task]:
    tasks = []
    for part in _visible_parts(session, campaign, user):
        submitted = submission(session, part, part.phase)
        if submitted is None or existing_decision(session, campaign.id, part.phase, part.dealer_id):
            continue
        tasks.append(Task(f"{part.dealer.name}「{phase_label(part.phase)}」关口待审批", False,
                          _gates_link(campaign),
                          detail=f"提交于 {submitted.at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}"))
    return tasks


def _late_complaints(session, user, now: dt.datetime) -> list[Task]:
    """Open complaints past their SLA (24 h to acknowledge, 48 h to resolve) in the user's scope."""
    open_ = session.scalars(scoped(select(Complaint), Complaint, user)
                            .where(Complaint.status.not_in(("resolved", "verified")))
                            .order_by(Complaint.registered_at)).all()
    return [Task(f"{c.dealer.name} {c.customer_name} 的投诉已超时", False,
                 f"/admin/complaint/details/?id={c.id}", detail="；".join(breaches))
            for c in open_ if (breaches := complaint_breaches(c, now))]


def _compensation_waiting(session) -> list[Task]:
    """工时补偿 HQ has to act on: calculated ones to approve, approved ones to pay."""
    counts = dict(session.execute(select(LaborCompensation.status, func.count()).where(
        LaborCompensation.status.in_(("calculated", "approved"))).group_by(LaborCompensation.status)).all())
    return [Task(label.format(n=counts[status]), False, "/admin/labor_compensation/")
            for status, label in (("calculated", "工时补偿待批准 {n} 笔"), ("approved", "工时补偿已批准待支付 {n} 笔"))
            if counts.get(status)]


def _manager_sections(session, user, now: dt.datetime) -> list[Section]:
    sections = []
    for campaign in _running(session):
        tasks = _waiting_reviews(session, user, campaign)
        sections.append(Section(f"{campaign.name} · 待审批的特约店关口",
                                tasks or [Task("没有等待审批的关口", True, _gates_link(campaign))]))
    if late := _late_complaints(session, user, now):
        sections.append(Section("超时未处理的投诉", late))
    return sections


def _hq_sections(session, user, now: dt.datetime) -> list[Section]:
    today = local_date(now)
    sections = []
    for campaign in _running(session):
        tasks = []
        if campaign.phase in GATE_PHASES:
            items = campaign_items(session, campaign, campaign.phase, today)
            decided = existing_decision(session, campaign.id, campaign.phase, None)
            missing = [i.label for i in items if not i.ok]
            tasks.append(Task(f"活动关口「{phase_label(campaign.phase)}」", bool(decided),
                              _gates_link(campaign),
                              detail="已审批" if decided else ("待补：" + "、".join(missing) if missing
                                                                else "条件已满足，待审批")))
        tasks += _waiting_reviews(session, user, campaign)
        sections.append(Section(f"{campaign.name} · {phase_label(campaign.phase)}阶段", tasks))
    if follow_up := _late_complaints(session, user, now) + _compensation_waiting(session):
        sections.append(Section("超时的投诉与待办的工时补偿", follow_up))
    return sections


# --- call center and coaches ------------------------------------------------------------------
def _call_center_sections(session, user, now: dt.datetime) -> list[Section]:
    today = local_date(now)
    pending = scoped(select(Callback), Callback, user).where(
        Callback.kind == "verification", Callback.outcome == "pending", Callback.due_on <= today)
    calls = session.scalars(pending.order_by(Callback.due_on, Callback.id)).all()
    tasks = [Task(f"{c.customer_name} {c.mobile or ''}".strip(), False,
                  f"/admin/callback/edit/?id={c.id}", due=f"{c.due_on:%Y-%m-%d} 前")
             for c in calls]
    return [Section(f"今日核实回访队列（{len(calls)} 个）",
                    tasks or [Task("今天没有待核实的回访", True, "/admin/callback/")])]


def _coach_sections(session, user, now: dt.datetime) -> list[Section]:
    visits = session.scalars(scoped(select(CoachingVisit), CoachingVisit, user)
                             .where(CoachingVisit.status == "scheduled")
                             .order_by(CoachingVisit.visit_on)).all()
    tasks = [Task(f"{v.dealer.name} 现场辅导", False, f"/admin/coaching_visit/edit/?id={v.id}",
                  due=f"{v.visit_on:%Y-%m-%d}") for v in visits]
    return [Section("已安排的现场辅导", tasks or [Task("没有已安排的现场辅导", True,
                                                       "/admin/coaching_visit/")])]


BY_ROLE = {"dealer_coordinator": _dealer_sections, "service_advisor": _dealer_sections,
           "regional_manager": _manager_sections, "hq_admin": _hq_sections,
           "call_center": _call_center_sections, "coach": _coach_sections}


def todo(session, user, now: dt.datetime) -> list[Section]:
    """What `user` has to do next, in sections; only what the user's dealer scope lets them see."""
    return BY_ROLE.get(user.role, lambda *_: [])(session, user, now)
