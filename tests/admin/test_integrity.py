"""Issue 8 over HTTP, as the user who found each problem: nobody certifies their own work."""
from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import re

from sqlalchemy import select

from models import (AuditLog, Callback, Complaint, Customer, CustomerInvitation, PlanMeeting, SignIn, Vehicle,
                    WeeklySummary, WorkOrder, db)
from models.checklists import DEFAULT_21, default_template
from models.base import local_today
from models.gates import campaign_items
from models.validators import with_check_digit
from tests.conftest import reload
from tests.factories import make_row, move_to_phase


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def _act(client, endpoint: str, action: str, *rows):
    return client.post(f"/admin/{endpoint}/action/", {
        "action": action, "rowid": [str(r.id) for r in rows], "url": f"/admin/{endpoint}/"},
        csrf_from=f"/admin/{endpoint}/", follow_redirects=True)


def _plan_gate(personas) -> bool:
    items = campaign_items(db.session, personas.campaign, "planning", dt.date(2014, 1, 1))
    return next(i for i in items if i.key == "plan").ok


PLAN = {"held_on": "2014-01-05", "place": "会议室", "status": "approved", "goals-0-metric": "进厂台次",
        "goals-0-target": "128"}


# --- finding 1: self-approval of the plan ---------------------------------------------------------
def test_it_ignores_a_status_the_coordinator_types_on_the_plan(client_for, personas):
    move_to_phase(personas.campaign, "planning")
    db.session.commit()
    client = client_for(personas.coord_a)
    assert 'name="status"' not in client.get("/admin/plan_meeting/new/").get_data(as_text=True)
    created = client.post("/admin/plan_meeting/new/", {**PLAN, "campaign": str(personas.campaign.id)},
                          csrf_from="/admin/plan_meeting/new/")
    assert created.status_code == 302, _text(created)[-2000:]
    plan = db.session.scalar(select(PlanMeeting))
    assert plan.status == "draft" and not _plan_gate(personas)
    url = f"/admin/plan_meeting/edit/?id={plan.id}"
    client.post(url, {**PLAN, "campaign": str(personas.campaign.id), "place": "展厅"}, csrf_from=url)
    assert reload(plan).status == "draft" and not _plan_gate(personas)


def test_it_lets_the_dealer_submit_and_only_hq_approve_the_plan(client_for, personas):
    plan = make_row(PlanMeeting, dealer=personas.dealer_a, campaign=personas.campaign, held_on=dt.date(2014, 1, 5))
    db.session.commit()
    coord = client_for(personas.coord_a)
    assert "已批准" not in _text(_act(coord, "plan_meeting", "approve", plan))
    assert reload(plan).status == "draft"
    assert "1 份计划会议表已提交审批" in _text(_act(coord, "plan_meeting", "submit", plan))
    assert reload(plan).status == "submitted"
    _act(coord, "plan_meeting", "approve", plan)
    assert reload(plan).status == "submitted"
    url = f"/admin/plan_meeting/edit/?id={plan.id}"
    edited = coord.post(url, {**PLAN, "campaign": str(personas.campaign.id), "place": "展厅"}, csrf_from=url,
                        follow_redirects=True)
    assert "特约店不能再修改" in _text(edited) and reload(plan).place != "展厅"
    assert "已批准" in _text(_act(client_for(personas.rm), "plan_meeting", "approve", plan))
    assert reload(plan).status == "approved"
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.entity == "PlanMeeting")
                                 .order_by(AuditLog.id)).all()
    assert actions == ["plan_submitted", "plan_approved"]


# --- finding 2: self-verification of a visit ---------------------------------------------------------
def test_it_never_lets_the_coordinator_record_a_verification(client_for, personas):
    order = make_row(WorkOrder, dealer=personas.dealer_a, campaign=personas.campaign, number="A01-1")
    db.session.commit()
    client = client_for(personas.coord_a)
    page = client.get("/admin/callback/new/").get_data(as_text=True)
    assert 'name="kind"' not in page and 'name="visit_confirmed"' not in page
    client.post("/admin/callback/new/", {
        "campaign": str(personas.campaign.id), "kind": "verification", "visit_confirmed": "y",
        "work_order": str(order.id), "customer_name": "王芳", "due_on": "2014-01-27", "outcome": "reached",
        "called_at": "2014-01-26 10:00:00"}, csrf_from="/admin/callback/new/")
    # (the work order's own 特约店回访 is made on its save: models/schedules.py, named after the order)
    saved = db.session.scalars(select(Callback).where(Callback.customer_name == "王芳")).all()
    assert [(c.kind, c.visit_confirmed) for c in saved] in ([], [("dealer", None)])


