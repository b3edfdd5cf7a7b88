"""免费检测报告(工单) WorkOrder: one per vehicle visit, printed in triplicate."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, relationship

from .base import Base, CampaignOwned, DealerOwned, Record, field
from .forms_rules import (Problem, Validated, campaign_of, check, each_row, in_window, non_negative,
                          ordered, required, stored_rows, stored_value)

FINDINGS = {"ok": "正常", "attention": "注意", "fail": "异常"}
SUGGESTIONS = {"none": "无", "maintain": "建议保养", "repair": "建议维修", "replace": "立即更换"}


class WorkOrder(Validated, CampaignOwned, DealerOwned, Record, Base):
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
    paid_amount: Mapped[Decimal | None] = field("成交金额 (元)", help="顾客接受建议后实际付费的维修保养金额；未成交留空")
    customer_signed: Mapped[bool] = field("顾客已签字确认", Boolean, default=False,
                                          help="涉及行车安全的问题须请顾客签字确认")
    first_copy_sent_on: Mapped[dt.date | None] = field("第一联寄出日期")
    declined_suggestions: Mapped[str | None] = field("顾客暂不接受的建议", Text,
                                                     help="列入后续跟进名单")
    items: Mapped[list[WorkOrderItem]] = relationship(
        info={"label": "检测项目"}, cascade="all, delete-orphan", backref="work_order",
        order_by="WorkOrderItem.position")

    def __str__(self) -> str:
        return self.number

    @property
    def declined_items(self) -> list[WorkOrderItem]:
        """Suggestions the customer did not take: the follow-up list (seed 000 slide 37)."""
        return [item for item in self.items if item.declined]

    def _safety_signed(self) -> Iterator[str]:  # shown under “顾客已签字确认”
        # 较严重影响车辆安全之问题，需在工单上特别详细注明，并请客户签字确认 (seed 000 slide 37)
        unsigned = [item.name for item in self.items if item.needs_signature]
        if unsigned and not self.customer_signed:
            yield f"涉及行车安全的问题须请顾客签字确认：{'、'.join(unsigned)}"

    def _vehicle_of_customer(self) -> str | None:
        owner = getattr(self.vehicle, "customer", None)
        if owner is not None and self.customer is not None and owner is not self.customer:
            return f"车辆 {self.vehicle} 不属于顾客 {self.customer}"
        return None

    def _template_items(self) -> dict[int, object] | None:
        template = getattr(campaign_of(self), "checklist_template", None)
        return None if template is None else {item.position: item for item in template.items}

    def follow_template(self) -> None:
        """The rows are the campaign's fixed checklist (HQ's template, seed 000: 21项 + 冷却检测): item
        name, safety flag and order are the template's whatever a form posted, a missing row comes
        back; only the results (measured value, finding, suggestion, acceptance) are the work order's."""
        items = self._template_items()
        if items is None:
            return
        present = set()
        for row in self.items:
            row.position = stored_value(row, "position") or row.position  # a stored row keeps its place
            if (item := items.get(row.position)) is not None:
                row.name, row.safety_critical = item.name, item.safety_critical
                present.add(row.position)
        for position in sorted(items.keys() - present):
            self.items.append(WorkOrderItem(position=position, name=items[position].name,
                                            safety_critical=items[position].safety_critical,
                                            finding="ok", suggestion="none", accepted=True))

    def _rows_from_template(self) -> Iterator[str]:
        items = self._template_items()
        if items is None:
            return
        positions = [row.position for row in self.items]
        for n, row in enumerate(self.items):
            if row.position not in items or positions.count(row.position) > 1:
                yield Problem(f"检测项目{n + 1}“{row.name}”不是本活动检测项目模板中的项目，不能增加或改动项目",
                              f"items-{n}-name")

    def _one_per_sign_in(self) -> str | None:
        # one arrival, one free-inspection report: the sign-in row links to it (开工单 → 工单号)
        from . import db

        sign_in_id = self.sign_in.id if self.sign_in is not None else self.sign_in_id
        if sign_in_id is None:
            return None
        existing = db.session.scalar(stored_rows(self, sign_in_id=sign_in_id).limit(1))
        if existing is None:
            return None
        return Problem(f"签到记录“{existing.sign_in}”已开工单 {existing.number}（编号 {existing.id}），"
                       f"一次到店只开一张工单，请打开该工单修改", "sign_in")

    form_rules = (required("campaign", "number", "visited_on"), check(_one_per_sign_in), in_window("visited_on"),
                  non_negative("mileage_km", "labor_hours", "paid_amount"), ordered("visited_on", "first_copy_sent_on"),
                  check(_vehicle_of_customer), check(_rows_from_template),
                  each_row("items", required("name"), check(lambda item: item.suggestion_problem(), "suggestion"),
                           row_name="检测项目{n}"),
                  check(_safety_signed, "customer_signed"))


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
    accepted: Mapped[bool] = field("顾客接受建议", Boolean, default=True,
                                   help="顾客暂不接受的建议列入后续跟进名单")

    @property
    def found_problem(self) -> bool:
        return self.finding in ("attention", "fail")

    @property
    def needs_signature(self) -> bool:
        return bool(self.safety_critical) and self.found_problem

    @property
    def declined(self) -> bool:
        return (self.suggestion or "none") != "none" and self.accepted is False

    def suggestion_problem(self) -> str | None:
        # 任何检查出的缺失，一定要在“专家建议栏”内提出解决方案 (seed 000 slide 37)
        if self.found_problem and (self.suggestion or "none") == "none":
            return f"“{self.name}”检测结果为{FINDINGS[self.finding]}，须在专家建议栏提出保养、维修或更换建议"
        return None

    def __str__(self) -> str:
        return f"{self.name}：{SUGGESTIONS.get(self.suggestion or 'none', '')}"
