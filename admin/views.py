"""Admin screens as configuration on SecureModelView (DESIGN §2, §6)."""
from __future__ import annotations

from typing import Any

from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import Length, Optional, ValidationError

from models import (AuditLog, Callback, Campaign, ChecklistItem, ChecklistTemplate, ClosingMeeting,
                    CoachingDuty, CoachingVisit, CompensationRule, CompensationTier, Complaint,
                    Customer, CustomerInvitation, DailyFlow, DailyFlowSlot, Dealer, Feedback,
                    FeedbackRating, GateApproval, LaborCompensation, Notification, Participation,
                    PlanAttendee, PlanGoal, PlanMeeting, PlanMilestone, PreparationItem, Region,
                    RevenueReport, SignIn, Trainee, TrainingSession, User, Vehicle, WeeklySummary,
                    WeeklySummaryRow, WorkOrder, WorkOrderItem)

from .base import ALL_ROLES, ReadOnlyModelView, SecureModelView, ajax

HQ = frozenset({"hq_admin"})
DEALER_DESK = frozenset({"hq_admin", "dealer_coordinator"})
FRONT_DESK = frozenset({"hq_admin", "dealer_coordinator", "service_advisor"})
NO_CALL_CENTER = ALL_ROLES - {"call_center"}


def inline(model: type, *exclude: str) -> tuple[type, dict[str, Any]]:
    """Inline child rows labelled from the same Column.info as the top-level screens."""
    labels = {c.key: c.info["label"] for c in model.__table__.columns if "label" in c.info}
    choices = {c.key: list(c.info["choices"].items()) for c in model.__table__.columns
               if "choices" in c.info}
    return (model, {"column_labels": labels, "form_choices": choices,
                    "form_excluded_columns": list(exclude)})


# --- 基础数据 ---------------------------------------------------------------------------------
class RegionView(SecureModelView):
    column_list = ["code", "name"]
    column_searchable_list = ["code", "name"]
    form_excluded_columns = SecureModelView.form_excluded_columns + ["dealers"]


class DealerView(SecureModelView):
    column_list = ["code", "name", "city", "region", "phone", "active"]
    column_searchable_list = ["code", "name", "city"]
    column_filters = ["region", "active", "city"]
    column_default_sort = "code"


class UserView(SecureModelView):
    read_roles = frozenset({"hq_admin", "regional_manager", "dealer_coordinator"})
    column_list = ["username", "full_name", "role", "dealer", "region", "active", "last_login_at"]
    column_searchable_list = ["username", "full_name", "mobile"]
    column_filters = ["role", "dealer", "region", "active"]
    column_exclude_list = ["password_hash"]
    column_details_exclude_list = ["password_hash", "version_id"]
    column_export_exclude_list = ["password_hash", "version_id"]
    form_excluded_columns = SecureModelView.form_excluded_columns + ["password_hash", "last_login_at"]
    form_extra_fields = {"new_password": PasswordField(
        "设置新密码", validators=[Optional(), Length(min=8, max=200, message="密码至少 8 位")],
        description="留空则不修改")}

    def on_model_change(self, form: Any, model: User, is_created: bool) -> None:
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif is_created:
            raise ValidationError("新用户必须设置密码")
        problem = model.role_problem()
        if problem:
            raise ValidationError(problem)
        super().on_model_change(form, model, is_created)


class CustomerView(SecureModelView):
    write_roles = FRONT_DESK
    column_list = ["name", "mobile", "dealer", "created_at"]
    column_searchable_list = ["name", "mobile"]
    column_filters = ["dealer"]
    inline_models = [inline(Vehicle, "dealer", "created_at", "updated_at", "version_id")]


class VehicleView(SecureModelView):
    write_roles = FRONT_DESK
    column_list = ["plate", "vin", "model", "customer", "mileage_km", "last_visit", "dealer"]
    column_searchable_list = ["plate", "vin", "model"]
    column_filters = ["dealer", "model", "last_visit"]
    form_ajax_refs = {"customer": ajax(Customer, "name", "mobile")}


class CampaignView(SecureModelView):
    column_list = ["name", "type", "theme", "starts_on", "ends_on", "phase"]
    column_searchable_list = ["name", "theme"]
    column_filters = ["type", "phase", "starts_on"]
    column_default_sort = ("starts_on", True)
    form_excluded_columns = SecureModelView.form_excluded_columns + ["participations", "flow_run_id",
                                                                     "phase"]


class ParticipationView(SecureModelView):
    column_list = ["campaign", "dealer", "phase", "coaching_selected"]
    column_filters = ["campaign", "dealer", "phase"]


class ChecklistTemplateView(SecureModelView):
    column_list = ["name", "version", "fixed"]
    inline_models = [inline(ChecklistItem)]


