"""呼叫中心 100% 核实 (seed 000 slide 32): a phone bank over the customers dealers reported.

Every work order whose 第一联 信息反馈联 was sent to HQ becomes one VerificationTask. An agent
reserves a batch no other agent holds (reserve → call → record → release, as CiviCRM's phone
bank), records each call as a VerificationAttempt, and the task ends as 属实 / 不属实 / 拒绝回答,
or 无法接通 only after three unanswered calls at different times. 真实率 is computed from the
ended tasks by plain functions, so the rule is tested without Flask or Prefect.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, and_, func, or_, select, update
from sqlalchemy.orm import Mapped, relationship

from .audit import record
from .base import Base, CampaignOwned, DealerOwned, Record, field, utcnow
from .workorder import WorkOrder

TASK_STATUS = {"open": "待核实", "confirmed": "属实", "not_real": "不属实", "unreachable": "无法接通",
               "refused": "拒绝回答"}
OUTCOMES = {"confirmed": "属实", "not_real": "不属实", "unreachable": "无法接通", "refused": "拒绝回答"}
FINAL = ("confirmed", "not_real", "unreachable", "refused")
BATCH_SIZE = 20
# **default** values the seed does not give: how long a batch stays with an agent, how far apart
# unanswered calls must be to count as "different times", and how many make a customer unreachable.
RESERVATION_TIMEOUT = dt.timedelta(minutes=30)
RETRY_GAP = dt.timedelta(hours=2)
UNREACHABLE_AFTER = 3
SCRIPT = ["您好，这里是厂家客服中心，请问您是{name}先生/女士吗？",
          "请问您是否在{visited_on}到{dealer}参加了车主回娘家免费检测？",
          "检测后特约店是否在一周内给您做过回访？",
          "您对这次检测服务满意吗？"]


class VerificationError(ValueError):
    """A refused verification step; the message is shown to the agent as is."""


class VerificationTask(CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "verification_task"
    __table_args__ = (UniqueConstraint("work_order_id", name="uq_verification_task_work_order"),)
    work_order_id: Mapped[int] = field("工单", ForeignKey("work_order.id", ondelete="RESTRICT"))
    work_order: Mapped[WorkOrder] = relationship()
    # what the dealer reported, kept as reported: the call verifies exactly this
    customer_name: Mapped[str] = field("顾客姓名", String(60))
    mobile: Mapped[str | None] = field("手机", String(20))
    plate: Mapped[str | None] = field("车牌号", String(10))
    visited_on: Mapped[dt.date] = field("检测日期", index=True)
    status: Mapped[str] = field("核实结果", String(20), choices=TASK_STATUS, default="open", index=True)
    reserved_by_id: Mapped[int | None] = field("领取坐席", ForeignKey("user.id"), index=True)
    reserved_by: Mapped[object] = relationship("User")
    reserved_at: Mapped[dt.datetime | None] = field("领取时间", index=True)
    not_before: Mapped[dt.datetime | None] = field("下次可拨打时间", index=True)
    finished_at: Mapped[dt.datetime | None] = field("核实完成时间")
    attempts: Mapped[list[VerificationAttempt]] = relationship(
        info={"label": "呼叫记录"}, back_populates="task", cascade="all, delete-orphan",
        order_by="VerificationAttempt.called_at")

    def __str__(self) -> str:
        return f"{self.customer_name} {TASK_STATUS.get(self.status, '')}"

    @property
    def unanswered_times(self) -> int:
        return spaced_count([a.called_at for a in self.attempts if a.outcome == "unreachable"])


class VerificationAttempt(Base):
    """One call of the call center: who, when, what the customer said."""

    __tablename__ = "verification_attempt"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    task_id: Mapped[int] = field("核实任务", ForeignKey("verification_task.id", ondelete="CASCADE"),
                                 index=True)
    task: Mapped[VerificationTask] = relationship(back_populates="attempts")
    agent_id: Mapped[int] = field("坐席", ForeignKey("user.id"), index=True)
    agent: Mapped[object] = relationship("User")
    called_at: Mapped[dt.datetime] = field("拨打时间", default=utcnow)
    outcome: Mapped[str] = field("结果", String(20), choices=OUTCOMES)
    note: Mapped[str | None] = field("备注", Text)


# --- the rules, as plain functions ---------------------------------------------------------------
def spaced_count(times: Iterable[dt.datetime], gap: dt.timedelta = RETRY_GAP) -> int:
    """How many of these calls were at different times: each counted one at least `gap` after the last."""
    count, last = 0, None
    for at in sorted(times):
        if last is None or at - last >= gap:
            count, last = count + 1, at
    return count


def outcome_status(outcome: str, unanswered_times: int) -> str:
    """The task's status after a call: unreachable only after three unanswered calls at different times."""
    if outcome not in OUTCOMES:
        raise VerificationError(f"未知的核实结果：{outcome}")
    if outcome == "unreachable":
        return "unreachable" if unanswered_times >= UNREACHABLE_AFTER else "open"
    return outcome


