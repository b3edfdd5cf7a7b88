"""Campaigns, dealer participation, the five phases and their gate approvals."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, relationship

from .base import Base, CampaignOwned, DealerOwned, Record, field, utcnow
from .forms_rules import Validated, between, check, ordered, required, stored_value

FIXED_TEMPLATE = "已定版的模板不可修改，请新建版本"

CAMPAIGN_TYPES = {
    "stock_parts": "库存件促销",
    "common_parts": "常用件促销搭配",
    "summer_check": "夏日检测",
    "long_trip_check": "长途检测",
    "free_inspection": "免费检测",
    "roadshow": "巡回支援与技术答疑",
    "homecoming": "车主回娘家",
}
PHASES = {
    "planning": "提出",
    "preparation": "准备",
    "application": "申请",
    "execution": "执行",
    "evaluation": "测评",
    "closed": "已结束",
}
PHASE_ORDER = list(PHASES)
# 现场辅导资料包 sections, in print order: the seed's set (seed 000: 活动计划, 每日流程, 培训, 顾客名单,
# 签到, 信息反馈, 检测报告 一式三联, 特约店十项工作, 现场辅导); HQ may pick fewer per campaign.
PACKET_SECTIONS = {
    "plan": "活动计划与目标",
    "daily_flow": "活动每日流程（组长、副组长）",
    "training": "培训项目与受训人员",
    "invitations": "顾客名单",
    "sign_in": "顾客签到表",
    "qr_labels": "扫码签到标签",
    "feedback": "顾客信息回馈表（空白）",
    "work_order": "免费检测报告（空白，一式三联）",
    "duties": "特约店十项工作检查表",
    "visit": "现场辅导记录",
    "kpis": "特约店指标与图表",
}
PACKET_COPIES = 5  # **default** blank feedback forms and work orders per packet
MAX_PACKET_COPIES = 200
DECISION_LABELS = {"approved": "批准", "overridden": "强制通过", "refused": "驳回"}


class Campaign(Validated, Record, Base):
    __tablename__ = "campaign"
    name: Mapped[str] = field("活动名称", String(100), unique=True)
    type: Mapped[str] = field("活动类型", String(30), choices=CAMPAIGN_TYPES, index=True)
    theme: Mapped[str | None] = field("活动主题", String(200))
    starts_on: Mapped[dt.date] = field("执行开始日", index=True)
    ends_on: Mapped[dt.date] = field("执行结束日", index=True)
    baseline_starts_on: Mapped[dt.date | None] = field("对比基期开始")
    baseline_ends_on: Mapped[dt.date | None] = field("对比基期结束")
    first_copy_deadline: Mapped[dt.date | None] = field(
        "第一联寄送截止日", help="第一联信息反馈联须在此日前寄出，逾期的工单不计工时补偿")
    goals: Mapped[str | None] = field("活动目标", Text)
    phase: Mapped[str] = field("阶段", String(20), choices=PHASES, default="planning", index=True)
    flow_run_id: Mapped[str | None] = field("Prefect 运行", String(40))
    checklist_template_id: Mapped[int | None] = field(
        "检测项目模板", ForeignKey("checklist_template.id"), index=True)
    checklist_template: Mapped[ChecklistTemplate | None] = relationship(
        foreign_keys=[checklist_template_id])
    packet_sections: Mapped[str | None] = field(
        "资料包章节", String(200), choices=PACKET_SECTIONS, multiple=True,
        help="现场辅导资料包包含的章节；留空为全部章节")
    packet_feedback_copies: Mapped[int | None] = field(
        "资料包空白回馈表份数", Integer, help=f"留空为 {PACKET_COPIES} 份")
    packet_work_order_copies: Mapped[int | None] = field(
        "资料包空白检测报告份数", Integer, help=f"一式三联；留空为 {PACKET_COPIES} 份")
    participations: Mapped[list[Participation]] = relationship(
        info={"label": "参与特约店"}, back_populates="campaign")

    def packet_plan(self) -> tuple[list[str], dict[str, int]]:
        """The sections of this campaign's packets, in print order, and the blank copies of each."""
        chosen = {k for k in (self.packet_sections or "").split(",") if k in PACKET_SECTIONS}
        sections = [k for k in PACKET_SECTIONS if not chosen or k in chosen]
        copies = {"feedback": self.packet_feedback_copies, "work_order": self.packet_work_order_copies}
        return sections, {k: PACKET_COPIES if v is None else v for k, v in copies.items()}

    def __str__(self) -> str:
        return self.name

    def window_problem(self) -> str | None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            return "执行结束日不能早于开始日"
        return None

    def _baseline_before_window(self) -> str | None:
        if self.baseline_ends_on and self.starts_on and self.baseline_ends_on >= self.starts_on:
            return "对比基期应在执行期之前结束"
        return None

    def _keeps_fixed_template(self) -> str | None:
        """Work orders were filled from a fixed (已定版) template: the campaign keeps it."""
        from sqlalchemy import inspect as sa_inspect

        from . import db

        before = stored_value(self, "checklist_template_id")
        if before is None:
            return None
        chosen = sa_inspect(self).attrs.checklist_template.history.added
        after = (chosen[0].id if chosen[0] is not None else None) if chosen else self.checklist_template_id
        old = db.session.get(ChecklistTemplate, before)
        if after != before and old is not None and old.fixed:
            return f"本活动已采用定版模板“{old}”，不能更换或取消检测项目模板"
        return None

    form_rules = (required("name", "type", "starts_on", "ends_on"), check(window_problem, "ends_on"),
                  ordered("baseline_starts_on", "baseline_ends_on"),
                  check(_baseline_before_window, "baseline_ends_on"),
                  ordered("ends_on", "first_copy_deadline"),
                  check(_keeps_fixed_template, "checklist_template"),
                  between("packet_feedback_copies", 0, MAX_PACKET_COPIES),
                  between("packet_work_order_copies", 0, MAX_PACKET_COPIES))


