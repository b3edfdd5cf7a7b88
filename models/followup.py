"""100% callbacks and complaints."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, relationship

from .base import Base, CampaignOwned, DealerOwned, Record, field, utcnow

CALLBACK_KINDS = {"dealer": "特约店回访", "verification": "呼叫中心核实"}
OUTCOMES = {"pending": "待回访", "reached": "已联系", "unreachable": "联系不上", "wrong_number": "号码错误"}
COMPLAINT_STATUS = {"registered": "已登记", "acknowledged": "已受理", "resolved": "已解决",
                    "verified": "已验证"}
SEVERITY = {"low": "一般", "medium": "较重", "high": "严重"}
COMPLAINT_SOURCES = {"on_site": "现场", "phone": "电话", "feedback": "回馈表", "call_center": "呼叫中心"}


class Callback(CampaignOwned, DealerOwned, Record, Base):
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


class Complaint(CampaignOwned, DealerOwned, Record, Base):
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