# --- 提出 ---------------------------------------------------------------------------------------
class PlanMeetingView(SecureModelView):
    write_roles = frozenset({"hq_admin", "regional_manager", "dealer_coordinator"})
    column_list = ["campaign", "dealer", "held_on", "place", "chair", "status"]
    column_searchable_list = ["place", "chair", "decisions"]
    column_filters = ["campaign", "dealer", "held_on", "status"]
    column_default_sort = ("held_on", True)
    inline_models = [inline(PlanAttendee), inline(PlanGoal), inline(PlanMilestone)]


# --- 准备 ---------------------------------------------------------------------------------------
class DailyFlowView(SecureModelView):
    write_roles = DEALER_DESK
    column_list = ["campaign", "dealer", "day", "leader", "deputy", "target_arrivals", "actual_arrivals"]
    column_filters = ["campaign", "dealer", "day"]
    column_default_sort = ("day", True)
    inline_models = [inline(DailyFlowSlot)]


class TrainingSessionView(SecureModelView):
    write_roles = DEALER_DESK
    column_list = ["campaign", "dealer", "kind", "held_on", "trainer"]
    column_filters = ["campaign", "dealer", "kind", "held_on"]
    column_default_sort = ("held_on", True)
    inline_models = [inline(Trainee, "advisor_id")]


class CustomerInvitationView(SecureModelView):
    write_roles = DEALER_DESK
    column_list = ["campaign", "dealer", "name", "mobile", "plate", "model", "contact_status", "booked_at"]
    column_searchable_list = ["name", "mobile", "plate", "vin"]
    column_filters = ["campaign", "dealer", "contact_status", "source"]
    form_ajax_refs = {"customer": ajax(Customer, "name", "mobile")}


class PreparationItemView(SecureModelView):
    write_roles = DEALER_DESK
    column_list = ["campaign", "dealer", "item", "quantity", "owner", "ready"]
    column_filters = ["campaign", "dealer", "ready"]
    column_editable_list = ["ready"]


# --- 申请 ---------------------------------------------------------------------------------------
class CoachingVisitView(SecureModelView):
    write_roles = frozenset({"hq_admin", "coach"})
    read_roles = NO_CALL_CENTER
    column_list = ["campaign", "dealer", "visit_on", "coach", "status", "organization_score"]
    column_filters = ["campaign", "dealer", "visit_on", "status"]
    inline_models = [inline(CoachingDuty)]


class CompensationRuleView(SecureModelView):
    read_roles = NO_CALL_CENTER
    column_list = ["name", "version", "hours_per_inspection", "labor_rate", "published"]
    inline_models = [inline(CompensationTier)]


# --- 执行 ---------------------------------------------------------------------------------------
class SignInView(SecureModelView):
    write_roles = FRONT_DESK
    column_list = ["campaign", "dealer", "arrived_at", "name", "plate", "advisor", "channel",
                   "gift_given", "sticker_applied", "walk_in"]
    column_searchable_list = ["name", "mobile", "plate"]
    column_filters = ["campaign", "dealer", "arrived_at", "channel", "walk_in"]
    column_default_sort = ("arrived_at", True)
    form_ajax_refs = {"customer": ajax(Customer, "name", "mobile")}


class FeedbackView(SecureModelView):
    write_roles = FRONT_DESK
    column_list = ["campaign", "dealer", "filled_on", "customer_name", "nps", "wants_complaint"]
    column_searchable_list = ["customer_name", "comments"]
    column_filters = ["campaign", "dealer", "filled_on", "wants_complaint"]
    inline_models = [inline(FeedbackRating)]
    form_ajax_refs = {"sign_in": ajax(SignIn, "name", "plate")}


class WorkOrderView(SecureModelView):
    write_roles = FRONT_DESK
    column_list = ["number", "campaign", "dealer", "visited_on", "customer", "vehicle", "advisor",
                   "customer_signed"]
    column_searchable_list = ["number", "technician"]
    column_filters = ["campaign", "dealer", "visited_on", "customer_signed"]
    column_default_sort = ("visited_on", True)
    inline_models = [inline(WorkOrderItem)]
    form_ajax_refs = {"customer": ajax(Customer, "name", "mobile"),
                      "vehicle": ajax(Vehicle, "plate", "vin"),
                      "sign_in": ajax(SignIn, "name", "plate")}


class CallbackView(SecureModelView):
    write_roles = FRONT_DESK | {"call_center"}
    column_list = ["campaign", "dealer", "kind", "customer_name", "due_on", "called_at", "outcome",
                   "satisfaction"]
    column_searchable_list = ["customer_name", "mobile"]
    column_filters = ["campaign", "dealer", "kind", "due_on", "outcome"]
    column_default_sort = "due_on"
    form_ajax_refs = {"work_order": ajax(WorkOrder, "number")}