class Participation(DealerOwned, Record, Base):
    __tablename__ = "participation"
    __table_args__ = (UniqueConstraint("campaign_id", "dealer_id", name="uq_participation"),)
    campaign_id: Mapped[int] = field("活动", ForeignKey("campaign.id"), index=True)
    campaign: Mapped[Campaign] = relationship(back_populates="participations")
    phase: Mapped[str] = field("阶段", String(20), choices=PHASES, default="planning", index=True)
    coaching_selected: Mapped[bool] = field("选中现场辅导", Boolean, default=False)

    def __str__(self) -> str:
        return f"{self.campaign} · {self.dealer}"


class ChecklistTemplate(Validated, Record, Base):
    """A versioned inspection item list; a campaign fixes one version."""

    __tablename__ = "checklist_template"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_checklist_template_version"),)
    name: Mapped[str] = field("模板名称", String(60))
    version: Mapped[int] = field("版本", Integer, default=1)
    fixed: Mapped[bool] = field("已定版", Boolean, default=False,
                                help="定版后不可再修改，需修改请新建版本")
    items: Mapped[list[ChecklistItem]] = relationship(info={"label": "检测项目"},
        back_populates="template", cascade="all, delete-orphan", order_by="ChecklistItem.position")

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    def _changed(self) -> bool:
        from . import db

        session = db.session
        return session.is_modified(self, include_collections=True) \
            or any(item in session.new or session.is_modified(item) for item in self.items) \
            or any(isinstance(item, ChecklistItem) and item.template_id == self.id
                   for item in session.deleted)

    def _fixed_unchanged(self) -> str | None:
        # a fixed version is what campaigns and their work orders use: change it by a new version
        if stored_value(self, "fixed") and self._changed():
            return FIXED_TEMPLATE
        return None

    form_rules = (required("name", "version"), check(_fixed_unchanged))


class ChecklistItem(Base):
    __tablename__ = "checklist_item"
    id: Mapped[int] = field("编号", Integer, primary_key=True)
    template_id: Mapped[int] = field("模板", ForeignKey("checklist_template.id", ondelete="CASCADE"),
                                     index=True)
    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")
    position: Mapped[int] = field("序号", Integer)
    name: Mapped[str] = field("检测项目", String(60))
    unit: Mapped[str | None] = field("测量单位", String(20), help="有测量值的项目填写单位，如 mm、kPa")
    safety_critical: Mapped[bool] = field("涉及行车安全", Boolean, default=False)
    reference: Mapped[str | None] = field("标准对比", String(100),
                                          help="客户联上给顾客对照的标准值或范围，如 ≥ 1.6 mm")

    def __str__(self) -> str:
        return self.name


class GateApproval(CampaignOwned, Record, Base):
    """A person's decision at a phase gate; the database is the system of record."""

    __tablename__ = "gate_approval"
    __table_args__ = (UniqueConstraint("campaign_id", "dealer_id", "phase", name="uq_gate_approval"),)
    dealer_id: Mapped[int | None] = field("特约店", ForeignKey("dealer.id"), index=True,
                                          help="留空表示整个活动的关口")
    dealer: Mapped[object] = relationship("Dealer")
    phase: Mapped[str] = field("阶段", String(20), choices=PHASES, index=True)
    decision: Mapped[str] = field("决定", String(20), choices=DECISION_LABELS)
    note: Mapped[str | None] = field("说明", Text)
    decided_by_id: Mapped[int] = field("批准人", ForeignKey("user.id"), index=True)
    decided_by: Mapped[object] = relationship("User")
    decided_at: Mapped[dt.datetime] = field("批准时间", default=utcnow)
    resumed: Mapped[bool] = field("流程已继续", Boolean, default=False)
