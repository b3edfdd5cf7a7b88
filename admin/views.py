"""Admin screens as configuration on SecureModelView (DESIGN §2, §6)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.fields import InlineModelFormList
from flask_admin.contrib.sqla.form import InlineModelConverter
from flask_admin.form import RenderTemplateWidget
from flask_admin.model.template import LinkRowAction
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import PasswordField
from wtforms.validators import Length, Optional, ValidationError

from models import (AuditLog, Callback, Campaign, ChecklistItem, ChecklistTemplate, ClosingMeeting,
                    CoachingDuty, CoachingVisit, CompensationRule, CompensationTier, Complaint,
                    Customer, CustomerInvitation, DailyFlow, DailyFlowSlot, Dealer, Feedback,
                    FeedbackRating, GateApproval, LaborCompensation, Notification, Participation,
                    PlanAttendee, PlanGoal, PlanMeeting, PlanMilestone, PreparationItem, Region,
                    RevenueReport, SignIn, Trainee, TrainingSession, User, Vehicle, WeeklySummary,
                    WeeklySummaryRow, VerificationTask, WorkOrder, WorkOrderItem, certify, db, services)
from models.audit import EVENTS, record
from models.base import local_today
from models.campaign import FIXED_TEMPLATE
from models.followup import COMPLAINT_FLOW, COMPLAINT_STATUS, advance_complaint
from models.scoping import parse_id

from .base import ALL_ROLES, ReadOnlyModelView, SecureModelView, ajax
from .compensation import LaborCompensationView
from .qr import InvitationLabelsMixin, WalkInPosterMixin

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


class FormView(SecureModelView):
    """A form screen: opens with the defaults models.services gives, derives values on save.

    The rules themselves are the model's `form_rules`, checked by the base's validation_problem().
    """

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        if request.method == "GET":
            campaign = form.campaign.data if hasattr(form, "campaign") else None
            defaults = services.form_defaults(self.model, current_user, campaign, request.args)
            for key, value in defaults.items():
                field = getattr(form, key, None)
                if field is None:
                    continue
                if isinstance(value, list):  # inline rows, e.g. the checklist items
                    for row in value:
                        field.append_entry(row)
                else:
                    field.data = value
        return form

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        # No flush before the rules have run: a record that breaks a unique index (one feedback
        # per visit) must get the rule's Chinese message, not the database's error.
        with db.session.no_autoflush:
            services.before_save(model, current_user)
            super().on_model_change(form, model, is_created)
        services.after_save(model, current_user)


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
    column_exclude_list = SECRETS = ["password_hash", "session_token"]
    column_details_exclude_list = [*SECRETS, "version_id"]
    column_export_exclude_list = [*SECRETS, "version_id"]
    form_excluded_columns = SecureModelView.form_excluded_columns + [*SECRETS, "last_login_at"]
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

    @action("end_sessions", "强制下线", "所选用户在所有设备上的登录将立即失效，需要重新登录。继续？")
    def action_end_sessions(self, ids: list[str]) -> None:
        def end(user: User) -> None:
            User.end_sessions(db.session, user.id)
            record(db.session, user=current_user, action="end_sessions", entity=user)

        self.act_on(ids, end, "已强制 {n} 个用户下线")


class CustomerView(FormView):
    write_roles = FRONT_DESK
    column_list = ["name", "mobile", "dealer", "created_at"]
    column_searchable_list = ["name", "mobile"]
    column_filters = ["dealer", "created_at"]
    column_default_sort = "name"
    inline_models = [inline(Vehicle, "dealer", "created_at", "updated_at", "version_id")]


class VehicleView(FormView):
    write_roles = FRONT_DESK
    column_list = ["plate", "vin", "model", "customer", "mileage_km", "last_visit", "dealer"]
    column_searchable_list = ["plate", "vin", "model"]
    column_filters = ["dealer", "model", "last_visit"]
    column_default_sort = "plate"
    form_ajax_refs = {"customer": ajax(Customer, "name", "mobile")}


class CampaignView(FormView):
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
    column_default_sort = [("name", False), ("version", True)]
    inline_models = [inline(ChecklistItem)]

    def on_model_delete(self, model: ChecklistTemplate) -> None:
        if model.fixed:
            raise ValidationError(FIXED_TEMPLATE)
        super().on_model_delete(model)

    @action("new_version", "新建版本", "以所选模板为底稿新建一个未定版的新版本？")
    def action_new_version(self, ids: list[str]) -> None:
        templates = db.session.scalars(select(ChecklistTemplate).where(
            ChecklistTemplate.id.in_([i for i in map(parse_id, ids) if i]))).all()
        for template in templates:
            copy = services.new_template_version(template)
            db.session.flush()
            flash(Markup('已新建 <a href="{}">{}</a>（未定版，修改后勾选“已定版”）').format(
                url_for(".edit_view", id=copy.id), copy), "success")
        db.session.commit()


# --- 提出 ---------------------------------------------------------------------------------------
class PlanMeetingView(FormView):
    write_roles = frozenset({"hq_admin", "regional_manager", "dealer_coordinator"})
    column_list = ["held_on", "place", "chair", "reasons", "status", "campaign", "dealer"]
    column_searchable_list = ["place", "chair", "decisions", "pilot_plan"]
    column_filters = ["campaign", "dealer", "held_on", "status", "reasons", "conflicts_policy"]
    column_default_sort = ("held_on", True)
    column_descriptions = {"policy_note": "选择“是否抵触政策”时必填",
                           "budget_customer": "顾客费用，元，不能为负数"}
    inline_models = [inline(PlanAttendee), inline(PlanGoal), inline(PlanMilestone)]

    # 状态 moves only by these actions: the dealer hands the plan in, HQ or the region decides.
    def is_action_allowed(self, name: str) -> bool:
        if name in ("approve", "refuse"):
            return current_user.is_authenticated and current_user.role in certify.PLAN_APPROVERS
        return super().is_action_allowed(name)

    @action("submit", "提交审批", "将所选计划会议表提交审批？提交后特约店不能再修改。")
    def action_submit(self, ids: list[str]) -> None:
        self.act_on(ids, lambda plan: certify.submit_plan(plan, current_user), "{n} 份计划会议表已提交审批")

    @action("approve", "批准", "批准所选计划会议表？")
    def action_approve(self, ids: list[str]) -> None:
        self.act_on(ids, lambda plan: certify.decide_plan(plan, current_user, "approved"),
                    "{n} 份计划会议表已批准")

    @action("refuse", "驳回", "驳回所选计划会议表？特约店可修改后重新提交。")
    def action_refuse(self, ids: list[str]) -> None:
        self.act_on(ids, lambda plan: certify.decide_plan(plan, current_user, "refused"),
                    "{n} 份计划会议表已驳回")


# --- 准备 ---------------------------------------------------------------------------------------
class DailyFlowView(FormView):
    write_roles = DEALER_DESK
    read_roles = NO_CALL_CENTER  # carries the day's revenue (DESIGN §6: call center sees no revenue)
    column_list = ["day", "leader", "deputy", "target_arrivals", "actual_arrivals",
                   "actual_inspections", "actual_revenue", "campaign", "dealer"]
    column_searchable_list = ["leader", "deputy", "issues"]
    column_filters = ["campaign", "dealer", "day", "leader"]
    column_default_sort = ("day", True)
    column_descriptions = {"day": "须在活动执行期内", "leader": "当日活动组长",
                           "actual_inspections": "不能多于实际进厂台次"}
    inline_models = [inline(DailyFlowSlot)]


class TrainingSessionView(FormView):
    write_roles = DEALER_DESK
    column_list = ["held_on", "kind", "trainer", "topics", "campaign", "dealer"]
    column_searchable_list = ["trainer", "topics"]
    column_filters = ["campaign", "dealer", "kind", "held_on", "trainer"]
    column_default_sort = ("held_on", True)
    column_descriptions = {"topics": "本次培训的项目，每行一项"}
    inline_models = [inline(Trainee, "advisor_id")]


class CustomerInvitationView(InvitationLabelsMixin, FormView):
    write_roles = DEALER_DESK
    edit_template = "admin/invitation_edit.html"  # with the customer's QR sign-in code
    list_template = "admin/invitation_list.html"  # with the A4 sheet of QR labels
    details_template = "admin/invitation_details.html"
    form_excluded_columns = [*FormView.form_excluded_columns, "token"]  # a secret, shown as its QR
    column_details_exclude_list = [*FormView.column_details_exclude_list, "token"]
    column_list = ["name", "mobile", "plate", "model", "last_visit", "contact_status", "booked_at",
                   "source", "campaign", "dealer"]
    column_searchable_list = ["name", "mobile", "plate", "vin"]
    column_filters = ["campaign", "dealer", "contact_status", "source", "booked_at", "last_visit",
                      "model"]
    column_default_sort = "name"
    column_descriptions = {"booked_at": "联系状态为“已预约”时必填，须在活动执行期内",
                           "vin": "17 位，不含 I、O、Q，第 9 位为校验位"}
    form_widget_args = {"plate": {"placeholder": "如 京A12345、粤BD12345"},
                        "mobile": {"placeholder": "如 13812345678"}}
    form_ajax_refs = {"customer": ajax(Customer, "name", "mobile")}


class PreparationItemView(FormView):
    write_roles = DEALER_DESK
    column_list = ["item", "quantity", "owner", "ready", "campaign", "dealer"]
    column_searchable_list = ["item", "owner"]
    column_filters = ["campaign", "dealer", "ready", "owner"]
    column_default_sort = "item"
    column_editable_list = ["ready"]


# --- 申请 ---------------------------------------------------------------------------------------
class CoachingVisitView(FormView):
    write_roles = frozenset({"hq_admin", "coach"})
    read_roles = NO_CALL_CENTER
    column_list = ["visit_on", "coach", "status", "organization_score", "campaign", "dealer"]
    column_searchable_list = ["findings", "follow_ups"]
    column_filters = ["campaign", "dealer", "visit_on", "status", "coach"]
    column_default_sort = ("visit_on", True)
    column_descriptions = {"organization_score": "0–100；状态为“已完成”时必填",
                           "duties": "特约店配合事项 10 项（seed 指导手册），每项 0–10 分"}
    inline_models = [inline(CoachingDuty)]

    def get_list_row_actions(self) -> list[Any]:
        from .packet import PACKET_ROLES

        if current_user.role not in PACKET_ROLES:  # no link that only leads to a refusal
            return super().get_list_row_actions()
        packet = LinkRowAction("fa fa-book", lambda action, row_id, row: url_for(
            "packet.index", campaign=row.campaign_id, dealer=row.dealer_id), title="现场辅导资料包")
        return [*super().get_list_row_actions(), packet]


class CompensationRuleView(FormView):
    read_roles = NO_CALL_CENTER
    column_list = ["name", "version", "hours_per_inspection", "labor_rate", "published"]
    column_default_sort = [("name", False), ("version", True)]
    inline_models = [inline(CompensationTier)]

    @action("new_version", "新建版本", "以所选规则为底稿新建一个未发布的新版本？")
    def action_new_version(self, ids: list[str]) -> None:
        rules = db.session.scalars(select(CompensationRule).where(
            CompensationRule.id.in_([i for i in map(parse_id, ids) if i]))).all()
        for rule in rules:
            copy = rule.new_version()
            copy.version = 1 + max(r.version for r in db.session.scalars(
                select(CompensationRule).where(CompensationRule.name == rule.name)))
            db.session.add(copy)
            db.session.flush()
            record(db.session, user=current_user, action="create", entity=copy, detail=f"由 {rule} 新建版本")
            flash(Markup('已新建 <a href="{}">{}</a>（未发布，修改后勾选“已发布”）').format(
                url_for(".edit_view", id=copy.id), copy), "success")
        db.session.commit()


# --- 执行 ---------------------------------------------------------------------------------------
def _advisors():
    """服务顾问 choices: service advisors only, not the coordinator (the base scopes them to the dealer)."""
    return db.session.query(User).filter(User.role == "service_advisor", User.active.is_(True)) \
        .order_by(User.full_name)


def _callback_link(view: Any, context: Any, order: WorkOrder, name: str) -> Markup:
    """回访 from a work order, the callback form filled from it."""
    if not current_user.is_authenticated or current_user.role not in CallbackView.write_roles:
        return Markup("")
    url = url_for("callback.create_view", work_order=order.id, url=request.full_path)
    return Markup('<a class="btn btn-sm btn-outline-primary" href="{}">回访</a>').format(url)


def _work_order_links(view: Any, context: Any, sign_in: SignIn, name: str) -> Markup:
    """The work orders started from this arrival, or a 开工单 link that starts one."""
    if sign_in.work_orders:
        return Markup("、").join(
            Markup('<a href="{}">{}</a>').format(url_for("work_order.edit_view", id=w.id), w.number)
            for w in sign_in.work_orders)
    if not current_user.is_authenticated or current_user.role not in WorkOrderView.write_roles:
        return Markup("")
    url = url_for("work_order.create_view", sign_in=sign_in.id, url=request.full_path)
    return Markup('<a class="btn btn-sm btn-outline-primary" href="{}">开工单</a>').format(url)


class SignInView(WalkInPosterMixin, FormView):
    write_roles = FRONT_DESK
    list_template = "admin/sign_in_list.html"  # reloads itself: QR sign-ins show within seconds
    column_list = ["arrived_at", "name", "plate", "mobile", "advisor", "channel", "gift_given",
                   "sticker_applied", "walk_in", "work_orders", "campaign", "dealer"]
    column_labels = {"work_orders": "工单"}
    column_searchable_list = ["name", "mobile", "plate"]
    column_filters = ["campaign", "dealer", "arrived_at", "channel", "walk_in", "advisor",
                      "gift_given", "sticker_applied"]
    column_default_sort = ("arrived_at", True)
    column_formatters = {"work_orders": _work_order_links}
    column_details_exclude_list = [*FormView.column_details_exclude_list, "feedback_token"]
    column_formatters_export = {"work_orders": lambda v, c, m, n: "、".join(w.number for w in m.work_orders)}
    form_columns = ["campaign", "dealer", "arrived_at", "customer", "name", "mobile", "plate",
                    "advisor", "channel", "gift_given", "sticker_applied"]
    form_args = {"advisor": {"query_factory": _advisors}}
    form_widget_args = {"plate": {"placeholder": "如 京A12345、粤BD12345"},
                        "mobile": {"placeholder": "如 13812345678"}}
    form_ajax_refs = {"customer": ajax(Customer, "name", "mobile")}

    def get_query(self):
        return super().get_query().options(selectinload(SignIn.work_orders))


class FeedbackView(FormView):
    write_roles = FRONT_DESK
    column_list = ["filled_on", "customer_name", "nps", "wants_complaint", "comments", "campaign",
                   "dealer"]
    column_searchable_list = ["customer_name", "comments"]
    column_filters = ["campaign", "dealer", "filled_on", "nps", "wants_complaint"]
    column_default_sort = ("filled_on", True)
    column_descriptions = {"nps": "0 = 绝不推荐，10 = 一定推荐",
                           "wants_complaint": "勾选后保存即登记一条投诉（来源：回馈表），只登记一次"}
    form_widget_args = {"nps": {"min": 0, "max": 10}}
    form_filled_on_save = ("customer_name",)  # from the sign-in when one is chosen
    inline_models = [inline(FeedbackRating)]
    form_ajax_refs = {"sign_in": ajax(SignIn, "name", "plate")}


class ChecklistTable(InlineModelFormList):
    """工单检测项目 rendered as one compact table (templates/admin/checklist_table.html)."""

    widget = RenderTemplateWidget("admin/checklist_table.html")
    units: dict[int, str] | None = None  # 测量单位 by position, from the campaign's template


class ChecklistConverter(InlineModelConverter):
    inline_field_list_type = ChecklistTable


def _with_units(form: Any) -> Any:
    template = getattr(getattr(form, "campaign", None) and form.campaign.data, "checklist_template", None)
    if hasattr(form, "items") and template is not None:
        form.items.units = {item.position: item.unit for item in template.items if item.unit}
    return form


class WorkOrderView(FormView):
    write_roles = FRONT_DESK
    edit_template = "admin/work_order_edit.html"  # with the visit's feedback QR code
    column_list = ["number", "visited_on", "customer", "vehicle", "advisor", "technician",
                   "customer_signed", "declined_suggestions", "callback", "campaign", "dealer"]
    column_labels = {"callback": "回访"}
    column_formatters = {"callback": _callback_link}
    column_export_exclude_list = FormView.column_export_exclude_list + ["callback"]
    form_args = {"advisor": {"query_factory": _advisors}}
    column_searchable_list = ["number", "technician", "declined_suggestions"]
    column_filters = ["campaign", "dealer", "visited_on", "advisor", "customer_signed",
                      "first_copy_sent_on"]
    column_default_sort = ("visited_on", True)
    form_excluded_columns = FormView.form_excluded_columns + ["declined_suggestions"]
    column_descriptions = {"declined_suggestions": "由检测项目自动汇总：有专家建议而顾客未接受的项目"}
    # 检测项目 come from the campaign's fixed template (WorkOrder.follow_template): shown, not typed
    inline_models = [(WorkOrderItem, {**inline(WorkOrderItem)[1], "form_widget_args": {
        "position": {"readonly": True}, "name": {"readonly": True}, "safety_critical": {"disabled": True}}})]
    inline_model_form_converter = ChecklistConverter
    form_ajax_refs = {"customer": ajax(Customer, "name", "mobile"),
                      "vehicle": ajax(Vehicle, "plate", "vin"),
                      "sign_in": ajax(SignIn, "name", "plate")}

    @property
    def _details_columns(self):
        # the call center verifies visits and sees no revenue (DESIGN §6)
        hidden = {"paid_amount"} if getattr(current_user, "role", None) == "call_center" else set()
        return [(name, label) for name, label in self._all_details_columns if name not in hidden]

    @_details_columns.setter
    def _details_columns(self, columns):
        self._all_details_columns = columns

    def create_form(self, obj: Any = None) -> Any:
        return _with_units(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Any:
        return _with_units(super().edit_form(obj))

    @action("first_copy_sent", "第一联已寄出", "确认所选工单的第一联（信息反馈联）今天寄出？日期以服务器为准。")
    def action_first_copy_sent(self, ids: list[str]) -> None:
        today = local_today()
        self.act_on(ids, lambda order: certify.send_first_copy(order, current_user, today),
                    "{n} 张工单已记录第一联寄出")


class FollowUpView(ReadOnlyModelView):
    """跟进名单: work orders with an expert suggestion the customer has not yet taken."""

    read_roles = NO_CALL_CENTER
    column_list = ["customer", "vehicle", "visited_on", "declined_suggestions", "advisor", "number",
                   "campaign", "dealer"]
    column_searchable_list = ["number", "declined_suggestions"]
    column_filters = ["campaign", "dealer", "visited_on", "advisor", "customer"]
    column_default_sort = ("visited_on", True)
    can_view_details = False

    def __init__(self, model: type, **kwargs: Any) -> None:
        kwargs["endpoint"] = "follow_up"  # a second screen over WorkOrder needs its own endpoint
        super().__init__(model, **kwargs)

    def get_query(self):
        return super().get_query().filter(services.with_declined_suggestions())

    def get_count_query(self):
        return super().get_count_query().filter(services.with_declined_suggestions())


class CallbackView(FormView):
    write_roles = FRONT_DESK | {"call_center"}
    column_list = ["due_on", "customer_name", "mobile", "kind", "work_order", "called_at", "outcome",
                   "satisfaction", "agent", "campaign", "dealer"]
    column_searchable_list = ["customer_name", "mobile", "issues"]
    column_filters = ["campaign", "dealer", "kind", "due_on", "called_at", "outcome", "agent"]
    column_descriptions = {"due_on": "检测日期 + 7 天；选了工单而留空时自动计算",
                           "called_at": "回访结果不是“待回访”而留空时记为保存时间"}
    column_default_sort = "due_on"
    form_filled_on_save = ("due_on", "customer_name")  # from the work order when one is chosen
    form_ajax_refs = {"work_order": ajax(WorkOrder, "number")}

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        # 回访 on a work order: the visit's pending callback (opened when the visit was recorded)
        # is the one to fill in, not a second one beside it.
        if request.method == "GET" and (pending := services.pending_callback(
                request.args.get("work_order"), current_user)) is not None:
            return redirect(url_for(".edit_view", id=pending.id, url=request.args.get("url")))
        return super().create_view()


class ComplaintView(FormView):
    write_roles = FRONT_DESK | {"regional_manager", "call_center"}
    delete_roles = HQ  # a complaint about a dealer is not the dealer's (or the caller's) to remove
    column_list = ["registered_at", "customer_name", "source", "severity", "assignee", "status",
                   "acknowledged_at", "resolved_at", "verified_at", "escalated_at", "campaign", "dealer"]
    column_searchable_list = ["customer_name", "mobile", "description", "root_cause"]
    column_filters = ["campaign", "dealer", "status", "severity", "source", "assignee",
                      "registered_at"]
    column_default_sort = ("registered_at", True)
    # The status only moves through the list actions below (登记 → 受理 → 解决 → 验证).
    form_columns = ["campaign", "dealer", "registered_at", "source", "customer_name", "mobile",
                    "description", "severity", "assignee", "root_cause", "resolution"]
    column_descriptions = {"status": "在列表中勾选投诉后用“受理 / 解决 / 验证”操作推进，不能跳步",
                           "root_cause": "标记已解决前必须填写", "resolution": "标记已解决前必须填写"}

    def is_action_allowed(self, name: str) -> bool:
        if name in COMPLAINT_FLOW:
            return self._may_write
        return super().is_action_allowed(name)

    def _advance(self, ids: list[str], to: str) -> None:
        self.act_on(ids, lambda complaint: advance_complaint(complaint, to, current_user),
                    f"{{n}} 条投诉已更新为“{COMPLAINT_STATUS[to]}”")

    @action("acknowledged", "受理", "确认受理所选投诉？未指定处理人的由您负责。")
    def action_acknowledge(self, ids: list[str]) -> None:
        self._advance(ids, "acknowledged")

    @action("resolved", "标记已解决", "确认所选投诉已解决？须已填写根本原因和处理结果。")
    def action_resolve(self, ids: list[str]) -> None:
        self._advance(ids, "resolved")

    @action("verified", "验证关闭", "确认已回访验证所选投诉的处理结果？")
    def action_verify(self, ids: list[str]) -> None:
        self._advance(ids, "verified")


class WeeklySummaryView(FormView):
    write_roles = DEALER_DESK
    column_list = ["week_start", "submitted_at", "late", "note", "campaign", "dealer"]
    column_filters = ["campaign", "dealer", "week_start", "submitted_at", "late"]
    column_default_sort = ("week_start", True)
    form_excluded_columns = FormView.form_excluded_columns + ["late"]
    column_descriptions = {"late": "提交时间晚于下周一 17:00（北京时间）自动标记",
                           "submitted_at": "在列表中勾选后点“提交”，以服务器时间记录"}
    inline_models = [inline(WeeklySummaryRow, "work_order_id")]

    @action("submit", "提交", "提交所选客户信息汇总表？提交时间以服务器时间为准，提交后不能再修改。")
    def action_submit(self, ids: list[str]) -> None:
        now = dt.datetime.now(dt.UTC)
        self.act_on(ids, lambda summary: certify.submit_weekly_summary(summary, current_user, now),
                    "{n} 份客户信息汇总表已提交")


class RevenueReportView(FormView):
    write_roles = DEALER_DESK
    read_roles = NO_CALL_CENTER
    column_list = ["period_start", "period_end", "visits", "labor_revenue", "parts_revenue",
                   "baseline_visits", "baseline_revenue", "cost", "campaign", "dealer"]
    column_filters = ["campaign", "dealer", "period_start", "period_end", "submitted_at"]
    column_default_sort = ("period_start", True)


# --- 测评 ---------------------------------------------------------------------------------------
class ClosingMeetingView(FormView):
    write_roles = DEALER_DESK
    read_roles = NO_CALL_CENTER
    column_list = ["held_on", "participants", "revenue", "baseline_revenue", "satisfaction",
                   "campaign", "dealer"]
    column_searchable_list = ["what_worked", "to_improve", "self_assessment"]
    column_filters = ["campaign", "dealer", "held_on"]
    column_default_sort = ("held_on", True)
    column_descriptions = {"satisfaction": "0–100 (%)，顾客满意度目标 ≥ 93%"}


class VerificationTaskView(ReadOnlyModelView):
    """Each reported customer's verification result: the dealer sees why its 真实率 is what it is."""

    read_roles = ALL_ROLES - {"service_advisor"}
    column_list = ["customer_name", "mobile", "plate", "visited_on", "work_order", "status",
                   "finished_at", "campaign", "dealer"]
    column_searchable_list = ["customer_name", "mobile", "plate"]
    column_filters = ["campaign", "dealer", "status", "visited_on"]
    column_default_sort = ("visited_on", False)
    column_details_exclude_list = ["version_id", "reserved_by", "reserved_at"]
    column_export_exclude_list = ["version_id", "reserved_by", "reserved_at"]