def test_it_keeps_a_verification_to_the_call_center(client_for, personas):
    order = make_row(WorkOrder, dealer=personas.dealer_a, campaign=personas.campaign, number="A01-1")
    db.session.commit()
    data = {"campaign": str(personas.campaign.id), "dealer": str(personas.dealer_a.id), "work_order": str(order.id),
            "customer_name": "王芳", "due_on": "2014-01-27", "outcome": "reached",
            "called_at": "2014-01-28 10:00:00", "visit_confirmed": "y"}
    created = client_for(personas.call_center).post("/admin/callback/new/", data, csrf_from="/admin/callback/new/")
    assert created.status_code == 302, _text(created)[-2000:]
    verification = db.session.scalar(select(Callback).where(Callback.customer_name == "王芳"))
    assert (verification.kind, verification.visit_confirmed) == ("verification", True)
    url = f"/admin/callback/edit/?id={verification.id}"
    for outsider in (personas.coord_a, personas.hq):
        refused = client_for(outsider).post(url, {**data, "satisfaction": "1"}, csrf_from=url,
                                            follow_redirects=True)
        assert "呼叫中心核实记录只能由呼叫中心修改" in _text(refused)
    assert reload(verification).satisfaction is None


# --- finding 3: the weekly summary's deadline ---------------------------------------------------------
def test_it_stamps_the_weekly_summary_with_the_servers_clock(client_for, personas):
    client = client_for(personas.coord_a)
    assert 'name="submitted_at"' not in client.get("/admin/weekly_summary/new/").get_data(as_text=True)
    created = client.post("/admin/weekly_summary/new/", {
        "campaign": str(personas.campaign.id), "week_start": "2014-01-20", "submitted_at": "2014-01-27 09:00:00"},
        csrf_from="/admin/weekly_summary/new/")
    assert created.status_code == 302, _text(created)[-2000:]
    summary = db.session.scalar(select(WeeklySummary))
    assert summary.submitted_at is None
    before = dt.datetime.now(dt.UTC)
    assert "1 份客户信息汇总表已提交" in _text(_act(client, "weekly_summary", "submit", summary))
    summary = reload(summary)
    assert summary.submitted_at >= before - dt.timedelta(seconds=1) and summary.late is True
    assert "不能重复提交" in _text(_act(client, "weekly_summary", "submit", summary))
    url = f"/admin/weekly_summary/edit/?id={summary.id}"
    refused = client.post(url, {"campaign": str(personas.campaign.id), "week_start": "2014-01-20",
                                "note": "改"}, csrf_from=url, follow_redirects=True)
    assert "已提交，不能再修改" in _text(refused) and reload(summary).note is None
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.entity == "WeeklySummary",
                                                          AuditLog.action == "weekly_submitted"))


# --- finding 8: delete is its own permission ---------------------------------------------------------
def _delete(client, endpoint: str, row):
    return client.post(f"/admin/{endpoint}/delete/", {"id": str(row.id), "url": f"/admin/{endpoint}/"},
                       csrf_from=f"/admin/{endpoint}/", follow_redirects=True)


def test_it_keeps_complaints_from_the_call_center_and_advisors_delete(client_for, personas):
    complaint = make_row(Complaint, dealer=personas.dealer_a, campaign=personas.campaign, customer_name="王芳",
                         description="等候时间过长")
    db.session.commit()
    complaint_id = complaint.id
    for user in (personas.call_center, personas.sa_a, personas.coord_a):
        _delete(client_for(user), "complaint", complaint)
        assert reload(complaint) is not None
    _delete(client_for(personas.hq), "complaint", complaint)
    db.session.expire_all()
    assert db.session.get(Complaint, complaint_id) is None
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "delete"))
    assert json.loads(log.detail)["description"] == "等候时间过长"