@dataclass(frozen=True)
class Truthfulness:
    """真实率 = confirmed / (reported − unreachable after three calls), with its counts."""

    reported: int = 0
    confirmed: int = 0
    not_real: int = 0
    refused: int = 0
    unreachable: int = 0

    @property
    def pending(self) -> int:
        return self.reported - self.confirmed - self.not_real - self.refused - self.unreachable

    @property
    def verifiable(self) -> int:
        return self.reported - self.unreachable

    @property
    def fraction(self) -> Fraction | None:
        """Exact, for tier boundaries (95 % must not come from rounding 94.996 %)."""
        return Fraction(self.confirmed, self.verifiable) if self.verifiable > 0 else None

    @property
    def percent(self) -> Decimal | None:
        """For display and storage: rounded down, so a shown 95.00 % really is at least 95 %."""
        if self.fraction is None:
            return None
        exact = Decimal(self.fraction.numerator * 100) / Decimal(self.fraction.denominator)
        return exact.quantize(Decimal("0.01"), rounding=ROUND_DOWN)

    @property
    def complete(self) -> bool:
        return self.pending == 0

    def explain(self) -> str:
        rate = "—" if self.percent is None else f"{self.percent}%"
        return (f"真实率 {rate} = 属实 {self.confirmed} ÷ (上报 {self.reported} − 无法接通 {self.unreachable})；"
                f"不属实 {self.not_real}，拒绝回答 {self.refused}，待核实 {self.pending}")


# --- the queue --------------------------------------------------------------------------------------
def create_tasks(session, campaign_id: int) -> int:
    """One task per reported work order (first copy sent) that has none yet; returns how many were made."""
    have = select(VerificationTask.work_order_id)
    orders = session.scalars(select(WorkOrder).where(
        WorkOrder.campaign_id == campaign_id, WorkOrder.first_copy_sent_on.is_not(None),
        WorkOrder.id.not_in(have))).all()
    for order in orders:
        customer, vehicle, sign_in = order.customer, order.vehicle, order.sign_in
        session.add(VerificationTask(
            campaign_id=campaign_id, dealer_id=order.dealer_id, work_order_id=order.id,
            customer_name=getattr(customer, "name", None) or getattr(sign_in, "name", None) or "（未填姓名）",
            mobile=getattr(customer, "mobile", None) or getattr(sign_in, "mobile", None),
            plate=getattr(vehicle, "plate", None) or getattr(sign_in, "plate", None),
            visited_on=order.visited_on))
    session.flush()
    return len(orders)


def _available(campaign_id: int, now: dt.datetime):
    return and_(VerificationTask.campaign_id == campaign_id, VerificationTask.status == "open",
                or_(VerificationTask.reserved_by_id.is_(None),
                    VerificationTask.reserved_at < now - RESERVATION_TIMEOUT),
                or_(VerificationTask.not_before.is_(None), VerificationTask.not_before <= now))


def reserve(session, campaign_id: int, agent, now: dt.datetime | None = None,
            size: int = BATCH_SIZE) -> list[VerificationTask]:
    """领取: hand `agent` up to `size` tasks no other agent holds, in one UPDATE statement.

    PostgreSQL: the CTE locks its rows FOR UPDATE SKIP LOCKED, so concurrent agents pass
    over each other's rows; the outer WHERE re-checks "still free" on the locked row. SQLite
    ignores FOR UPDATE but runs a write statement under its single writer lock, read included,
    so the same statement is safe there too.
    """
    now = now or utcnow()
    mine = held(session, campaign_id, agent, now)
    wanted = size - len(mine)
    if wanted <= 0:
        return mine
    # a CTE is evaluated once; a plain IN (sub-select) may be re-run per row by PostgreSQL and
    # then hands out more than `wanted`
    free = (select(VerificationTask.id).where(_available(campaign_id, now))
            .order_by(VerificationTask.visited_on, VerificationTask.id).limit(wanted)
            .with_for_update(skip_locked=True).cte("free"))
    taken = session.execute(
        update(VerificationTask).where(VerificationTask.id.in_(select(free.c.id)),
                                       _available(campaign_id, now))
        .values(reserved_by_id=agent.id, reserved_at=now, version_id=VerificationTask.version_id + 1)
        .returning(VerificationTask.id).execution_options(synchronize_session=False)).scalars().all()
    if taken:
        record(session, user=agent, action="verification_reserved", entity=agent,
               detail=f"活动 {campaign_id} 领取 {len(taken)} 条")
    session.expire_all()
    return held(session, campaign_id, agent, now)


