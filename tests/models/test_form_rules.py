"""The forms' rules, defaults and actions as model services (no HTTP)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import (AuditLog, Callback, Campaign, Complaint, Customer, CustomerInvitation, DailyFlow,
                    DailyFlowSlot, Feedback, FeedbackRating, PlanMeeting, PreparationItem,
                    RevenueReport, SignIn, Trainee, TrainingSession, Vehicle, WeeklySummary,
                    WeeklySummaryRow, WorkOrder, WorkOrderItem, db, services)
from models import certify
from models.checklists import DEFAULT_21, default_template
from models.followup import ComplaintFlowError, advance_complaint, complaint_from_feedback
from models.validators import with_check_digit

VIN_OK = with_check_digit("LSVAU2180N2183294")
VIN_BAD_CHECK = VIN_OK[:8] + ("1" if VIN_OK[8] != "1" else "2") + VIN_OK[9:]
UTC = dt.UTC


def _sign_in(p, **values) -> SignIn:
    values.setdefault("name", "张伟")
    values.setdefault("arrived_at", dt.datetime(2014, 1, 20, 1, 30, tzinfo=UTC))
    return SignIn(campaign=p.campaign, dealer=p.dealer_a, **values)


def _work_order(p, *items: WorkOrderItem, **values) -> WorkOrder:
    values.setdefault("number", "A01-20140120-001")
    values.setdefault("visited_on", dt.date(2014, 1, 20))
    return WorkOrder(campaign=p.campaign, dealer=p.dealer_a, items=list(items), **values)


# --- field formats ----------------------------------------------------------------------------
@pytest.mark.parametrize("mobile", ["13812345678", "+86 138 1234 5678", "150-1234-5678", "19912345678"])
def test_it_accepts_mainland_mobiles(personas, mobile):
    assert _sign_in(personas, mobile=mobile).validation_problem() is None


@pytest.mark.parametrize("mobile", ["1381234567", "23812345678", "010-62345678", "手机13812345678",
                                    "12345678901"])
def test_it_refuses_bad_mobiles(personas, mobile):
    assert "不是有效的中国大陆手机号码" in _sign_in(personas, mobile=mobile).validation_problem()


@pytest.mark.parametrize("plate", ["京A12345", "粤BD12345", "沪AF01234", "粤B12345D", "川A1B2C3",
                                   "京a·12345"])
def test_it_accepts_plates(personas, plate):
    assert _sign_in(personas, plate=plate).validation_problem() is None


@pytest.mark.parametrize("plate", ["A12345", "京12345", "京A1234", "京AI2345", "京A1234567", "X京A1234"])
def test_it_refuses_bad_plates(personas, plate):
    assert "车牌号" in _sign_in(personas, plate=plate).validation_problem()


def test_it_checks_vins_on_the_invitation_list(personas):
    def problem(vin):
        return CustomerInvitation(campaign=personas.campaign, dealer=personas.dealer_a, name="李娜",
                                  mobile="13912345678", vin=vin).validation_problem()

    assert problem(VIN_OK) is None
    assert "校验位" in problem(VIN_BAD_CHECK)
    assert "不含 I、O、Q" in problem("LSVAU2180N218329")  # 16 characters
    assert "不含 I、O、Q" in problem("LSVAU2I80N2183294")


def test_it_normalizes_contacts_before_the_rules(personas):
    sign_in = _sign_in(personas, plate="京a 12345", mobile="+86 138-1234-5678")
    services.normalize_contacts(sign_in)
    assert (sign_in.plate, sign_in.mobile) == ("京A12345", "13812345678")


# --- ranges -----------------------------------------------------------------------------------
@pytest.mark.parametrize("score,ok", [(1, True), (5, True), (0, False), (6, False)])
def test_it_keeps_ratings_between_1_and_5(personas, score, ok):
    feedback = Feedback(campaign=personas.campaign, dealer=personas.dealer_a, filled_on=dt.date(2014, 1, 20),
                        customer_name="王芳", ratings=[FeedbackRating(item="接待服务", score=score)])
    assert (feedback.validation_problem() is None) is ok


@pytest.mark.parametrize("nps,ok", [(0, True), (10, True), (-1, False), (11, False)])
def test_it_keeps_nps_between_0_and_10(personas, nps, ok):
    feedback = Feedback(campaign=personas.campaign, dealer=personas.dealer_a, filled_on=dt.date(2014, 1, 20),
                        customer_name="王芳", nps=nps)
    assert (feedback.validation_problem() is None) is ok


def test_it_refuses_a_rating_item_twice(personas):
    feedback = Feedback(campaign=personas.campaign, dealer=personas.dealer_a, filled_on=dt.date(2014, 1, 20),
                        customer_name="王芳", ratings=[FeedbackRating(item="环境", score=4),
                                                      FeedbackRating(item="环境", score=5)])
    assert "评分项目重复：环境" in feedback.validation_problem()


@pytest.mark.parametrize("score,ok", [(0, True), (100, True), (101, False), (-5, False)])
def test_it_keeps_training_scores_between_0_and_100(personas, score, ok):
    session = TrainingSession(campaign=personas.campaign, dealer=personas.dealer_a, kind="internal",
                              held_on=dt.date(2014, 1, 10), trainer="钱讲师",
                              trainees=[Trainee(name="赵服务", score=score)])
    assert (session.validation_problem() is None) is ok


# --- dates --------------------------------------------------------------------------------------
@pytest.mark.parametrize("day,ok", [(dt.date(2014, 1, 15), True), (dt.date(2014, 2, 17), True),
                                    (dt.date(2014, 1, 14), False), (dt.date(2014, 2, 18), False)])
def test_it_keeps_work_orders_inside_the_campaign_window(personas, day, ok):
    problem = _work_order(personas, visited_on=day).validation_problem()
    assert (problem is None) is ok
    if not ok:
        assert "不在活动“2014车主回娘家”的执行期" in problem


def test_it_reads_sign_in_times_as_beijing_days(personas):
    # 2014-02-17 23:30 in Beijing is 15:30 UTC the same day: inside; 16:30 UTC is the 18th.
    assert _sign_in(personas, arrived_at=dt.datetime(2014, 2, 17, 15, 30, tzinfo=UTC)).validation_problem() is None
    assert "执行期" in _sign_in(personas, arrived_at=dt.datetime(2014, 2, 17, 16, 30, tzinfo=UTC)).validation_problem()


def test_it_allows_callbacks_due_a_week_after_the_window(personas):
    def problem(due):
        return Callback(campaign=personas.campaign, dealer=personas.dealer_a, customer_name="刘洋",
                        due_on=due, kind="dealer", outcome="pending").validation_problem()

    assert problem(dt.date(2014, 2, 24)) is None
    assert "执行期" in problem(dt.date(2014, 2, 25))


def test_it_keeps_daily_flow_days_and_slots_in_order(personas):
    flow = DailyFlow(campaign=personas.campaign, dealer=personas.dealer_a, day=dt.date(2014, 1, 20),
                     leader="李组长", slots=[DailyFlowSlot(starts_at=dt.time(9), ends_at=dt.time(10),
                                                        activity="接待")])
    assert flow.validation_problem() is None
    flow.slots.append(DailyFlowSlot(starts_at=dt.time(11), ends_at=dt.time(11), activity="检测"))
    assert "时间段第2行：“结束”必须晚于“开始”" in flow.validation_problem()
    flow.slots.pop()
    flow.day = dt.date(2014, 3, 1)
    assert "执行期" in flow.validation_problem()


def test_it_wants_ends_after_starts(personas):
    campaign = Campaign(name="2015春季", type="summer_check", starts_on=dt.date(2015, 5, 1),
                        ends_on=dt.date(2015, 4, 1))
    assert "执行结束日不能早于开始日" in campaign.validation_problem()
    report = RevenueReport(campaign=personas.campaign, dealer=personas.dealer_a,
                           period_start=dt.date(2014, 2, 1), period_end=dt.date(2014, 1, 31))
    assert "“期间结束”不能早于“期间开始”" in report.validation_problem()


# --- amounts and required fields -------------------------------------------------------------
@pytest.mark.parametrize("record", [
    lambda p: RevenueReport(campaign=p.campaign, dealer=p.dealer_a, period_start=dt.date(2014, 1, 15),
                            period_end=dt.date(2014, 2, 17), cost=Decimal("-1")),
    lambda p: PlanMeeting(campaign=p.campaign, held_on=dt.date(2014, 1, 5), status="draft",
                          budget_media=Decimal("-500")),
    lambda p: PreparationItem(campaign=p.campaign, dealer=p.dealer_a, item="礼品", quantity=-3),
    lambda p: _work_order(p, labor_hours=Decimal("-0.5")),
    lambda p: _work_order(p, mileage_km=-10),
], ids=["revenue_cost", "plan_budget", "preparation_quantity", "labor_hours", "mileage"])
def test_it_refuses_negative_amounts(personas, record):
    assert "不能为负数" in record(personas).validation_problem()


def test_it_names_every_missing_field(personas):
    problem = SignIn(campaign=personas.campaign, dealer=personas.dealer_a).validation_problem()
    assert "请填写“顾客姓名”" in problem and "请填写“到店时间”" in problem


# --- the work order's expert suggestion column -----------------------------------------------------
def _brakes(**values) -> WorkOrderItem:
    values = {"position": 1, "name": "刹车片厚度", "safety_critical": True, "finding": "fail",
              "suggestion": "replace", **values}
    return WorkOrderItem(**values)


def test_it_refuses_an_unsigned_safety_finding(personas):
    order = _work_order(personas, _brakes(), customer_signed=False)
    assert "涉及行车安全的问题须请顾客签字确认：刹车片厚度" in order.validation_problem()
    order.customer_signed = True
    assert order.validation_problem() is None


@pytest.mark.parametrize("finding,safety,ok", [("ok", True, True), ("attention", True, False),
                                               ("fail", False, True)])
def test_it_asks_a_signature_only_for_safety_problems(personas, finding, safety, ok):
    order = _work_order(personas, _brakes(finding=finding, safety_critical=safety))
    assert (order.validation_problem() is None) is ok


def test_it_wants_a_suggestion_for_every_problem_found(personas):
    order = _work_order(personas, _brakes(finding="attention", suggestion="none"), customer_signed=True)
    assert "须在专家建议栏提出保养、维修或更换建议" in order.validation_problem()


def test_it_refuses_another_customers_vehicle(personas):
    zhang, li = Customer(dealer=personas.dealer_a, name="张伟"), Customer(dealer=personas.dealer_a, name="李娜")
    car = Vehicle(dealer=personas.dealer_a, customer=li, plate="京A12345")
    assert "不属于顾客 张伟" in _work_order(personas, customer=zhang, vehicle=car).validation_problem()


def test_it_lists_declined_suggestions_for_follow_up(personas):
    customer = Customer(dealer=personas.dealer_a, name="张伟")
    order = _work_order(personas, _brakes(accepted=False),
                        WorkOrderItem(position=2, name="雨刮器及洗涤液", finding="attention",
                                      suggestion="maintain", accepted=True),
                        customer=customer, customer_signed=True)
    services.before_save(order, personas.sa_a)
    assert order.declined_suggestions == "刹车片厚度：立即更换"
    db.session.add(order)
    db.session.commit()
    mine = services.declined_suggestions(personas.sa_a, customer_id=customer.id)
    assert [item.name for item in mine] == ["刹车片厚度"]
    assert services.declined_suggestions(personas.sa_b) == []


# --- walk-ins -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("arrival,walk_in", [({"plate": "京A12345"}, False), ({"mobile": "13812345678"}, False),
                                             ({"plate": "京B54321"}, True), ({}, True)])
def test_it_marks_arrivals_not_on_the_list_as_walk_ins(personas, arrival, walk_in):
    db.session.add(CustomerInvitation(campaign=personas.campaign, dealer=personas.dealer_a, name="张伟",
                                      mobile="13812345678", plate="京A12345"))
    db.session.commit()
    sign_in = _sign_in(personas, **arrival)
    services.before_save(sign_in, personas.sa_a)
    assert sign_in.walk_in is walk_in


def test_it_matches_invited_customers_by_record_and_only_within_the_dealer(personas):
    customer = Customer(dealer=personas.dealer_a, name="张伟")
    db.session.add_all([customer, CustomerInvitation(campaign=personas.campaign, dealer=personas.dealer_b,
                                                     name="张伟", plate="京A12345")])
    db.session.flush()
    db.session.add(CustomerInvitation(campaign=personas.campaign, dealer=personas.dealer_a, name="张伟",
                                      customer_id=customer.id, mobile="13900000000"))
    db.session.commit()
    by_record = _sign_in(personas, customer=customer)
    services.before_save(by_record, personas.sa_a)
    assert by_record.walk_in is False
    other_dealers_plate = _sign_in(personas, plate="京A12345")
    services.before_save(other_dealers_plate, personas.sa_a)
    assert other_dealers_plate.walk_in is True


# --- defaults -------------------------------------------------------------------------------------------
def test_it_fills_work_order_items_from_the_campaign_template(personas):
    personas.campaign.checklist_template = default_template(db.session)
    db.session.commit()
    values = services.form_defaults(WorkOrder, personas.sa_a, personas.campaign, {})
    assert [row["name"] for row in values["items"]] == [name for name, _, _ in DEFAULT_21]
    # today (2026) is outside the 2014 window: the form opens on the campaign's first day
    assert values["advisor"] is personas.sa_a and values["visited_on"] == personas.campaign.starts_on
    assert values["number"].startswith("A01-")
    assert "advisor" not in services.form_defaults(WorkOrder, personas.coord_a, personas.campaign, {})


def test_it_opens_a_work_order_from_a_sign_in_of_the_users_dealer_only(personas):
    customer = Customer(dealer=personas.dealer_a, name="张伟",
                        vehicles=[Vehicle(dealer=personas.dealer_a, plate="京A12345", mileage_km=42000)])
    sign_in = _sign_in(personas, customer=customer, plate="京A12345", advisor=personas.sa_a)
    db.session.add(sign_in)
    db.session.commit()
    values = services.form_defaults(WorkOrder, personas.coord_a, personas.campaign, {"sign_in": str(sign_in.id)})
    assert values["sign_in"] is sign_in and values["customer"] is customer
    assert values["vehicle"].plate == "京A12345" and values["mileage_km"] == 42000
    assert values["visited_on"] == dt.date(2014, 1, 20) and values["advisor"] is personas.sa_a
    assert "sign_in" not in services.form_defaults(WorkOrder, personas.coord_b, None, {"sign_in": str(sign_in.id)})


def test_it_derives_the_callback_due_date_and_the_weekly_lateness(personas):
    order = _work_order(personas)
    callback = Callback(campaign=personas.campaign, dealer=personas.dealer_a, customer_name="张伟",
                        work_order=order, kind="dealer", outcome="reached")
    services.before_save(callback, personas.sa_a)
    assert callback.due_on == dt.date(2014, 1, 27) and callback.called_at is not None
    for clock, late in ((dt.datetime(2014, 1, 27, 9, 0, tzinfo=UTC), False),  # 17:00 Beijing
                        (dt.datetime(2014, 1, 27, 9, 1, tzinfo=UTC), True)):
        summary = WeeklySummary(campaign=personas.campaign, dealer=personas.dealer_a,
                                week_start=dt.date(2014, 1, 20))
        db.session.add(summary)
        certify.submit_weekly_summary(summary, personas.coord_a, clock)
        assert (summary.submitted_at, summary.late) == (clock, late)
        db.session.rollback()


def test_it_wants_weekly_summaries_from_monday_with_rows_of_that_week(personas):
    summary = WeeklySummary(campaign=personas.campaign, dealer=personas.dealer_a, week_start=dt.date(2014, 1, 21),
                            rows=[WeeklySummaryRow(visited_on=dt.date(2014, 1, 30), customer_name="张伟",
                                                   vin=VIN_OK)])
    problem = summary.validation_problem()
    assert "不是星期一" in problem and "不在该周内" in problem


# --- complaints ------------------------------------------------------------------------------------------
def _complaint(p, **values) -> Complaint:
    complaint = Complaint(campaign=p.campaign, dealer=p.dealer_a, customer_name="王芳",
                          description="等候时间过长", **values)
    db.session.add(complaint)
    db.session.commit()
    return complaint


def test_it_moves_a_complaint_one_step_at_a_time(personas):
    complaint = _complaint(personas)
    with pytest.raises(ComplaintFlowError, match="须先“已受理”才能“已解决”"):
        advance_complaint(complaint, "resolved", personas.sa_a)
    advance_complaint(complaint, "acknowledged", personas.sa_a)
    assert complaint.assignee_id == personas.sa_a.id and complaint.acknowledged_at.tzinfo is UTC
    with pytest.raises(ComplaintFlowError, match="根本原因"):
        advance_complaint(complaint, "resolved", personas.sa_a)
    complaint.root_cause, complaint.resolution = "高峰期接待人手不足", "增设专用通道并致歉"
    advance_complaint(complaint, "resolved", personas.sa_a)
    advance_complaint(complaint, "verified", personas.rm)
    db.session.commit()
    assert complaint.status == "verified" and complaint.verified_at >= complaint.resolved_at
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.entity == "Complaint")
                                 .order_by(AuditLog.id)).all()
    assert actions == ["complaint_acknowledged", "complaint_resolved", "complaint_verified"]


def test_it_refuses_a_resolved_complaint_without_its_cause(personas):
    complaint = Complaint(campaign=personas.campaign, dealer=personas.dealer_a, customer_name="王芳",
                          description="等候时间过长", status="resolved")
    assert "根本原因" in complaint.validation_problem()


def test_it_registers_a_feedbacks_complaint_once(personas):
    feedback = Feedback(campaign=personas.campaign, dealer=personas.dealer_a, filled_on=dt.date(2014, 1, 20),
                        customer_name="王芳", wants_complaint=True, comments="检测后车内有油污")
    db.session.add(feedback)
    db.session.flush()
    first = complaint_from_feedback(feedback, personas.sa_a)
    assert complaint_from_feedback(feedback, personas.sa_a) is first
    db.session.commit()
    assert db.session.query(Complaint).count() == 1
    assert (first.source, first.feedback_id, first.description) == ("feedback", feedback.id, "检测后车内有油污")
    feedback.comments = ""
    assert "写明投诉内容" in feedback.validation_problem()


def test_it_defaults_a_day_inside_the_campaign_window():
    from types import SimpleNamespace

    campaign = SimpleNamespace(starts_on=dt.date(2014, 1, 15), ends_on=dt.date(2014, 2, 17))
    assert services.day_in_window(campaign, dt.date(2014, 1, 20)) == dt.date(2014, 1, 20)
    assert services.day_in_window(campaign, dt.date(2013, 12, 1)) == dt.date(2014, 1, 15)
    assert services.day_in_window(campaign, dt.date(2026, 12, 6)) == dt.date(2014, 1, 15)
    assert services.day_in_window(None, dt.date(2026, 12, 6)) == dt.date(2026, 12, 6)