def test_it_refuses_to_delete_certified_or_referenced_records(client_for, personas):
    complaint = make_row(Complaint, dealer=personas.dealer_a, campaign=personas.campaign, customer_name="王芳",
                         description="等候", status="acknowledged")
    order = make_row(WorkOrder, dealer=personas.dealer_a, campaign=personas.campaign, number="A01-1")
    # a callback somebody has made (its untouched reminder would go along with the order: models/schedules)
    make_row(Callback, dealer=personas.dealer_a, campaign=personas.campaign, work_order_id=order.id,
             customer_name="王芳", due_on=dt.date(2014, 1, 27), outcome="reached",
             called_at=dt.datetime(2014, 1, 26, 2, tzinfo=dt.UTC))
    db.session.commit()
    hq = client_for(personas.hq)
    assert "已受理的投诉不能删除" in _text(_delete(hq, "complaint", complaint))
    assert "不能删除" in _text(_delete(hq, "work_order", order))
    assert reload(complaint) is not None and reload(order) is not None


# --- finding 5: links never cross dealers -------------------------------------------------------------
def test_it_refuses_hq_a_vehicle_or_invitation_of_dealer_b_for_a_customer_of_dealer_a(client_for, personas):
    customer = make_row(Customer, dealer=personas.dealer_a, name="张伟", mobile="13812345678")
    db.session.commit()
    hq = client_for(personas.hq)
    vehicle = hq.post("/admin/vehicle/new/", {"dealer": str(personas.dealer_b.id), "customer": str(customer.id),
                                              "plate": "京A12345"}, csrf_from="/admin/vehicle/new/")
    invitation = hq.post("/admin/customer_invitation/new/", {
        "campaign": str(personas.campaign.id), "dealer": str(personas.dealer_b.id), "customer": str(customer.id),
        "name": "张伟", "mobile": "13812345678", "source": "manual", "contact_status": "invited"},
        csrf_from="/admin/customer_invitation/new/")
    for response in (vehicle, invitation):
        assert response.status_code == 200 and "属于其他特约店" in _text(response)
    db.session.expire_all()
    assert db.session.scalars(select(Vehicle)).all() == []
    assert db.session.scalars(select(CustomerInvitation)).all() == []


def test_it_refuses_moving_a_work_order_or_callback_away_from_its_customer(client_for, personas):
    customer = make_row(Customer, dealer=personas.dealer_a, name="张伟")
    order = make_row(WorkOrder, dealer=personas.dealer_a, campaign=personas.campaign, number="A01-1",
                     customer_id=customer.id)
    verification = make_row(Callback, dealer=personas.dealer_a, campaign=personas.campaign, kind="verification",
                            work_order_id=order.id, customer_name="张伟", due_on=dt.date(2014, 1, 27))
    db.session.commit()
    url = f"/admin/work_order/edit/?id={order.id}"
    moved = client_for(personas.hq).post(url, {
        "campaign": str(personas.campaign.id), "dealer": str(personas.dealer_b.id), "number": "A01-1",
        "visited_on": "2014-01-20", "customer": str(customer.id)}, csrf_from=url)
    assert "属于其他特约店" in _text(moved)
    url = f"/admin/callback/edit/?id={verification.id}"
    moved = client_for(personas.call_center).post(url, {
        "campaign": str(personas.campaign.id), "dealer": str(personas.dealer_b.id), "work_order": str(order.id),
        "customer_name": "张伟", "due_on": "2014-01-27", "outcome": "pending"}, csrf_from=url)
    assert "只有总部可以把记录改到其他特约店" in _text(moved)
    assert reload(order).dealer_id == reload(verification).dealer_id == personas.dealer_a.id


def test_it_keeps_dealer_bs_vehicle_out_of_dealer_as_customer_form(client_for, personas):
    customer = make_row(Customer, dealer=personas.dealer_a, name="张伟")
    stray = make_row(Vehicle, dealer=personas.dealer_b, customer_id=customer.id, plate="京B12345")
    db.session.commit()
    url = f"/admin/customer/edit/?id={customer.id}"
    response = client_for(personas.coord_a).post(url, {
        "name": "张伟", "vehicles-0-id": str(stray.id), "vehicles-0-plate": "京A99999"}, csrf_from=url)
    assert "属于其他特约店" in _text(response)
    stray = reload(stray)
    assert (stray.dealer_id, stray.plate) == (personas.dealer_b.id, "京B12345")


