"""Reports dealers send HQ and HQ's evaluation records (DESIGN §2.7, §2.11, §2.12)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, relationship

from .base import Base, CampaignOwned, DealerOwned, Record, field
from .forms_rules import (Validated, between, campaign_of, check, each_row, non_negative, ordered,
                          required, valid_mobile, valid_plate, valid_vin)

# The 10 dealer duties of seed 000 slides 33-35, the coaching checklist.
DEALER_DUTIES = ["客户使用环境管理", "服务快速(专用通道)", "免费冷却检测", "免费全车21项安全检查",
                 "常用、保养备件价格公示", "客户礼品", "车主回娘家标示贴", "100%服务回访",
                 "信息反馈按时上报", "配合现场辅导"]


class WeeklySummary(Validated, CampaignOwned, DealerOwned, Record, Base):
    """免费检测客户信息汇总表, due Monday 17:00 Asia/Shanghai for the previous ISO week."""

    __tablename__ = "weekly_summary"
    __table_args__ = (UniqueConstraint("campaign_id", "dealer_id", "week_start",
                                       name="uq_weekly_summary_week"),)
    week_start: Mapped[dt.date] = field("周一日期", index=True, help="所汇总那一周的周一")
    submitted_at: Mapped[dt.datetime | None] = field("提交时间", index=True)
    late: Mapped[bool] = field("迟交", default=False, index=True)
    note: Mapped[str | None] = field("备注", Text)
    rows: Mapped[list[WeeklySummaryRow]] = relationship(
        info={"label": "客户明细"}, cascade="all, delete-orphan",
        backref="summary")

    def _week_problems(self) -> Iterator[str]:
        if self.week_start is None:
            return
        if self.week_start.weekday() != 0:
            yield f"“周一日期”{self.week_start:%Y-%m-%d} 不是星期一"
        campaign, week_end = campaign_of(self), self.week_start + dt.timedelta(days=6)
        if campaign is not None and not (self.week_start <= campaign.ends_on
                                         and week_end >= campaign.starts_on):
            yield f"该周（{self.week_start:%Y-%m-%d} 起）不在活动“{campaign.name}”的执行期内"
        for n, row in enumerate(self.rows, start=1):
            if row.visited_on and not self.week_start <= row.visited_on <= week_end:
                yield f"客户第{n}行：检测日期 {row.visited_on:%Y-%m-%d} 不在该周内"

    form_rules = (required("campaign", "week_start"), check(_week_problems),
                  each_row("rows", required("visited_on", "customer_name"), valid_mobile("mobile"),
                           valid_plate("plate"), valid_vin("vin"), row_name="客户第{n}行"))


class WeeklySummaryRow(Base):
    __tablename__ = "weekly_summary_row"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    summary_id: Mapped[int] = field("汇总表", ForeignKey("weekly_summary.id", ondelete="CASCADE"),
                                    index=True)
    work_order_id: Mapped[int | None] = field("工单", ForeignKey("work_order.id"), index=True)
    visited_on: Mapped[dt.date] = field("检测日期")
    customer_name: Mapped[str] = field("顾客姓名", String(60))
    mobile: Mapped[str | None] = field("手机", String(20))
    plate: Mapped[str | None] = field("车牌号", String(10))
    vin: Mapped[str | None] = field("VIN 车架号", String(17))


class RevenueReport(Validated, CampaignOwned, DealerOwned, Record, Base):
    """营业收入状况分析表: campaign period against the baseline period."""

    __tablename__ = "revenue_report"
    period_start: Mapped[dt.date] = field("期间开始", index=True)
    period_end: Mapped[dt.date] = field("期间结束")
    visits: Mapped[int] = field("进厂台次", Integer, default=0)
    labor_revenue: Mapped[Decimal] = field("工时收入 (元)", default=Decimal("0"))
    parts_revenue: Mapped[Decimal] = field("配件收入 (元)", default=Decimal("0"))
    baseline_visits: Mapped[int] = field("基期进厂台次", Integer, default=0)
    baseline_revenue: Mapped[Decimal] = field("基期营业收入 (元)", default=Decimal("0"))
    cost: Mapped[Decimal] = field("活动费用 (元)", default=Decimal("0"))
    submitted_at: Mapped[dt.datetime | None] = field("提交时间")

    form_rules = (required("campaign", "period_start", "period_end"),
                  ordered("period_start", "period_end"),
                  non_negative("visits", "labor_revenue", "parts_revenue", "baseline_visits",
                               "baseline_revenue", "cost"))


class ClosingMeeting(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "closing_meeting"
    held_on: Mapped[dt.date] = field("会议日期", index=True)
    attendees: Mapped[str | None] = field("参会人员", Text)
    participants: Mapped[int | None] = field("参与活动人次", Integer)
    revenue: Mapped[Decimal | None] = field("活动营业收入 (元)")
    baseline_revenue: Mapped[Decimal | None] = field("基期营业收入 (元)")
    # the four cost parts of the plan's budget (seed 001 成本構成), as actually spent
    cost_customer: Mapped[Decimal | None] = field("实际费用: 顾客费用 (元)")
    cost_staff: Mapped[Decimal | None] = field("实际费用: 人员车辆 (元)")
    cost_media: Mapped[Decimal | None] = field("实际费用: 媒体 (元)")
    cost_gifts: Mapped[Decimal | None] = field("实际费用: 礼品物料 (元)")
    cost_analysis: Mapped[str | None] = field("费用分析", Text)
    satisfaction: Mapped[Decimal | None] = field("满意度 (%)")
    results_commentary: Mapped[str | None] = field("目标达成说明", Text)
    what_worked: Mapped[str | None] = field("成功经验", Text)
    to_improve: Mapped[str | None] = field("待改进", Text)
    self_assessment: Mapped[str | None] = field("活动自评", Text)

    def _after_start(self) -> str | None:
        campaign = campaign_of(self)
        if campaign is not None and self.held_on and self.held_on < campaign.starts_on:
            return f"活动结束会议不能早于活动开始日 {campaign.starts_on:%Y-%m-%d}"
        return None

    form_rules = (required("campaign", "held_on"), check(_after_start),
                  non_negative("participants", "revenue", "baseline_revenue", "cost_customer", "cost_staff",
                               "cost_media", "cost_gifts"),
                  between("satisfaction", 0, 100))


class CoachingVisit(Validated, CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "coaching_visit"
    visit_on: Mapped[dt.date] = field("辅导日期", index=True)
    coach_id: Mapped[int] = field("辅导员", ForeignKey("user.id"), index=True)
    coach: Mapped[object] = relationship("User")
    status: Mapped[str] = field("状态", String(20), choices={"scheduled": "已安排", "done": "已完成"},
                                default="scheduled", index=True)
    organization_score: Mapped[int | None] = field("活动组织得分 (0-100)", Integer)
    findings: Mapped[str | None] = field("发现问题", Text)
    follow_ups: Mapped[str | None] = field("跟进事项", Text)
    duties: Mapped[list[CoachingDuty]] = relationship(
        info={"label": "特约店职责检查"}, cascade="all, delete-orphan", backref="visit")

    def _done_is_scored(self) -> str | None:
        if self.status == "done" and self.organization_score is None:
            return "已完成的现场辅导请填写“活动组织得分”"
        return None

    def _coach_is_hq(self) -> str | None:
        if self.coach is not None and getattr(self.coach, "role", None) not in ("coach", "hq_admin"):
            return f"“辅导员”{self.coach}不是总部现场辅导员"
        return None

    form_rules = (required("campaign", "visit_on", "coach"), check(_coach_is_hq),
                  between("organization_score", 0, 100), check(_done_is_scored),
                  each_row("duties", required("duty"), between("score", 0, 10), row_name="配合事项第{n}行"))


class CoachingDuty(Base):
    __tablename__ = "coaching_duty"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    visit_id: Mapped[int] = field("辅导", ForeignKey("coaching_visit.id", ondelete="CASCADE"), index=True)
    duty: Mapped[str] = field("特约店配合事项", String(60))
    score: Mapped[int | None] = field("得分 (0-10)", Integer)
    note: Mapped[str | None] = field("说明", String(200))
