"""100% callbacks and complaints."""
from __future__ import annotations

import datetime as dt

from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, object_session, relationship

from .audit import record
from .base import Base, CampaignOwned, DealerOwned, Record, field, utcnow
from .forms_rules import Validated, between, check, in_window, required, valid_mobile

CALLBACK_KINDS = {"dealer": "特约店回访", "verification": "呼叫中心核实"}
OUTCOMES = {"pending": "待回访", "reached": "已联系", "unreachable": "联系不上", "wrong_number": "号码错误"}
COMPLAINT_STATUS = {"registered": "已登记", "acknowledged": "已受理", "resolved": "已解决",
                    "verified": "已验证"}
SEVERITY = {"low": "一般", "medium": "较重", "high": "严重"}
COMPLAINT_SOURCES = {"on_site": "现场", "phone": "电话", "feedback": "回馈表", "call_center": "呼叫中心"}


class Callback(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "callback"
    kind: Mapped[str] = field("回访类型", String(20), choices=CALLBACK_KINDS, default="dealer", index=True)
    work_order_id: Mapped[int | None] = field("工单", ForeignKey("work_order.id"), index=True)
    work_order: Mapped[object] = relationship("WorkOrder")
    customer_name: Mapped[str] = field("顾客姓名", String(60))
    mobile: Mapped[str | None] = field("手机", String(20))
    due_on: Mapped[dt.date] = field("应回访日期", index=True, help="检测日期 + 7 天")
    called_at: Mapped[dt.datetime | None] = field("回访时间", index=True)
    outcome: Mapped[str] = field("回访结果", String(20), choices=OUTCOMES, default="pending", index=True)
    satisfaction: Mapped[int | None] = field("满意度 (1-5)", Integer)
    visit_confirmed: Mapped[bool | None] = field("确认到店", help="呼叫中心核实: 顾客确认参加过活动")
    issues: Mapped[str | None] = field("顾客反映问题", Text)
    agent_id: Mapped[int | None] = field("回访人", ForeignKey("user.id"), index=True)
    agent: Mapped[object] = relationship("User")

    def _called_when_done(self) -> str | None:
        if self.outcome not in (None, "pending") and self.called_at is None:
            return "已回访的记录请填写“回访时间”"
        return None

    def _confirmed_only_when_verified(self) -> str | None:
        if self.visit_confirmed and self.kind != "verification":
            return "“确认到店”只在呼叫中心核实时填写"
        return None

    # 在客户参加活动后一周内 … 作服务回访工作 (seed 000 slide 34): due dates run to window end + 7
    form_rules = (required("campaign", "customer_name", "due_on"),
                  in_window("due_on", grace_days=7), valid_mobile("mobile"), between("satisfaction", 1, 5),
                  check(_called_when_done), check(_confirmed_only_when_verified, "visit_confirmed"))


class Complaint(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "complaint"
    registered_at: Mapped[dt.datetime] = field("登记时间", default=utcnow, index=True)
    source: Mapped[str] = field("来源", String(20), choices=COMPLAINT_SOURCES, default="on_site")
    customer_name: Mapped[str] = field("顾客姓名", String(60))
    mobile: Mapped[str | None] = field("手机", String(20))
    description: Mapped[str] = field("投诉内容", Text)
    severity: Mapped[str] = field("严重程度", String(10), choices=SEVERITY, default="low")
    assignee_id: Mapped[int | None] = field("处理人", ForeignKey("user.id"), index=True)
    assignee: Mapped[object] = relationship("User", foreign_keys=[assignee_id])
    status: Mapped[str] = field("状态", String(20), choices=COMPLAINT_STATUS, default="registered",
                                index=True)
    acknowledged_at: Mapped[dt.datetime | None] = field("受理时间")
    resolved_at: Mapped[dt.datetime | None] = field("解决时间")
    verified_at: Mapped[dt.datetime | None] = field("验证时间")
    root_cause: Mapped[str | None] = field("根本原因", Text)
    resolution: Mapped[str | None] = field("处理结果", Text)
    escalated_at: Mapped[dt.datetime | None] = field("升级时间", index=True)
    feedback_id: Mapped[int | None] = field("来源回馈表", ForeignKey("feedback.id"), index=True)

    @property
    def has_cause(self) -> bool:
        return bool((self.root_cause or "").strip() and (self.resolution or "").strip())

    def _closed_with_cause(self) -> str | None:
        if self.status in ("resolved", "verified") and not self.has_cause:
            return "已解决的投诉须填写“根本原因”和“处理结果”"
        return None

    form_rules = (required("campaign", "customer_name", "description"),
                  valid_mobile("mobile"), check(_closed_with_cause))

    def __str__(self) -> str:
        return f"{self.customer_name} {COMPLAINT_STATUS.get(self.status, '')}"


# registered → acknowledged → resolved → verified: each status and the one it must come from.
COMPLAINT_FLOW = {"acknowledged": "registered", "resolved": "acknowledged", "verified": "resolved"}


class ComplaintFlowError(ValueError):
    pass


def advance_complaint(complaint: Complaint, to: str, user: Any) -> Complaint:
    """Move a complaint one step along its flow, stamped (UTC) and audited; never skips a step."""
    before = COMPLAINT_FLOW.get(to)
    if before is None:
        raise ComplaintFlowError(f"未知的投诉状态：{to}")
    if complaint.status != before:
        raise ComplaintFlowError(
            f"投诉“{complaint.customer_name}”当前为“{COMPLAINT_STATUS[complaint.status]}”，"
            f"须先“{COMPLAINT_STATUS[before]}”才能“{COMPLAINT_STATUS[to]}”")
    if to == "resolved" and not complaint.has_cause:
        raise ComplaintFlowError(f"投诉“{complaint.customer_name}”须先填写“根本原因”和“处理结果”才能标记为已解决")
    if to == "acknowledged" and complaint.assignee_id is None:
        complaint.assignee_id = user.id  # 派专人处理: whoever acknowledges owns it unless assigned
    complaint.status = to
    setattr(complaint, f"{to}_at", utcnow())
    record(object_session(complaint), user=user, action=f"complaint_{to}", entity=complaint,
           detail=f"{before} → {to}")
    return complaint


def complaint_from_feedback(feedback: Any, user: Any) -> Complaint | None:
    """The complaint a feedback form asked for, registered once however often it is saved."""
    if not feedback.wants_complaint:
        return None
    session = object_session(feedback)
    existing = session.scalar(select(Complaint).where(Complaint.feedback_id == feedback.id))
    if existing is not None:
        return existing
    sign_in = feedback.sign_in
    complaint = Complaint(
        campaign_id=feedback.campaign_id or feedback.campaign.id,
        dealer_id=feedback.dealer_id or feedback.dealer.id, source="feedback",
        customer_name=feedback.customer_name, mobile=getattr(sign_in, "mobile", None),
        description=feedback.comments or "顾客在信息回馈表中要求登记投诉", feedback_id=feedback.id)
    session.add(complaint)
    session.flush()
    record(session, user=user, action="create", entity=complaint, detail=f"来自回馈表 #{feedback.id}")
    return complaint
