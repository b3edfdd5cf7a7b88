"""Phase gates (DESIGN §3) as plain checklist functions, tested without Prefect or Flask.

A gate is a list of items, each with an ok flag, the Chinese words a coordinator
sees and the admin screen where the missing record is filled in. The admin page,
the Prefect artifacts and the approval service all read these same functions, so
"what is missing" means the same thing everywhere.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from .awards import AwardRanking
from .base import LOCAL_TZ
from .campaign import PHASE_ORDER, PHASES, Campaign, Participation
from .compensation import CompensationRule
from .followup import Callback
from .planning import PlanGoal, PlanMeeting
from .preparation import CustomerInvitation, PreparationItem, TrainingSession
from .reporting import ClosingMeeting, CoachingVisit, WeeklySummary
from .snapshots import KpiSnapshot
from .verification import VerificationTask
from .workorder import WorkOrder

# filled by the call center / HQ actions, or computed (results: the page has "重新计算"), not a form
NO_NEW_FORM = {"verification_task", "awards", "results"}
GATE_PHASES = PHASE_ORDER[:-1]  # "closed" has no gate
# Phases whose gate is also checked per dealer; planning and application are HQ work only.
DEALER_GATE_PHASES = ("preparation", "execution", "evaluation")


@dataclass(frozen=True)
class GateItem:
    key: str
    label: str
    ok: bool
    table: str  # admin endpoint (= table name) where the record is filled in
    detail: str = ""
    # the fix is on existing rows: the list filtered to them (column → value; the admin page
    # turns it into Flask-Admin filter arguments), not a "new" form
    fix: tuple[tuple[str, str], ...] | None = None
    path: str = ""  # a page other than the table's list (e.g. the dealers on the gates page)

    @property
    def link(self) -> str:
        if self.path:
            return self.path
        # a missing record is created; an existing-but-incomplete one is fixed in the (filtered) list
        fixed_in_list = self.ok or self.fix is not None or self.table in NO_NEW_FORM
        return f"/admin/{self.table}/" if fixed_in_list else f"/admin/{self.table}/new/"


@dataclass
class GateReport:
    campaign_id: int
    phase: str
    campaign_items: list[GateItem]
    dealers: dict[str, list[GateItem]] = field(default_factory=dict)  # dealer name → items

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.campaign_items) and \
            all(i.ok for items in self.dealers.values() for i in items)

    def missing(self) -> list[str]:
        out = [f"活动：{i.label}{'（' + i.detail + '）' if i.detail else ''}"
               for i in self.campaign_items if not i.ok]
        for dealer, items in self.dealers.items():
            out += [f"{dealer}：{i.label}" for i in items if not i.ok]
        return out

    def progress(self) -> float:
        items = self.campaign_items + [i for items in self.dealers.values() for i in items]
        return 100.0 if not items else round(100.0 * sum(i.ok for i in items) / len(items), 1)


def phase_label(phase: str) -> str:
    return PHASES.get(phase, phase)


def has_passed(current_phase: str, phase: str) -> bool:
    return PHASE_ORDER.index(current_phase) > PHASE_ORDER.index(phase)


def _count(session, model: type, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _results_after_window(session, campaign: Campaign, dealer_id: int | None = None) -> bool:
    """The evaluation reads final numbers: a KPI snapshot computed after the window ended."""
    ended = dt.datetime.combine(campaign.ends_on + dt.timedelta(days=1), dt.time(), LOCAL_TZ)
    scope = (KpiSnapshot.scope == "dealer", KpiSnapshot.scope_id == dealer_id) if dealer_id is not None \
        else (KpiSnapshot.scope == "campaign",)
    return _count(session, KpiSnapshot, KpiSnapshot.campaign_id == campaign.id, *scope,
                  KpiSnapshot.computed_at >= ended.astimezone(dt.UTC)) > 0


def iso_weeks(starts_on: dt.date, ends_on: dt.date) -> list[dt.date]:
    """Mondays of every ISO week that overlaps the window."""
    monday = starts_on - dt.timedelta(days=starts_on.weekday())
    weeks = []
    while monday <= ends_on:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def week_label(monday: dt.date, starts_on: dt.date, ends_on: dt.date) -> str:
    """A reporting week as the days it covers inside the window and its Monday deadline
    (周一17:00 for the week before): the first and last weeks are clipped to the window."""
    first, last = max(monday, starts_on), min(monday + dt.timedelta(days=6), ends_on)
    due = monday + dt.timedelta(days=7)
    return f"{first:%m-%d}至{last:%m-%d}（{due:%m-%d}周一17:00前）"


# --- per dealer -------------------------------------------------------------------------
def dealer_items(session, part: Participation, phase: str, today: dt.date) -> list[GateItem]:
    c, d = part.campaign_id, part.dealer_id
    mine = (lambda model: (model.campaign_id == c, model.dealer_id == d))
    if phase == "preparation":
        trainings = _count(session, TrainingSession, *mine(TrainingSession))
        invitations = _count(session, CustomerInvitation, *mine(CustomerInvitation))
        items = _count(session, PreparationItem, *mine(PreparationItem))
        unready = _count(session, PreparationItem, *mine(PreparationItem),
                         PreparationItem.ready.is_(False))
        return [
            GateItem("training", "至少一次培训", trainings > 0, "training_session", f"{trainings} 次"),
            GateItem("invitations", "顾客名单不为空", invitations > 0, "customer_invitation",
                     f"{invitations} 人"),
            GateItem("prep_items", "现场物品全部备妥", items > 0 and unready == 0, "preparation_item",
                     f"{items - unready}/{items} 已备妥", fix=(("ready", "0"),) if unready else None),
        ]
    if phase == "execution":
        campaign = part.campaign
        weeks = iso_weeks(campaign.starts_on, campaign.ends_on)
        in_ = set(session.scalars(select(WeeklySummary.week_start).where(
            *mine(WeeklySummary), WeeklySummary.week_start.in_(weeks), WeeklySummary.submitted_at.is_not(None))))
        submitted = len(in_)
        missing = [w for w in weeks if w not in in_]
        visits = _count(session, WorkOrder, *mine(WorkOrder))
        attempted = _count(session, WorkOrder, *mine(WorkOrder), WorkOrder.id.in_(
            select(Callback.work_order_id).where(Callback.kind == "dealer",
                                                 Callback.outcome != "pending")))
        return [
            GateItem("weekly", "每周客户信息汇总表已全部提交", not missing, "weekly_summary",
                     f"{submitted}/{len(weeks)} 周" + ("；缺：" + "、".join(
                         week_label(w, campaign.starts_on, campaign.ends_on) for w in missing) if missing else "")),
            GateItem("callbacks", "每台检测均已回访或记录回访尝试", attempted == visits, "callback",
                     f"{attempted}/{visits} 台", fix=(("kind", "dealer"), ("outcome", "pending"))
                     if attempted < visits else None),
        ]
    if phase == "evaluation":
        closing = _count(session, ClosingMeeting, *mine(ClosingMeeting))
        # every reported customer (first copy sent) has a task, and every task has ended
        reported = _count(session, WorkOrder, *mine(WorkOrder), WorkOrder.first_copy_sent_on.is_not(None))
        verified = _count(session, VerificationTask, *mine(VerificationTask), VerificationTask.status != "open")
        costed = _count(session, ClosingMeeting, *mine(ClosingMeeting), ClosingMeeting.cost_customer.is_not(None)
                        | ClosingMeeting.cost_staff.is_not(None) | ClosingMeeting.cost_media.is_not(None)
                        | ClosingMeeting.cost_gifts.is_not(None))
        return [
            GateItem("closing", "活动结束会议表已填写", closing > 0, "closing_meeting"),
            GateItem("closing_costs", "结束会议已填写实际费用（费用分析）", costed > 0, "closing_meeting"),
            GateItem("results", "特约店总结报告指标已在活动结束后计算", _results_after_window(session, part.campaign, d),
                     "results"),
            GateItem("verification", "呼叫中心100%核实完成", verified == reported, "verification_task",
                     f"{verified}/{reported} 人"),
        ]
    return []


# --- whole campaign -----------------------------------------------------------------------
def campaign_items(session, campaign: Campaign, phase: str, today: dt.date) -> list[GateItem]:
    items: list[GateItem] = []
    if phase == "planning":
        approved = session.scalar(
            select(func.count()).select_from(PlanMeeting).where(
                PlanMeeting.campaign_id == campaign.id, PlanMeeting.status == "approved",
                PlanMeeting.id.in_(select(PlanGoal.meeting_id)))) or 0
        items += [
            GateItem("plan", "活动计划会议表已批准且至少一个目标", approved > 0, "plan_meeting"),
            GateItem("window", "已设定执行期间（时间及主题）",
                     bool(campaign.starts_on and campaign.ends_on) and not campaign.window_problem(),
                     "campaign", campaign.window_problem() or ""),
        ]
    elif phase == "application":
        template = campaign.checklist_template
        selected = [p.dealer_id for p in campaign.participations if p.coaching_selected]
        scheduled = session.scalar(select(func.count(func.distinct(CoachingVisit.dealer_id))).where(
            CoachingVisit.campaign_id == campaign.id, CoachingVisit.dealer_id.in_(selected))) or 0
        published = _count(session, CompensationRule, CompensationRule.published.is_(True))
        items += [
            GateItem("template", "检测报告单模板已定版", bool(template and template.fixed),
                     "checklist_template", str(template) if template else "未选择模板"),
            GateItem("coaching", "选中特约店均已安排现场辅导", scheduled >= len(selected),
                     "coaching_visit", f"{scheduled}/{len(selected)} 家"),
            GateItem("compensation", "工时补偿规则已发布", published > 0, "compensation_rule"),
        ]
    elif phase == "execution":
        items.append(GateItem("window_ended", "执行期间已结束", today > campaign.ends_on, "campaign",
                              f"结束日 {campaign.ends_on.isoformat()}"))
    elif phase == "evaluation":
        awards = _count(session, AwardRanking, AwardRanking.campaign_id == campaign.id,
                        AwardRanking.published_at.is_not(None))
        items.append(GateItem("awards", "评选/奖励结果已发布", awards > 0, "awards"))
        items.append(GateItem("results", "活动总结报告指标已在活动结束后计算",
                              _results_after_window(session, campaign), "results"))
    if phase in DEALER_GATE_PHASES:
        parts = campaign.participations
        passed = sum(has_passed(p.phase, phase) for p in parts)
        items.append(GateItem("dealers", "全部参与特约店已通过本阶段关口", passed == len(parts),
                              "participation", f"{passed}/{len(parts)} 家",
                              path=f"/admin/gates/?campaign={campaign.id}#dealers"))
    return items


def gate_report(session, campaign: Campaign, phase: str, today: dt.date) -> GateReport:
    report = GateReport(campaign.id, phase, campaign_items(session, campaign, phase, today))
    if phase in DEALER_GATE_PHASES:
        for part in sorted(campaign.participations, key=lambda p: p.dealer.code):
            report.dealers[part.dealer.name] = dealer_items(session, part, phase, today)
    return report


def markdown_table(report: GateReport, base_url: str = "") -> str:
    """Dealers × gate items, ✔/✘, with links back to the admin (Prefect artifact, e-mail)."""
    lines = [f"### {phase_label(report.phase)} 关口 — 完成度 {report.progress()}%", ""]
    lines += ["| 活动 | 检查项 | 状态 |", "|---|---|---|"]
    lines += [f"| 整体 | [{i.label}]({base_url}{i.link}) {i.detail} | {'✔' if i.ok else '✘'} |"
              for i in report.campaign_items]
    if report.dealers:
        keys = [i for i in next(iter(report.dealers.values()))]
        lines += ["", "| 特约店 | " + " | ".join(i.label for i in keys) + " |",
                  "|---" * (len(keys) + 1) + "|"]
        for dealer, items in report.dealers.items():
            cells = [f"[{'✔' if i.ok else '✘'}]({base_url}{i.link}) {i.detail}" for i in items]
            lines.append(f"| {dealer} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