def held(session, campaign_id: int, agent, now: dt.datetime | None = None) -> list[VerificationTask]:
    """The open tasks this agent holds and has not let time out."""
    now = now or utcnow()
    return list(session.scalars(select(VerificationTask).where(
        VerificationTask.campaign_id == campaign_id, VerificationTask.status == "open",
        VerificationTask.reserved_by_id == agent.id,
        VerificationTask.reserved_at >= now - RESERVATION_TIMEOUT)
        .order_by(VerificationTask.visited_on, VerificationTask.id)))


def release(session, campaign_id: int, agent) -> int:
    """释放: the agent's unfinished tasks go back to the pool at once."""
    tasks = held(session, campaign_id, agent)
    for task in tasks:
        task.reserved_by_id = task.reserved_at = None
    if tasks:
        record(session, user=agent, action="verification_released", entity=agent,
               detail=f"活动 {campaign_id} 释放 {len(tasks)} 条")
    return len(tasks)


def record_call(session, task: VerificationTask, agent, outcome: str, note: str | None = None,
                now: dt.datetime | None = None) -> VerificationTask:
    """Record one call on a task the agent holds; ends the task or hands it back for a later call."""
    now = now or utcnow()
    if outcome not in OUTCOMES:
        raise VerificationError("请选择核实结果：属实、不属实、无法接通或拒绝回答。")
    if task.status != "open":
        raise VerificationError(f"顾客“{task.customer_name}”已核实（{TASK_STATUS[task.status]}），不能再记录。")
    if task.reserved_by_id != agent.id or task.reserved_at is None \
            or task.reserved_at < now - RESERVATION_TIMEOUT:
        raise VerificationError(f"顾客“{task.customer_name}”不在您领取的批次中（可能已超时释放），请重新领取。")
    task.attempts.append(VerificationAttempt(agent_id=agent.id, called_at=now, outcome=outcome,
                                             note=(note or "").strip() or None))
    task.status = outcome_status(outcome, task.unanswered_times)
    task.reserved_by_id = task.reserved_at = None
    if task.status == "open":  # unanswered: try again later, at a different time
        task.not_before = now + RETRY_GAP
    else:
        task.finished_at = now
    session.flush()
    record(session, user=agent, action=f"verification_{outcome}", entity=task,
           detail=f"第 {len(task.attempts)} 次拨打：{OUTCOMES[outcome]} → {TASK_STATUS[task.status]}")
    return task


# --- 真实率 ------------------------------------------------------------------------------------
def truthfulness_by_dealer(session, campaign_id: int) -> dict[int, Truthfulness]:
    rows = session.execute(select(VerificationTask.dealer_id, VerificationTask.status, func.count())
                           .where(VerificationTask.campaign_id == campaign_id)
                           .group_by(VerificationTask.dealer_id, VerificationTask.status)).all()
    counts: dict[int, dict[str, int]] = {}
    for dealer_id, status, n in rows:
        counts.setdefault(dealer_id, {})[status] = n
    return {dealer_id: Truthfulness(reported=sum(c.values()), **{k: c.get(k, 0) for k in FINAL})
            for dealer_id, c in counts.items()}


def truthfulness_of(session, campaign_id: int, dealer_id: int) -> Truthfulness:
    return truthfulness_by_dealer(session, campaign_id).get(dealer_id, Truthfulness())


def progress(session, campaign_id: int) -> dict[str, int]:
    """Queue-wide counts for the agent's screen (no dealer names: just how much is left)."""
    rows = dict(session.execute(select(VerificationTask.status, func.count())
                                .where(VerificationTask.campaign_id == campaign_id)
                                .group_by(VerificationTask.status)).all())
    return {status: rows.get(status, 0) for status in TASK_STATUS}
