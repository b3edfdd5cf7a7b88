"""工时补偿 LaborCompensation with its versioned tier table (DESIGN §4)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, relationship

from .base import Base, CampaignOwned, DealerOwned, Record, field
from .forms_rules import Validated, between, each_row, non_negative, required

COMP_STATUS = {"claimed": "已申请", "calculated": "已核算", "approved": "已批准", "paid": "已支付"}


class CompensationRule(Validated, Record, Base):
    """A published version of hours, rate and truthfulness tiers; HQ changes it as data."""

    __tablename__ = "compensation_rule"
    name: Mapped[str] = field("规则名称", String(60))
    version: Mapped[int] = field("版本", Integer, default=1)
    hours_per_inspection: Mapped[Decimal] = field("每台检测工时", default=Decimal("1.0"))
    labor_rate: Mapped[Decimal] = field("工时单价 (元)", default=Decimal("100"))
    published: Mapped[bool] = field("已发布", Boolean, default=False, index=True)
    tiers: Mapped[list[CompensationTier]] = relationship(
        cascade="all, delete-orphan", backref="rule",
        order_by="CompensationTier.min_truthfulness.desc()")

    form_rules = (required("name"),
                  non_negative("hours_per_inspection", "labor_rate"),
                  each_row("tiers", required("min_truthfulness", "payout_percent"),
                           between("min_truthfulness", 0, 100), between("payout_percent", 0, 100),
                           row_name="档位第{n}行"))

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class CompensationTier(Base):
    __tablename__ = "compensation_tier"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    rule_id: Mapped[int] = field("规则", ForeignKey("compensation_rule.id", ondelete="CASCADE"), index=True)
    min_truthfulness: Mapped[Decimal] = field("真实率下限 (%)")
    payout_percent: Mapped[Decimal] = field("补偿比例 (%)")


DEFAULT_TIERS = [(Decimal(95), Decimal(100)), (Decimal(90), Decimal(80)),
                 (Decimal(80), Decimal(50)), (Decimal(0), Decimal(0))]


class LaborCompensation(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "labor_compensation"
    rule_id: Mapped[int | None] = field("补偿规则", ForeignKey("compensation_rule.id"), index=True)
    rule: Mapped[CompensationRule | None] = relationship()
    eligible_inspections: Mapped[int] = field("有效检测台次", Integer, default=0)
    truthfulness_rate: Mapped[Decimal | None] = field("真实率 (%)")
    amount: Mapped[Decimal] = field("补偿金额 (元)", default=Decimal("0"))
    status: Mapped[str] = field("状态", String(20), choices=COMP_STATUS, default="claimed", index=True)
    paid_on: Mapped[dt.date | None] = field("入账日期")
    note: Mapped[str | None] = field("说明", Text)

    form_rules = (required("campaign"), non_negative("eligible_inspections", "amount"),
                  between("truthfulness_rate", 0, 100))