# --- finding 6: phase windows ------------------------------------------------------------------------
PLANNING_WRITES = [
    ("sa_a", "sign_in", {"arrived_at": "2014-01-20 09:30:00", "name": "张伟"}),
    ("sa_a", "work_order", {"number": "A01-20140120-001", "visited_on": "2014-01-20"}),
    ("sa_a", "callback", {"customer_name": "王芳", "due_on": "2014-01-27"}),
    ("coord_a", "weekly_summary", {"week_start": "2014-01-20"}),
]


def test_it_refuses_execution_forms_while_the_campaign_is_planned(client_for, personas):
    move_to_phase(personas.campaign, "planning")
    db.session.commit()
    for who, endpoint, data in PLANNING_WRITES:
        url = f"/admin/{endpoint}/new/"
        response = client_for(getattr(personas, who)).post(
            url, {"campaign": str(personas.campaign.id), **data}, csrf_from=url)
        assert response.status_code == 200, endpoint
        assert "活动当前处于“提出”阶段，此表只能在“执行”" in _text(response), endpoint
    for model in (SignIn, WorkOrder, Callback, WeeklySummary):
        assert db.session.scalars(select(model)).all() == []


def test_it_refuses_an_import_outside_the_window(client_for, personas):
    from tests.forms.conftest import upload, xlsx_file

    move_to_phase(personas.campaign, "planning")
    db.session.commit()
    response = upload(client_for(personas.sa_a), "sign_in", xlsx_file(
        ["到店时间", "顾客姓名"], [["2014-01-20 09:30", "张伟"]]), "s.xlsx", campaign_id=personas.campaign.id)
    assert response.status_code == 409 and "此表只能在“执行”阶段" in _text(response)
    assert db.session.scalars(select(SignIn)).all() == []


def test_it_lets_hq_correct_outside_the_window_with_an_audit_note(client_for, personas):
    move_to_phase(personas.campaign, "evaluation")
    db.session.commit()
    url = "/admin/sign_in/new/"
    response = client_for(personas.hq).post(url, {
        "campaign": str(personas.campaign.id), "dealer": str(personas.dealer_a.id),
        "arrived_at": "2014-01-20 09:30:00", "name": "张伟"}, csrf_from=url)
    assert response.status_code == 302, _text(response)[-2000:]
    note = db.session.scalar(select(AuditLog.detail).where(AuditLog.entity == "SignIn"))
    assert note.startswith("总部阶段外更正：活动当前处于“测评”阶段")


# --- finding 4: the checklist is HQ's template, not the work order's -----------------------------------
def test_it_keeps_the_templates_item_name_and_safety_flag_on_a_work_order(client_for, personas):
    personas.campaign.checklist_template = default_template(db.session)
    db.session.commit()
    url = "/admin/work_order/new/"
    page = client_for(personas.coord_a).get(url).get_data(as_text=True)
    # the compact checklist table shows the item as text and sends it back unchanged: never typed
    inputs = re.findall(r'<input[^>]*name="items-0-name"[^>]*>', page)
    assert inputs and all('type="hidden"' in tag for tag in inputs), inputs
    data = {"campaign": str(personas.campaign.id), "number": "A01-20140120-001", "visited_on": "2014-01-20",
            "items-0-position": "1", "items-0-name": "刹车片", "items-0-finding": "attention",
            "items-0-suggestion": "replace", "items-0-accepted": "y"}  # 涉及行车安全 unticked, not signed
    refused = client_for(personas.coord_a).post(url, data, csrf_from=url)
    assert "涉及行车安全的问题须请顾客签字确认：刹车片厚度" in _text(refused)
    extra = client_for(personas.coord_a).post(url, {**data, "customer_signed": "y", "items-0-position": "99"},
                                              csrf_from=url)
    assert "不是本活动检测项目模板中的项目" in _text(extra)
    assert db.session.scalars(select(WorkOrder)).all() == []
    saved = client_for(personas.coord_a).post(url, {**data, "customer_signed": "y"}, csrf_from=url)
    assert saved.status_code == 302, _text(saved)[-2000:]
    order = db.session.scalar(select(WorkOrder))
    rows = [(i.position, i.name, i.safety_critical) for i in order.items]
    assert rows[0] == (1, "刹车片厚度", True) and len(rows) == len(DEFAULT_21)