# --- 系统 ---------------------------------------------------------------------------------------
class GateApprovalView(ReadOnlyModelView):
    read_roles = NO_CALL_CENTER
    column_list = ["campaign", "dealer", "phase", "decision", "decided_by", "decided_at", "note"]
    column_filters = ["campaign", "dealer", "phase", "decision"]
    column_default_sort = ("decided_at", True)


def _event(view: Any, context: Any, row: Any, name: str) -> str:
    return EVENTS.get(getattr(row, name), getattr(row, name))


def _screen_name(view: Any, context: Any, row: AuditLog, name: str) -> str:
    return next((title for _, model, _, title in SCREENS if model.__name__ == row.entity), row.entity)


class AuditLogView(ReadOnlyModelView):
    read_roles = frozenset({"hq_admin", "regional_manager"})
    column_list = ["at", "user", "action", "entity", "entity_id", "dealer", "detail"]
    column_formatters = {"action": _event, "entity": _screen_name}
    column_formatters_detail = column_formatters
    column_filters = ["action", "entity", "at"]
    column_default_sort = ("at", True)


class NotificationView(ReadOnlyModelView):
    column_list = ["created_at", "kind", "title", "read"]
    column_formatters = {"kind": _event}
    column_formatters_detail = column_formatters
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
    (FollowUpView, WorkOrder, "执行", "建议跟进名单"),
    (FeedbackView, Feedback, "执行", "顾客信息回馈表"),
    (CallbackView, Callback, "执行", "100%服务回访"),
    (ComplaintView, Complaint, "执行", "投诉"),
    (WeeklySummaryView, WeeklySummary, "执行", "客户信息汇总表(周报)"),
    (RevenueReportView, RevenueReport, "执行", "营业收入状况分析表"),
    (ClosingMeetingView, ClosingMeeting, "测评", "活动结束会议表"),
    (VerificationTaskView, VerificationTask, "测评", "呼叫中心核实结果"),
    (LaborCompensationView, LaborCompensation, "测评", "工时补偿"),
    (GateApprovalView, GateApproval, "系统", "关口审批记录"),
    (AuditLogView, AuditLog, "系统", "审计日志"),
    (NotificationView, Notification, "系统", "通知"),
]
