"""Nobody certifies their own work (DESIGN §3, §4, §6).

A certifying field judges a dealer's work: the plan's approval, the call center's verification of a
visit, the server's stamp of when a weekly summary came in. Such a field is never typed into a form
by the party it judges; it changes only through an action of the role that owns it, and every
action is audited. Certified records are not edited by the judged party any more, nor deleted.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import object_session

from .audit import record
from .followup import Callback, Complaint
from .planning import STATUS as PLAN_STATUS, PlanMeeting
from .reporting import RevenueReport, WeeklySummary
from .ownership import dealer_move
from .schedules import is_late
from .workorder import WorkOrder

NOBODY: frozenset[str] = frozenset()
CALL_CENTER = frozenset({"call_center"})
PLAN_APPROVERS = frozenset({"hq_admin", "regional_manager"})

# model → {field: roles that may type it into a form}. Every other role never sees it as an input;
# the value comes from an action below or is derived on save.
CERTIFYING: dict[type, dict[str, frozenset[str]]] = {
    PlanMeeting: {"status": NOBODY},
    Callback: {"kind": NOBODY, "visit_confirmed": CALL_CENTER},
    WeeklySummary: {"submitted_at": NOBODY, "late": NOBODY},
    RevenueReport: {"submitted_at": NOBODY},
    WorkOrder: {"first_copy_sent_on": NOBODY},  # 第一联 on time makes an inspection eligible (DESIGN §4)
}


class CertifyError(ValueError):
    """An action the user may not take on this record; the message is for the user."""


def hidden_fields(model: type, user: Any) -> set[str]:
    """The certifying fields this user may not type on this model's form."""
    role = getattr(user, "role", None)
    return {name for name, roles in CERTIFYING.get(model, {}).items() if role not in roles}


def _is_dealer_staff(user: Any) -> bool:
    return getattr(user, "dealer_id", None) is not None


def callback_kind_for(user: Any) -> str:
    """A callback's kind follows from who makes it: the call center verifies, everyone else calls back."""
    return "verification" if getattr(user, "role", None) == "call_center" else "dealer"


def edit_problem(obj: Any, user: Any) -> str | None:
    """Why this user may not change this stored record, or None."""
    if getattr(user, "role", None) != "hq_admin" and dealer_move(obj) is not None:
        return "只有总部可以把记录改到其他特约店"
    if isinstance(obj, PlanMeeting) and obj.status in ("submitted", "approved") and _is_dealer_staff(user):
        return f"计划会议表{PLAN_STATUS[obj.status]}，特约店不能再修改；如需修改请联系总部驳回"
    if isinstance(obj, Callback) and obj.kind != callback_kind_for(user) \
            and not (obj.kind == "dealer" and user.role == "hq_admin"):
        return "呼叫中心核实记录只能由呼叫中心修改" if obj.kind == "verification" \
            else "特约店回访记录只能由特约店修改"
    if isinstance(obj, WeeklySummary) and obj.submitted_at is not None and _is_dealer_staff(user):
        return "该周客户信息汇总表已提交，不能再修改"
    return None


def delete_problem(obj: Any) -> str | None:
    """Why a record may not be deleted by anyone: it carries a certification others rely on."""
    if isinstance(obj, PlanMeeting) and obj.status != "draft":
        return f"计划会议表{PLAN_STATUS[obj.status]}，不能删除"
    if isinstance(obj, Callback) and obj.kind == "verification":
        return "呼叫中心核实记录不能删除"
    if isinstance(obj, WeeklySummary) and obj.submitted_at is not None:
        return "已提交的客户信息汇总表不能删除"
    if isinstance(obj, Complaint) and obj.status != "registered":
        return "已受理的投诉不能删除"
    return None


# --- actions -----------------------------------------------------------------------------------
def _audit(obj: Any, user: Any, action: str, detail: str) -> None:
    record(object_session(obj), user=user, action=action, entity=obj, detail=detail)


def submit_plan(plan: PlanMeeting, user: Any) -> None:
    """提交审批: the plan's authors hand it to HQ (a refused plan may be handed in again)."""
    if plan.status not in ("draft", "refused"):
        raise CertifyError(f"计划会议表“{plan.held_on}”{PLAN_STATUS[plan.status]}，不能重复提交")
    before, plan.status = plan.status, "submitted"
    _audit(plan, user, "plan_submitted", f"{before} → submitted")


def decide_plan(plan: PlanMeeting, user: Any, decision: str) -> None:
    """批准 / 驳回 by HQ or the regional manager, never by the dealer whose plan it is."""
    if getattr(user, "role", None) not in PLAN_APPROVERS or _is_dealer_staff(user):
        raise CertifyError("只有总部或区域经理可以审批计划会议表")
    if decision not in ("approved", "refused"):
        raise CertifyError(f"未知的审批结果：{decision}")
    if plan.status != "submitted":
        raise CertifyError(f"计划会议表“{plan.held_on}”当前为“{PLAN_STATUS[plan.status]}”，须先提交审批")
    plan.status = decision
    _audit(plan, user, f"plan_{decision}", f"submitted → {decision}")


def send_first_copy(order: WorkOrder, user: Any, today: dt.date) -> None:
    """第一联已寄出: the server's calendar day, once; compensation reads it."""
    if order.first_copy_sent_on is not None:
        raise CertifyError(f"工单 {order.number} 的第一联已于 {order.first_copy_sent_on} 寄出")
    order.first_copy_sent_on = today
    _audit(order, user, "first_copy_sent", today.isoformat())


def submit_weekly_summary(summary: WeeklySummary, user: Any, now: dt.datetime) -> None:
    """提交: the server's clock stamps the summary; late or not is the Monday 17:00 rule's answer."""
    if summary.submitted_at is not None:
        raise CertifyError(f"{summary.week_start} 当周的客户信息汇总表已提交，不能重复提交")
    summary.submitted_at = now
    summary.late = is_late(summary.week_start, now, now)
    _audit(summary, user, "weekly_submitted", f"{now.isoformat()}{' 迟交' if summary.late else ''}")
