"""工时补偿 LaborCompensation with its versioned tier table (DESIGN §4, seed 000 slide 32).

The amount is computed, never typed: eligible inspections × hours per inspection × labor rate
× tier(真实率) from the published rule. A computed record keeps the rule version and every
input it used, so it can be explained and recomputed identically after the rule changes.
已申请 claimed → 已核算 calculated → 已批准 approved (hq_admin) → 已支付 paid into the dealer's
索赔账户; HQ may refuse a calculation with a reason (已驳回), after which it is recalculated.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, relationship

from .base import Base, CampaignOwned, DealerOwned, Record, field
from .forms_rules import Validated, between, check, each_row, non_negative, required, stored_value

COMP_STATUS = {"claimed": "已申请", "calculated": "已核算", "refused": "已驳回", "approved": "已批准",
               "paid": "已支付"}
CENT = Decimal("0.01")


class CompensationRule(Validated, Record, Base):
    """A published version of hours, rate and truthfulness tiers; HQ changes it as data."""

    __tablename__ = "compensation_rule"
    name: Mapped[str] = field("规则名称", String(60))
    version: Mapped[int] = field("版本", Integer, default=1)
    hours_per_inspection: Mapped[Decimal] = field("每台检测工时", default=Decimal("1.0"))
    labor_rate: Mapped[Decimal] = field("工时单价 (元)", default=Decimal("100"))
    published: Mapped[bool] = field("已发布", Boolean, default=False, index=True,
                                    help="发布后不可再修改，需修改请新建版本")
    tiers: Mapped[list[CompensationTier]] = relationship(info={"label": "补偿档位"},
        cascade="all, delete-orphan", backref="rule",
        order_by="CompensationTier.min_truthfulness.desc()")

    def _published_unchanged(self) -> str | None:
        # calculated compensations point at this version: a change must be a new version
        if stored_value(self, "published"):
            return "已发布的补偿规则不可修改：请在列表中勾选该规则，用“新建版本”修改"
        return None

    form_rules = (required("name"), check(_published_unchanged),
                  non_negative("hours_per_inspection", "labor_rate"),
                  each_row("tiers", required("min_truthfulness", "payout_percent"),
                           between("min_truthfulness", 0, 100), between("payout_percent", 0, 100),
                           row_name="档位第{n}行"))

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    def payout_percent(self, truthfulness: Fraction | None) -> Decimal:
        """The tier's payout for an exact 真实率 (a fraction); no reachable customer pays nothing."""
        if truthfulness is None:
            return Decimal(0)
        for tier in sorted(self.tiers, key=lambda t: t.min_truthfulness, reverse=True):
            if truthfulness * 100 >= Fraction(tier.min_truthfulness):
                return Decimal(tier.payout_percent)
        return Decimal(0)

    def new_version(self) -> CompensationRule:
        """An unpublished copy with the next version number, tiers included."""
        return CompensationRule(name=self.name, version=self.version + 1, published=False,
                                hours_per_inspection=self.hours_per_inspection, labor_rate=self.labor_rate,
                                tiers=[CompensationTier(min_truthfulness=t.min_truthfulness,
                                                        payout_percent=t.payout_percent) for t in self.tiers])


class CompensationTier(Base):
    __tablename__ = "compensation_tier"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    rule_id: Mapped[int] = field("规则", ForeignKey("compensation_rule.id", ondelete="CASCADE"), index=True)
    min_truthfulness: Mapped[Decimal] = field("真实率下限 (%)")
    payout_percent: Mapped[Decimal] = field("补偿比例 (%)")


DEFAULT_TIERS = [(Decimal(95), Decimal(100)), (Decimal(90), Decimal(80)),
                 (Decimal(80), Decimal(50)), (Decimal(0), Decimal(0))]


def compensation_amount(eligible: int, hours: Decimal, rate: Decimal, payout_percent: Decimal) -> Decimal:
    """台次 × 工时 × 单价 × 比例, in yuan to the fen (round half up once, at the end)."""
    return (Decimal(eligible) * hours * rate * payout_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


class LaborCompensation(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "labor_compensation"
    __table_args__ = (UniqueConstraint("campaign_id", "dealer_id", name="uq_labor_compensation_dealer"),)
    status: Mapped[str] = field("状态", String(20), choices=COMP_STATUS, default="claimed", index=True)
    # the inputs of the last calculation, kept so it can be explained and redone identically
    rule_id: Mapped[int | None] = field("补偿规则", ForeignKey("compensation_rule.id"), index=True)
    rule: Mapped[CompensationRule | None] = relationship()
    work_orders: Mapped[int] = field("工单数", Integer, default=0)
    eligible_inspections: Mapped[int] = field("有效检测台次", Integer, default=0)
    reported: Mapped[int] = field("上报顾客数", Integer, default=0)
    confirmed: Mapped[int] = field("核实属实数", Integer, default=0)
    unreachable: Mapped[int] = field("无法接通数", Integer, default=0)
    truthfulness_rate: Mapped[Decimal | None] = field("真实率 (%)")
    hours_per_inspection: Mapped[Decimal | None] = field("每台检测工时")
    labor_rate: Mapped[Decimal | None] = field("工时单价 (元)")
    payout_percent: Mapped[Decimal | None] = field("补偿比例 (%)")
    amount: Mapped[Decimal] = field("补偿金额 (元)", default=Decimal("0"))
    calculated_at: Mapped[dt.datetime | None] = field("核算时间")
    approved_by_id: Mapped[int | None] = field("批准人", ForeignKey("user.id"), index=True)
    approved_by: Mapped[object] = relationship("User", foreign_keys=[approved_by_id])
    approved_at: Mapped[dt.datetime | None] = field("批准时间")
    refusal_reason: Mapped[str | None] = field("驳回原因", Text)
    claim_account: Mapped[str | None] = field("入账索赔账户", String(40))
    payment_reference: Mapped[str | None] = field("付款凭证号", String(60))
    paid_on: Mapped[dt.date | None] = field("入账日期")
    note: Mapped[str | None] = field("说明", Text)

    def recomputed_amount(self) -> Decimal:
        """The amount again from the kept inputs: equal to `amount` whatever the rule is today."""
        if self.payout_percent is None:
            return Decimal("0.00")
        return compensation_amount(self.eligible_inspections, self.hours_per_inspection, self.labor_rate,
                                   self.payout_percent)

    def __str__(self) -> str:
        return f"{self.dealer} {COMP_STATUS.get(self.status, '')}"
