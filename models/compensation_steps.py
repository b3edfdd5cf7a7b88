"""The steps of a 工时补偿 claim, each done by the role that owns it and audited (DESIGN §4, §6).

申请 claim (the dealer's coordinator) → 核算 calculate (HQ, or the evaluation flow) →
批准 approve / 驳回 refuse with a reason (hq_admin) → 支付 pay into the dealer's 索赔账户 (hq_admin).
Eligibility per work order: inside the window, first copy sent by the campaign's deadline, and the
week's 汇总表 in by Monday 17:00 (Asia/Shanghai). The dealer sees each reason.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from .audit import AuditLog, record
from .base import LOCAL_TZ, local_date, utcnow
from .campaign import Campaign
from .compensation import COMP_STATUS, CompensationRule, LaborCompensation, compensation_amount
from .org import Dealer
from .reporting import WeeklySummary
from .verification import VerificationTask, truthfulness_of
from .workorder import WorkOrder


class CompensationError(ValueError):
    """A refused step; the message is shown as is, with 403 (wrong role) or 409 (wrong state)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class OrderCount:
    """Whether one work order counts toward the compensation, and why."""

    number: str
    visited_on: dt.date
    eligible: bool
    reason: str


def _weekly_due(week_start: dt.date) -> dt.datetime:
    from .schedules import weekly_due_at

    return weekly_due_at(week_start)


def order_counts(session, campaign: Campaign, dealer_id: int) -> list[OrderCount]:
    orders = session.scalars(select(WorkOrder).where(WorkOrder.campaign_id == campaign.id,
                                                     WorkOrder.dealer_id == dealer_id)
                             .order_by(WorkOrder.visited_on, WorkOrder.number)).all()
    summaries = {s.week_start: s for s in session.scalars(select(WeeklySummary).where(
        WeeklySummary.campaign_id == campaign.id, WeeklySummary.dealer_id == dealer_id))}
    deadline = campaign.first_copy_deadline
    out = []
    for order in orders:
        week = order.visited_on - dt.timedelta(days=order.visited_on.weekday())
        summary, due = summaries.get(week), _weekly_due(week)
        if not campaign.starts_on <= order.visited_on <= campaign.ends_on:
            reason = "不计：检测日期不在执行期内"
        elif order.first_copy_sent_on is None:
            reason = "不计：第一联信息反馈联未寄出"
        elif deadline is not None and order.first_copy_sent_on > deadline:
            reason = f"不计：第一联 {order.first_copy_sent_on} 寄出，晚于截止日 {deadline}"
        elif summary is None or summary.submitted_at is None:
            reason = f"不计：{week} 起一周的客户信息汇总表未提交"
        elif summary.submitted_at > due:
            reason = (f"不计：{week} 起一周的汇总表 {summary.submitted_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M} 提交，"
                      f"晚于 {due.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}")
        else:
            reason = "计入：执行期内检测，第一联与周汇总表均按时提交"
        out.append(OrderCount(order.number, order.visited_on, reason.startswith("计入"), reason))
    return out


def published_rule(session) -> CompensationRule | None:
    return session.scalar(select(CompensationRule).where(CompensationRule.published.is_(True))
                          .order_by(CompensationRule.version.desc(), CompensationRule.id.desc()))


def _role(user, *roles: str) -> None:
    if getattr(user, "role", None) not in roles:
        raise CompensationError("只有总部活动管理员可以执行此操作。" if roles == ("hq_admin",)
                                else "您没有执行此操作的权限。", 403)


def _audit(session, user, step: str, comp: LaborCompensation, detail: str) -> None:
    record(session, user=user, action=f"compensation_{step}", entity=comp, detail=detail)


def claim(session, campaign: Campaign, dealer_id: int, user) -> LaborCompensation:
    """申请: the dealer's coordinator asks for it; nothing is typed, the system computes later."""
    if not (user.role == "dealer_coordinator" and user.dealer_id == dealer_id) and user.role != "hq_admin":
        raise CompensationError("只有本店活动协调员可以申请工时补偿。", 403)
    existing = session.scalar(select(LaborCompensation).where(LaborCompensation.campaign_id == campaign.id,
                                                              LaborCompensation.dealer_id == dealer_id))
    if existing is not None:
        raise CompensationError(f"本店已申请过该活动的工时补偿（{COMP_STATUS[existing.status]}），无需重复申请。")
    comp = LaborCompensation(campaign_id=campaign.id, dealer_id=dealer_id, status="claimed")
    session.add(comp)
    session.flush()
    _audit(session, user, "claimed", comp, f"申请 {campaign.name} 工时补偿")
    return comp