# --- finding 7: the customer chain --------------------------------------------------------------------
def test_it_carries_an_invitees_customer_and_vehicle_into_the_work_order(client_for, personas):
    vin = with_check_digit("LFV2A21K0D3123456")
    invitation = CustomerInvitation(dealer_id=personas.dealer_a.id, campaign_id=personas.campaign.id, name="张伟",
                                    mobile="13812345678", plate="京A12345", vin=vin, model="朗逸", mileage_km=42000)
    db.session.add(invitation)
    db.session.commit()
    sa = client_for(personas.sa_a)
    url = "/admin/sign_in/new/"
    signed = sa.post(url, {"campaign": str(personas.campaign.id), "arrived_at": "2014-01-20 09:30:00",
                           "name": "张伟", "plate": "京A12345", "advisor": str(personas.sa_a.id)}, csrf_from=url)
    assert signed.status_code == 302, _text(signed)[-2000:]
    sign_in = db.session.scalar(select(SignIn))
    customer = sign_in.customer
    assert (customer.name, customer.mobile, customer.dealer_id) == ("张伟", "13812345678", personas.dealer_a.id)
    assert [(v.plate, v.vin, v.model) for v in customer.vehicles] == [("京A12345", vin, "朗逸")]
    assert reload(invitation).customer_id == customer.id

    opened = sa.get(f"/admin/work_order/new/?sign_in={sign_in.id}").get_data(as_text=True)
    assert "A01-20140120-001" in opened  # the visit's date, not today's
    url = "/admin/work_order/new/"
    saved = sa.post(url, {"campaign": str(personas.campaign.id), "sign_in": str(sign_in.id),
                          "number": "A01-20140120-001", "visited_on": "2014-01-20"}, csrf_from=url)
    assert saved.status_code == 302, _text(saved)[-2000:]
    order = db.session.scalar(select(WorkOrder))
    assert (order.customer_id, order.vehicle.plate) == (customer.id, "京A12345")
    printed = _text(sa.get(f"/admin/work_order/print/?id={order.id}"))
    for shown in ("张伟", "13812345678", "京A12345", vin, "朗逸"):
        assert shown in printed, shown

    again = sa.post("/admin/sign_in/new/", {"campaign": str(personas.campaign.id), "name": "张伟",
                                            "arrived_at": "2014-01-21 09:30:00", "mobile": "13812345678"},
                    csrf_from="/admin/sign_in/new/")
    assert again.status_code == 302
    assert {s.customer_id for s in db.session.scalars(select(SignIn))} == {customer.id}
    assert len(db.session.scalars(select(Customer)).all()) == 1


def test_it_links_imported_sign_ins_to_the_dealers_customers(client_for, personas):
    from tests.forms.conftest import confirm, token_of, upload, xlsx_file

    client = client_for(personas.coord_a)
    preview = upload(client, "sign_in", xlsx_file(["到店时间", "顾客姓名", "手机", "车牌号"], [
        ["2014-01-20 09:30", "张伟", "13812345678", "京A12345"],
        ["2014-01-21 09:30", "张伟", "13812345678", ""]]), "s.xlsx", campaign_id=personas.campaign.id)
    assert "已导入" in _text(confirm(client, "sign_in", token_of(preview)))
    customers = db.session.scalars(select(Customer)).all()
    assert [(c.name, c.dealer_id, [v.plate for v in c.vehicles]) for c in customers] == \
        [("张伟", personas.dealer_a.id, ["京A12345"])]
    assert {s.customer_id for s in db.session.scalars(select(SignIn))} == {customers[0].id}


def test_it_stamps_the_first_copy_sent_with_the_servers_day(client_for, personas):
    order = make_row(WorkOrder, dealer=personas.dealer_a, campaign=personas.campaign, number="A01-1",
                     visited_on=dt.date(2014, 1, 20))
    db.session.commit()
    client, url = client_for(personas.sa_a), f"/admin/work_order/edit/?id={order.id}"
    assert 'name="first_copy_sent_on"' not in client.get(url).get_data(as_text=True)
    client.post(url, {"campaign": str(personas.campaign.id), "number": "A01-1", "visited_on": "2014-01-20",
                      "first_copy_sent_on": "2014-01-20"}, csrf_from=url)
    assert reload(order).first_copy_sent_on is None
    assert "1 张工单已记录第一联寄出" in _text(_act(client, "work_order", "first_copy_sent", order))
    assert reload(order).first_copy_sent_on == local_today()
    assert "第一联已于" in _text(_act(client, "work_order", "first_copy_sent", order))
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "first_copy_sent"))