class ComplaintView(SecureModelView):
    write_roles = FRONT_DESK | {"regional_manager", "call_center"}
    column_list = ["campaign", "dealer", "registered_at", "customer_name", "severity", "assignee",
                   "status", "escalated_at"]
    column_searchable_list = ["customer_name", "description"]
    column_filters = ["campaign", "dealer", "status", "severity", "registered_at"]
    column_default_sort = ("registered_at", True)


class WeeklySummaryView(SecureModelView):
    write_roles = DEALER_DESK
    column_list = ["campaign", "dealer", "week_start", "submitted_at", "late"]
    column_filters = ["campaign", "dealer", "week_start", "late"]
    column_default_sort = ("week_start", True)
    inline_models = [inline(WeeklySummaryRow, "work_order_id")]


class RevenueReportView(SecureModelView):
    write_roles = DEALER_DESK
    read_roles = NO_CALL_CENTER
    column_list = ["campaign", "dealer", "period_start", "period_end", "visits", "labor_revenue",
                   "parts_revenue", "baseline_revenue"]
    column_filters = ["campaign", "dealer", "period_start"]


# --- 测评 ---------------------------------------------------------------------------------------
class ClosingMeetingView(SecureModelView):
    write_roles = DEALER_DESK
    read_roles = NO_CALL_CENTER
    column_list = ["campaign", "dealer", "held_on", "participants", "revenue", "satisfaction"]
    column_filters = ["campaign", "dealer", "held_on"]


class LaborCompensationView(SecureModelView):
    read_roles = NO_CALL_CENTER
    column_list = ["campaign", "dealer", "eligible_inspections", "truthfulness_rate", "amount",
                   "status", "paid_on"]
    column_filters = ["campaign", "dealer", "status"]


# --- 系统 ---------------------------------------------------------------------------------------
class GateApprovalView(ReadOnlyModelView):
    read_roles = NO_CALL_CENTER
    column_list = ["campaign", "dealer", "phase", "decision", "decided_by", "decided_at", "note"]
    column_filters = ["campaign", "dealer", "phase", "decision"]
    column_default_sort = ("decided_at", True)


class AuditLogView(ReadOnlyModelView):
    read_roles = frozenset({"hq_admin", "regional_manager"})
    column_list = ["at", "user", "action", "entity", "entity_id", "dealer", "detail"]
    column_filters = ["action", "entity", "at"]
    column_default_sort = ("at", True)


class NotificationView(ReadOnlyModelView):
    column_list = ["created_at", "kind", "title", "read"]
    column_filters = ["kind", "read"]
    column_default_sort = ("created_at", True)


SCREENS: list[tuple[type, type, str, str]] = [
    (CampaignView, Campaign, "基础数据", "活动"),
    (ParticipationView, Participation, "基础数据", "参与特约店"),
    (RegionView, Region, "基础数据", "区域"),
    (DealerView, Dealer, "基础数据", "特约店"),
    (UserView, User, "基础数据", "用户"),
    (CustomerView, Customer, "基础数据", "顾客"),
    (VehicleView, Vehicle, "基础数据", "车辆"),
    (PlanMeetingView, PlanMeeting, "提出", "活动计划会议表"),
    (DailyFlowView, DailyFlow, "准备", "活动每日流程工作"),
    (TrainingSessionView, TrainingSession, "准备", "活动培训项目"),
    (CustomerInvitationView, CustomerInvitation, "准备", "顾客名单"),
    (PreparationItemView, PreparationItem, "准备", "现场物品准备清单"),
    (ChecklistTemplateView, ChecklistTemplate, "申请", "检测报告单模板"),
    (CoachingVisitView, CoachingVisit, "申请", "现场辅导"),
    (CompensationRuleView, CompensationRule, "申请", "工时补偿规则"),
    (SignInView, SignIn, "执行", "顾客签到表"),
    (WorkOrderView, WorkOrder, "执行", "免费检测工单"),
    (FeedbackView, Feedback, "执行", "顾客信息回馈表"),
    (CallbackView, Callback, "执行", "100%服务回访"),
    (ComplaintView, Complaint, "执行", "投诉"),
    (WeeklySummaryView, WeeklySummary, "执行", "客户信息汇总表(周报)"),
    (RevenueReportView, RevenueReport, "执行", "营业收入状况分析表"),
    (ClosingMeetingView, ClosingMeeting, "测评", "活动结束会议表"),
    (LaborCompensationView, LaborCompensation, "测评", "工时补偿"),
    (GateApprovalView, GateApproval, "系统", "关口审批记录"),
    (AuditLogView, AuditLog, "系统", "审计日志"),
    (NotificationView, Notification, "系统", "通知"),
]
