"""Preparation-phase forms: daily flow, training, invitation list, on-site items."""
from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, CampaignOwned, DealerOwned, Record, field
from .forms_rules import (Validated, between, check, each_row, in_window, non_negative, ordered,
                          required, unique_per_dealer_campaign, valid_mobile, valid_plate, valid_vin)

TRAINING_KINDS = {"internal": "内部培训", "dealer": "特约店培训"}
CONTACT_STATUS = {"not_contacted": "未联系", "invited": "已邀约", "booked": "已预约",
                  "declined": "婉拒", "unreachable": "联系不上"}
SOURCES = {"dms": "DMS 导入", "manual": "手工录入"}


def new_token() -> str:
    """An unguessable link token: 144 random bits from `secrets`, 24 URL-safe characters."""
    return secrets.token_urlsafe(18)


class DailyFlow(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "daily_flow"
    day: Mapped[dt.date] = field("活动日期", index=True)
    leader: Mapped[str] = field("组长", String(60))
    deputy: Mapped[str | None] = field("副组长", String(60))
    staffing: Mapped[str | None] = field("人员安排", Text)
    target_arrivals: Mapped[int | None] = field("当日目标进厂台次", Integer)
    actual_arrivals: Mapped[int | None] = field("实际进厂台次", Integer)
    actual_inspections: Mapped[int | None] = field("实际检测台次", Integer)
    actual_revenue: Mapped[Decimal | None] = field("实际营业额 (元)")
    issues: Mapped[str | None] = field("问题与处理", Text)
    slots: Mapped[list[DailyFlowSlot]] = relationship(
        info={"label": "时间安排"}, cascade="all, delete-orphan", backref="flow",
        order_by="DailyFlowSlot.starts_at")

    def _inspections_within_arrivals(self) -> str | None:
        if self.actual_inspections is not None and self.actual_arrivals is not None \
                and self.actual_inspections > self.actual_arrivals:
            return "“实际检测台次”不能多于“实际进厂台次”"
        return None

    form_rules = (required("campaign", "day", "leader"), in_window("day"),
                  non_negative("target_arrivals", "actual_arrivals", "actual_inspections",
                               "actual_revenue"),
                  check(_inspections_within_arrivals),
                  each_row("slots", required("starts_at", "ends_at", "activity"),
                           ordered("starts_at", "ends_at", strict=True), row_name="时间段第{n}行"))


class DailyFlowSlot(Base):
    __tablename__ = "daily_flow_slot"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    flow_id: Mapped[int] = field("流程", ForeignKey("daily_flow.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.time] = field("开始", Time)
    ends_at: Mapped[dt.time] = field("结束", Time)
    activity: Mapped[str] = field("工作内容", String(200))
    station: Mapped[str | None] = field("岗位/地点", String(60))
    owner: Mapped[str | None] = field("负责人", String(60))


class TrainingSession(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "training_session"
    kind: Mapped[str] = field("培训类型", String(20), choices=TRAINING_KINDS, index=True)
    held_on: Mapped[dt.date] = field("培训日期", index=True)
    trainer: Mapped[str] = field("讲师", String(60))
    topics: Mapped[str | None] = field("培训项目", Text)
    trainees: Mapped[list[Trainee]] = relationship(
        info={"label": "受训人员及成绩"}, cascade="all, delete-orphan", backref="session")

    form_rules = (required("campaign", "kind", "held_on", "trainer"),
                  each_row("trainees", required("name"), between("score", 0, 100), row_name="学员第{n}行"))


class Trainee(Base):
    __tablename__ = "trainee"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    session_id: Mapped[int] = field("培训", ForeignKey("training_session.id", ondelete="CASCADE"),
                                    index=True)
    name: Mapped[str] = field("学员", String(60))
    advisor_id: Mapped[int | None] = field("服务顾问账号", ForeignKey("user.id"), index=True)
    score: Mapped[int | None] = field("成绩 (0-100)", Integer)
    passed: Mapped[bool] = field("合格", Boolean, default=False)


class CustomerInvitation(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "customer_invitation"
    customer_id: Mapped[int | None] = field("顾客", ForeignKey("customer.id"), index=True)
    customer: Mapped[object] = relationship("Customer")
    name: Mapped[str] = field("顾客姓名", String(60), index=True)
    mobile: Mapped[str | None] = field("手机", String(20), index=True)
    plate: Mapped[str | None] = field("车牌号", String(10), index=True)
    vin: Mapped[str | None] = field("VIN 车架号", String(17))
    model: Mapped[str | None] = field("车型", String(60))
    last_visit: Mapped[dt.date | None] = field("上次进厂")
    mileage_km: Mapped[int | None] = field("里程 (km)", Integer)
    source: Mapped[str] = field("来源", String(20), choices=SOURCES, default="manual")
    contact_status: Mapped[str] = field("联系状态", String(20), choices=CONTACT_STATUS,
                                        default="not_contacted", index=True)
    booked_at: Mapped[dt.datetime | None] = field("预约时间")
    # The customer's QR sign-in link; no label, so no screen or spreadsheet shows or takes it.
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token, info={"secret": True})

    def _reachable(self) -> str | None:
        return None if self.mobile or self.plate else "“手机”与“车牌号”至少填写一项"

    def _booking_has_slot(self) -> str | None:
        if self.contact_status == "booked" and self.booked_at is None:
            return "已预约的顾客请填写“预约时间”"
        return None

    # One entry per vehicle and per mobile in a dealer's list of a campaign: the screen and the
    # Excel import (forms.definitions reads these keys) refuse the same repeats.
    form_rules = (required("campaign", "name"), check(_reachable, "mobile"),
                  valid_mobile("mobile"), valid_plate("plate"), valid_vin("vin"), non_negative("mileage_km"),
                  check(_booking_has_slot, "booked_at"), in_window("booked_at"),
                  unique_per_dealer_campaign("plate", "mobile", "vin", list_name="顾客名单"))

    def __str__(self) -> str:
        return " ".join(part for part in (self.name, self.plate, self.mobile) if part)


class PreparationItem(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "preparation_item"
    item: Mapped[str] = field("物品", String(100))
    quantity: Mapped[int] = field("数量", Integer, default=1)
    owner: Mapped[str | None] = field("负责人", String(60))
    ready: Mapped[bool] = field("已备妥", Boolean, default=False, index=True)

    form_rules = (required("campaign", "item"), non_negative("quantity"))
