"""活动计划会议表 PlanMeeting and its inline rows (seed 000 slides 68-70)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, relationship

from .base import Base, CampaignOwned, Record, field
from .forms_rules import Validated, check, each_row, non_negative, required

REASONS = {"market": "市场竞争", "stock": "零配件库存", "capacity": "服务能力", "special": "特殊意义"}
SUPPORT = {"compensation": "工时补偿", "subsidy": "费用补助", "technical": "技术支持"}
STATUS = {"draft": "草稿", "submitted": "已提交审批", "approved": "已批准", "refused": "已驳回"}


class PlanMeeting(Validated, CampaignOwned, Record, Base):
    __tablename__ = "plan_meeting"
    dealer_id: Mapped[int | None] = field("特约店", ForeignKey("dealer.id"), index=True,
                                          help="总部计划会议留空")
    dealer: Mapped[object] = relationship("Dealer")
    held_on: Mapped[dt.date] = field("会议日期", index=True)
    place: Mapped[str | None] = field("会议地点", String(100))
    chair: Mapped[str | None] = field("主持人", String(60))
    reasons: Mapped[str | None] = field("活动缘由", String(100), choices=REASONS, multiple=True,
                                        help="市场竞争 / 零配件库存 / 服务能力 / 特殊意义，可多选")
    reason_note: Mapped[str | None] = field("缘由说明", Text)
    evaluation_method: Mapped[str | None] = field("活动评估分析方法", Text)
    dealer_work: Mapped[str | None] = field("特约店工作", Text)
    hq_work: Mapped[str | None] = field("厂家工作", Text)
    conflicts_policy: Mapped[bool] = field("是否抵触政策", Boolean, default=False)
    policy_note: Mapped[str | None] = field("政策说明", Text)
    support_requested: Mapped[str | None] = field("申请支援", String(100), choices=SUPPORT, multiple=True)
    budget_customer: Mapped[Decimal] = field("预算: 顾客费用 (元)", default=Decimal("0"))
    budget_staff: Mapped[Decimal] = field("预算: 人员车辆 (元)", default=Decimal("0"))
    budget_media: Mapped[Decimal] = field("预算: 媒体 (元)", default=Decimal("0"))
    budget_gifts: Mapped[Decimal] = field("预算: 礼品物料 (元)", default=Decimal("0"))
    pilot_plan: Mapped[str | None] = field("试行计划", Text)
    decisions: Mapped[str | None] = field("会议决议", Text)
    status: Mapped[str] = field("状态", String(20), choices=STATUS, default="draft", index=True)
    attendees: Mapped[list[PlanAttendee]] = relationship(
        info={"label": "参会人员"}, cascade="all, delete-orphan", backref="meeting")
    goals: Mapped[list[PlanGoal]] = relationship(
        info={"label": "活动目标"}, cascade="all, delete-orphan", backref="meeting")
    milestones: Mapped[list[PlanMilestone]] = relationship(
        info={"label": "工作进度安排"}, cascade="all, delete-orphan", backref="meeting")

    def _policy_explained(self) -> str | None:
        if self.conflicts_policy and not (self.policy_note or "").strip():
            return "活动与政策有抵触时，请填写“政策说明”"
        return None

    form_rules = (required("campaign", "held_on"),
                  non_negative("budget_customer", "budget_staff", "budget_media", "budget_gifts"),
                  check(_policy_explained),
                  each_row("attendees", required("name"), row_name="参会人员第{n}行"),
                  each_row("goals", required("metric", "target"), row_name="活动目标第{n}行"),
                  each_row("milestones", required("due_on", "item"), row_name="时间节点第{n}行"))

    @property
    def budget_total(self) -> Decimal:
        return sum((self.budget_customer or 0, self.budget_staff or 0,
                    self.budget_media or 0, self.budget_gifts or 0), Decimal("0"))


class PlanAttendee(Base):
    __tablename__ = "plan_attendee"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    meeting_id: Mapped[int] = field("会议", ForeignKey("plan_meeting.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = field("姓名", String(60))
    role: Mapped[str | None] = field("职务", String(60))
    organization: Mapped[str | None] = field("单位", String(100))


class PlanGoal(Base):
    __tablename__ = "plan_goal"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    meeting_id: Mapped[int] = field("会议", ForeignKey("plan_meeting.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = field("目标指标", String(60), help="如 进厂台次、营业收入、满意度")
    target: Mapped[Decimal] = field("目标值")
    unit: Mapped[str | None] = field("单位", String(20), help="如 台次、万元、%")


class PlanMilestone(Base):
    __tablename__ = "plan_milestone"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    meeting_id: Mapped[int] = field("会议", ForeignKey("plan_meeting.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[dt.date] = field("日期")
    item: Mapped[str] = field("工作事项", String(200))
    owner: Mapped[str | None] = field("负责人", String(60))
