"""Each role's to-do list (首页), as plain functions over the gates, schedules and the dealer scope."""
from __future__ import annotations

import datetime as dt

from models import Callback, WorkOrder, db
from models.phases import submit_for_review
from models.todo import todo
from tests.factories import move_to_phase, prepare_dealer

MONDAY_NOON = dt.datetime(2014, 1, 27, 4, 0, tzinfo=dt.UTC)  # 12:00 Shanghai, Monday


def _tasks(user, now=MONDAY_NOON):
    return {t.label: t for s in todo(db.session, user, now) for t in s.tasks}


def test_it_lists_the_coordinators_gate_items_with_the_form_that_fills_each(personas):
    move_to_phase(personas.campaign, "preparation")
    tasks = _tasks(personas.coord_a)
    assert tasks["至少一次培训"].done is False
    assert tasks["至少一次培训"].link == "/admin/training_session/new/"
    assert tasks["顾客名单不为空"].link == "/admin/customer_invitation/new/"
    prepare_dealer(personas.campaign, personas.dealer_a)
    tasks = _tasks(personas.coord_a)
    assert tasks["至少一次培训"].done and tasks["至少一次培训"].link == "/admin/training_session/"
    assert tasks["检查项全部满足后提交关口审核"].done is False


def test_it_shows_the_weekly_summary_due_monday_1700_and_the_callbacks_due(personas):
    move_to_phase(personas.campaign, "execution")
    db.session.add(WorkOrder(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id,
                             number="A01-20140118-001", visited_on=dt.date(2014, 1, 18)))
    db.session.flush()
    tasks = _tasks(personas.coord_a)
    weekly = tasks["提交上周（01-20 起）客户信息汇总表"]
    assert weekly.done is False and weekly.due == "2014-01-27（周一）17:00 前"
    assert weekly.link == "/admin/weekly_summary/new/?week_start=2014-01-20"
    callbacks = tasks["100%服务回访：待回访 1 台"]
    assert callbacks.done is False and callbacks.due == "最早 2014-01-25 前" and callbacks.detail == "其中逾期 1 台"
    assert "100%服务回访：没有待回访的检测" in _tasks(personas.coord_b)  # dealer A's visit is not B's


def test_it_shows_the_regional_manager_the_gates_waiting_for_review_in_the_region(personas):
    move_to_phase(personas.campaign, "preparation")
    prepare_dealer(personas.campaign, personas.dealer_a)
    submit_for_review(db.session, user=personas.coord_a, campaign=personas.campaign,
                      dealer_id=personas.dealer_a.id, phase="preparation")
    assert _tasks(personas.rm)["北京甲特约店「准备」关口待审批"].link == \
        f"/admin/gates/?campaign={personas.campaign.id}"
    assert _tasks(personas.hq)["北京甲特约店「准备」关口待审批"].done is False
    assert _tasks(personas.coord_a)["已提交审核，等待区域经理审批"].done is None


def test_it_shows_hq_the_campaign_gate(personas):
    tasks = _tasks(personas.hq)
    gate = tasks["活动关口「提出」"]
    assert gate.done is False and gate.detail.startswith("待补：活动计划会议表已批准")


def test_it_gives_the_call_center_the_days_verification_queue(personas):
    db.session.add_all([
        Callback(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id, kind="verification",
                 customer_name="张伟", mobile="13812345678", due_on=dt.date(2014, 1, 27)),
        Callback(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id, kind="verification",
                 customer_name="明天的", due_on=dt.date(2014, 1, 28))])
    db.session.flush()
    [section] = todo(db.session, personas.call_center, MONDAY_NOON)
    assert section.title == "今日核实回访队列（1 个）"
    assert [t.label for t in section.tasks] == ["张伟 13812345678"]


def test_it_shows_hq_the_late_complaints_and_the_compensation_waiting_for_it(personas):
    from models import Complaint, LaborCompensation

    two_days_ago = MONDAY_NOON - dt.timedelta(hours=50)
    db.session.add_all([
        Complaint(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id, customer_name="张伟",
                  description="异响", registered_at=two_days_ago),
        Complaint(campaign_id=personas.campaign.id, dealer_id=personas.dealer_c.id, customer_name="刚登记",
                  description="异响", registered_at=MONDAY_NOON - dt.timedelta(hours=1)),
        LaborCompensation(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id, status="calculated"),
        LaborCompensation(campaign_id=personas.campaign.id, dealer_id=personas.dealer_b.id, status="approved")])
    db.session.flush()
    tasks = _tasks(personas.hq)
    late = tasks["北京甲特约店 张伟 的投诉已超时"]
    assert late.done is False and late.detail == "未在24小时内受理；未在48小时内解决"
    assert late.link.startswith("/admin/complaint/details/?id=")
    assert not any("刚登记" in label for label in tasks)  # within its 24 h
    assert tasks["工时补偿待批准 1 笔"].link == "/admin/labor_compensation/"
    assert tasks["工时补偿已批准待支付 1 笔"].done is False
    assert "北京甲特约店 张伟 的投诉已超时" in _tasks(personas.rm)  # the region's manager is escalated to
    assert not any("投诉" in label for label in _tasks(personas.coord_c))
