"""Reports dealers send HQ and HQ's evaluation records (DESIGN §2.7, §2.11, §2.12)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, relationship

from .base import Base, CampaignOwned, DealerOwned, Record, field

# The 10 dealer duties of seed 000 slides 33-35, the coaching checklist.
DEALER_DUTIES = ["客户使用环境管理", "服务快速(专用通道)", "免费冷却检测", "免费全车21项安全检查",
                 "常用、保养备件价格公示", "客户礼品", "车主回娘家标示贴", "100%服务回访",
                 "信息反馈按时上报", "配合现场辅导"]


class WeeklySummary(CampaignOwned, DealerOwned, Record, Base):
    """免费检测客户信息汇总表, due Monday 17:00 Asia/Shanghai for the previous ISO week."""

    __tablename__ = "weekly_summary"
    __table_args__ = (UniqueConstraint("campaign_id", "dealer_id", "week_start",
                                       name="uq_weekly_summary_week"),)
    week_start: Mapped[dt.date] = field("周一日期", index=True, help="所汇总那一周的周一")
    submitted_at: Mapped[dt.datetime | None] = field("提交时间", index=True)
    late: Mapped[bool] = field("迟交", default=False, index=True)
    note: Mapped[str | None] = field("备注", Text)
    rows: Mapped[list[WeeklySummaryRow]] = relationship(cascade="all, delete-orphan",
                                                            backref="summary")


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


class RevenueReport(CampaignOwned, DealerOwned, Record, Base):
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


class ClosingMeeting(CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "closing_meeting"
    held_on: Mapped[dt.date] = field("会议日期", index=True)
    attendees: Mapped[str | None] = field("参会人员", Text)
    participants: Mapped[int | None] = field("参与活动人次", Integer)
    revenue: Mapped[Decimal | None] = field("活动营业收入 (元)")
    baseline_revenue: Mapped[Decimal | None] = field("基期营业收入 (元)")
    cost_analysis: Mapped[str | None] = field("费用分析", Text)
    satisfaction: Mapped[Decimal | None] = field("满意度 (%)")
    results_commentary: Mapped[str | None] = field("目标达成说明", Text)
    what_worked: Mapped[str | None] = field("成功经验", Text)
    to_improve: Mapped[str | None] = field("待改进", Text)
    self_assessment: Mapped[str | None] = field("活动自评", Text)


class CoachingVisit(CampaignOwned, DealerOwned, Record, Base):
    __tablename__ = "coaching_visit"
    visit_on: Mapped[dt.date] = field("辅导日期", index=True)
    coach_id: Mapped[int] = field("辅导员", ForeignKey("user.id"), index=True)
    coach: Mapped[object] = relationship("User")
    status: Mapped[str] = field("状态", String(20), choices={"scheduled": "已安排", "done": "已完成"},
                                default="scheduled", index=True)
    organization_score: Mapped[int | None] = field("活动组织得分 (0-100)", Integer)
    findings: Mapped[str | None] = field("发现问题", Text)
    follow_ups: Mapped[str | None] = field("跟进事项", Text)
    duties: Mapped[list[CoachingDuty]] = relationship(cascade="all, delete-orphan", backref="visit")


class CoachingDuty(Base):
    __tablename__ = "coaching_duty"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    visit_id: Mapped[int] = field("辅导", ForeignKey("coaching_visit.id", ondelete="CASCADE"), index=True)
    duty: Mapped[str] = field("特约店配合事项", String(60))
    score: Mapped[int | None] = field("得分 (0-10)", Integer)
    note: Mapped[str | None] = field("说明", String(200))