def calculate(session, comp: LaborCompensation, user=None) -> LaborCompensation:
    """核算 from the published rule and the call center's results; `user` None is the flow."""
    if user is not None:
        _role(user, "hq_admin")
    if comp.status in ("approved", "paid"):
        raise CompensationError(f"工时补偿已{COMP_STATUS[comp.status]}，不能再修改或重新核算。")
    campaign = session.get(Campaign, comp.campaign_id)
    if campaign.first_copy_deadline is None:
        raise CompensationError(f"活动“{campaign.name}”未设定第一联寄送截止日，请先在“活动”中填写。")
    rule = published_rule(session)
    if rule is None:
        raise CompensationError("尚无已发布的工时补偿规则，请先发布规则。")
    reported = session.scalar(select(WorkOrder.id).where(
        WorkOrder.campaign_id == comp.campaign_id, WorkOrder.dealer_id == comp.dealer_id,
        WorkOrder.first_copy_sent_on.is_not(None),
        WorkOrder.id.not_in(select(VerificationTask.work_order_id))).limit(1))
    truth = truthfulness_of(session, comp.campaign_id, comp.dealer_id)
    if reported is not None or not truth.complete:
        raise CompensationError(f"呼叫中心尚未核实完本店全部上报顾客（待核实 {truth.pending} 人），暂不能核算。")
    counts = order_counts(session, campaign, comp.dealer_id)
    comp.rule_id, comp.work_orders = rule.id, len(counts)
    comp.eligible_inspections = sum(c.eligible for c in counts)
    comp.reported, comp.confirmed, comp.unreachable = truth.reported, truth.confirmed, truth.unreachable
    comp.truthfulness_rate = truth.percent
    comp.hours_per_inspection, comp.labor_rate = rule.hours_per_inspection, rule.labor_rate
    comp.payout_percent = rule.payout_percent(truth.fraction)
    comp.amount = comp.recomputed_amount()
    comp.status, comp.calculated_at, comp.refusal_reason = "calculated", utcnow(), None
    session.flush()
    _audit(session, user, "calculated", comp, explain(comp))
    return comp


def calculate_claimed(session, campaign_id: int) -> dict[str, str]:
    """The evaluation flow's task: calculate each claim not yet calculated, or say why it must wait."""
    done = {}
    for comp in session.scalars(select(LaborCompensation).where(LaborCompensation.campaign_id == campaign_id,
                                                                LaborCompensation.status == "claimed")):
        try:  # calculate() checks everything before it changes anything
            calculate(session, comp)
            done[comp.dealer.name] = explain(comp)
        except CompensationError as exc:
            done[comp.dealer.name] = str(exc)
    return done


def explain(comp: LaborCompensation) -> str:
    rate = "—" if comp.truthfulness_rate is None else f"{comp.truthfulness_rate}%"
    return (f"有效检测 {comp.eligible_inspections} 台 × 每台 {comp.hours_per_inspection} 工时 × "
            f"单价 {comp.labor_rate} 元 × 补偿比例 {comp.payout_percent}%（真实率 {rate} = 属实 {comp.confirmed} ÷ "
            f"(上报 {comp.reported} − 无法接通 {comp.unreachable})，规则 {comp.rule}）= {comp.amount} 元")


def approve(session, comp: LaborCompensation, user) -> LaborCompensation:
    _role(user, "hq_admin")
    if comp.status != "calculated":
        raise CompensationError(f"工时补偿当前为“{COMP_STATUS[comp.status]}”，只有“已核算”的补偿可以批准。")
    comp.status, comp.approved_by_id, comp.approved_at = "approved", user.id, utcnow()
    session.flush()
    _audit(session, user, "approved", comp, f"批准 {comp.amount} 元")
    return comp


def refuse(session, comp: LaborCompensation, user, reason: str | None) -> LaborCompensation:
    _role(user, "hq_admin")
    reason = (reason or "").strip()
    if not reason:
        raise CompensationError("驳回须填写原因。")
    if comp.status not in ("claimed", "calculated"):
        raise CompensationError(f"工时补偿当前为“{COMP_STATUS[comp.status]}”，不能驳回。")
    comp.status, comp.refusal_reason = "refused", reason
    session.flush()
    _audit(session, user, "refused", comp, f"驳回：{reason}")
    return comp


def pay(session, comp: LaborCompensation, user, reference: str | None, paid_on: dt.date | None) -> LaborCompensation:
    """支付 into the dealer's 索赔账户 (索赔专项款, seed 000 slide 32), with a payment reference."""
    _role(user, "hq_admin")
    if comp.status != "approved":
        raise CompensationError(f"工时补偿当前为“{COMP_STATUS[comp.status]}”，须先批准才能支付。")
    reference = (reference or "").strip()
    if not reference:
        raise CompensationError("请填写付款凭证号。")
    if paid_on is None:
        raise CompensationError("请填写入账日期（格式 2014-03-01）。")
    if paid_on > local_date(utcnow()):
        raise CompensationError("入账日期不能晚于今天。")
    account = session.get(Dealer, comp.dealer_id).claim_account
    if not account:
        raise CompensationError("该特约店没有登记索赔账户，请先在“特约店”中填写。")
    comp.status, comp.claim_account, comp.payment_reference, comp.paid_on = "paid", account, reference[:60], paid_on
    session.flush()
    _audit(session, user, "paid", comp, f"{comp.amount} 元汇入索赔账户 {account}，凭证 {reference}，{paid_on}")
    return comp


def history(session, comp: LaborCompensation) -> list[AuditLog]:
    """Every step of this claim, oldest first: what the dealer sees under 处理记录."""
    return list(session.scalars(select(AuditLog).where(AuditLog.entity == "LaborCompensation",
                                                       AuditLog.entity_id == comp.id).order_by(AuditLog.at, AuditLog.id)))
