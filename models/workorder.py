"""免费检测报告(工单) WorkOrder: one per vehicle visit, printed in triplicate."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, relationship

from .base import Base, CampaignOwned, DealerOwned, Record, field

FINDINGS = {"ok": "正常", "attention": "注意", "fail": "异常"}
SUGGESTIONS = {"none": "无", "maintain": "建议保养", "repair": "建议维修", "replace": "立即更换"}


class WorkOrder(CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "work_order"
    number: Mapped[str] = field("工单号", String(30), index=True)
    visited_on: Mapped[dt.date] = field("检测日期", index=True)
    sign_in_id: Mapped[int | None] = field("签到记录", ForeignKey("sign_in.id"), index=True)
    sign_in: Mapped[object] = relationship("SignIn")
    customer_id: Mapped[int | None] = field("顾客", ForeignKey("customer.id"), index=True)
    customer: Mapped[object] = relationship("Customer")
    vehicle_id: Mapped[int | None] = field("车辆", ForeignKey("vehicle.id"), index=True)
    vehicle: Mapped[object] = relationship("Vehicle")
    mileage_km: Mapped[int | None] = field("里程 (km)", Integer)
    advisor_id: Mapped[int | None] = field("服务顾问", ForeignKey("user.id"), index=True)
    advisor: Mapped[object] = relationship("User")
    technician: Mapped[str | None] = field("检测技师", String(60))
    labor_hours: Mapped[Decimal] = field("工时", default=Decimal("0"))
    customer_signed: Mapped[bool] = field("顾客已签字确认", Boolean, default=False,
                                          help="涉及行车安全的问题须请顾客签字确认")
    first_copy_sent_on: Mapped[dt.date | None] = field("第一联寄出日期")
    declined_suggestions: Mapped[str | None] = field("顾客暂不接受的建议", Text,
                                                     help="列入后续跟进名单")
    items: Mapped[list[WorkOrderItem]] = relationship(cascade="all, delete-orphan", backref="work_order",
                                                      order_by="WorkOrderItem.position")

    def __str__(self) -> str:
        return self.number


class WorkOrderItem(Base):
    __tablename__ = "work_order_item"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    work_order_id: Mapped[int] = field("工单", ForeignKey("work_order.id", ondelete="CASCADE"),
                                       index=True)
    position: Mapped[int] = field("序号", Integer)
    name: Mapped[str] = field("检测项目", String(60))
    safety_critical: Mapped[bool] = field("涉及行车安全", Boolean, default=False)
    measured: Mapped[str | None] = field("实测数据", String(40))
    finding: Mapped[str] = field("检测结果", String(20), choices=FINDINGS, default="ok")
    suggestion: Mapped[str] = field("专家建议", String(20), choices=SUGGESTIONS, default="none")
    accepted: Mapped[bool] = field("顾客接受建议", Boolean, default=True)
