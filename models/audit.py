"""Audit trail and in-app notifications."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, field, utcnow


# What the audit log and the inbox show for their codes (the code stays in the database).
EVENTS = {
    "create": "新建", "update": "修改", "delete": "删除", "login": "登录",
    "campaign_start_requested": "请求启动活动流程", "campaign_started": "活动流程已启动",
    "campaign_restarted": "活动流程已重启", "phase_started": "进入新阶段",
    "gate_submitted": "关口提交审核", "gate_approved": "关口批准", "gate_overridden": "关口强制通过",
    "gate_refused": "关口驳回", "complaint_acknowledged": "投诉受理", "complaint_resolved": "投诉已解决",
    "complaint_verified": "投诉验证关闭", "complaint_escalated": "投诉升级",
    "weekly_late": "周报迟交", "callback_due": "待回访提醒", "weekly_submitted": "周报提交",
    "plan_submitted": "计划提交审批", "plan_approved": "计划批准", "plan_refused": "计划驳回",
    "first_copy_sent": "第一联已寄出",
}


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = field("时间", default=utcnow, index=True)
    user_id: Mapped[int | None] = field("操作人", ForeignKey("user.id"), index=True)
    user: Mapped[object] = relationship("User")
    dealer_id: Mapped[int | None] = field("特约店", ForeignKey("dealer.id"), index=True)
    dealer: Mapped[object] = relationship("Dealer")
    action: Mapped[str] = field("操作", String(40), index=True)
    entity: Mapped[str] = field("对象", String(60), index=True)
    entity_id: Mapped[int | None] = field("对象编号", Integer)
    detail: Mapped[str | None] = field("详情", Text)


NOTIFICATION_KINDS = {"phase_started": "阶段开始", "gate_submitted": "关口提交审核", "gate_approved": "关口已批准",
                      "gate_overridden": "关口强制通过", "gate_refused": "关口驳回", "weekly_late": "周报迟交",
                      "callback_due": "回访到期", "complaint_escalated": "投诉升级"}


class Notification(Base):
    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = field("时间", default=utcnow, index=True)
    user_id: Mapped[int] = field("收件人", ForeignKey("user.id"), index=True)
    user: Mapped[object] = relationship("User")
    dealer_id: Mapped[int | None] = field("特约店", ForeignKey("dealer.id"), index=True)
    kind: Mapped[str] = field("类型", String(40), index=True, choices=NOTIFICATION_KINDS)
    title: Mapped[str] = field("标题", String(200))
    body: Mapped[str | None] = field("内容", Text)
    link: Mapped[str | None] = field("链接", String(300))
    read: Mapped[bool] = field("已读", Boolean, default=False, index=True)
    emailed_at: Mapped[dt.datetime | None] = field("邮件发送时间")


def record(session, *, user, action: str, entity: object, detail: str | None = None) -> AuditLog:
    """Add an audit row in the caller's transaction so it commits or rolls back with the change."""
    row = AuditLog(user_id=getattr(user, "id", None), action=action,
                   entity=type(entity).__name__, entity_id=getattr(entity, "id", None),
                   dealer_id=getattr(entity, "dealer_id", None), detail=detail)
    session.add(row)
    return row


def snapshot(entity: object) -> str:
    """The stored columns of a record as JSON: what a delete leaves behind in the audit log."""
    return json.dumps({p.key: getattr(entity, p.key, None) for p in inspect(type(entity)).column_attrs},
                      ensure_ascii=False, default=str, sort_keys=True)
