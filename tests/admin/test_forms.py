"""Every form screen through the admin with CSRF on: create, edit, delete, its rules, defaults, actions."""
from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
from sqlalchemy import select

from models import (AuditLog, Campaign, Complaint, Customer, CustomerInvitation, Feedback, SignIn, Vehicle,
                    WorkOrder, WorkOrderItem, db)
from models.base import Base
from models.checklists import DEFAULT_21, default_template
from models.forms_rules import local_today
from models.validators import with_check_digit
from admin.views import SCREENS
from tests.conftest import reload
from tests.factories import open_window

VIN_OK = with_check_digit("LFV2A21K0D3123456")
VIN_BAD = VIN_OK[:8] + ("1" if VIN_OK[8] != "1" else "2") + VIN_OK[9:]


def _model(table: str) -> type:
    return next(m.class_ for m in Base.registry.mappers if m.local_table.name == table)


# (endpoint, persona, valid form data, an edit: field → new value). Dates sit in the
# 2014车主回娘家 window (2014-01-15 .. 2014-02-17).
def _screens(p) -> dict[str, tuple]:
    c, a = str(p.campaign.id), str(p.dealer_a.id)
    return {
        "plan_meeting": (p.coord_a, {
            "campaign": c, "held_on": "2014-01-05", "place": "北京甲特约店二楼会议室", "chair": "王站长",
            "status": "draft", "budget_customer": "3000", "budget_staff": "2000", "budget_media": "1500",
            "budget_gifts": "8000", "attendees-0-name": "李服务经理", "attendees-0-role": "服务经理",
            "goals-0-metric": "进厂台次", "goals-0-target": "128", "goals-0-unit": "台次",
            "milestones-0-due_on": "2014-01-10", "milestones-0-item": "内部培训", "milestones-0-owner": "李经理"},
            ("place", "展厅洽谈区")),
        "daily_flow": (p.coord_a, {
            "campaign": c, "day": "2014-01-20", "leader": "李组长", "deputy": "赵副组长",
            "target_arrivals": "40", "actual_arrivals": "38", "actual_inspections": "35",
            "actual_revenue": "12800.50", "slots-0-starts_at": "08:30", "slots-0-ends_at": "09:00",
            "slots-0-activity": "晨会及分工", "slots-0-station": "接待区", "slots-0-owner": "李组长"},
            ("leader", "王组长")),
        "training_session": (p.coord_a, {
            "campaign": c, "kind": "internal", "held_on": "2014-01-10", "trainer": "钱讲师",
            "topics": "免费检测工单填写\n专家建议栏", "trainees-0-name": "赵服务", "trainees-0-score": "92",
            "trainees-0-passed": "y"}, ("trainer", "孙讲师")),
        "customer_invitation": (p.coord_a, {
            "campaign": c, "name": "张伟", "mobile": "13812345678", "plate": "京A12345", "vin": VIN_OK,
            "model": "索纳塔", "mileage_km": "42000", "source": "manual", "contact_status": "booked",
            "booked_at": "2014-01-20 10:00:00"}, ("model", "途胜")),
        "preparation_item": (p.coord_a, {
            "campaign": c, "item": "车主回娘家标示贴", "quantity": "200", "owner": "刘专员", "ready": "y"},
            ("quantity", "250")),
        "coaching_visit": (p.coach, {
            "campaign": c, "dealer": a, "visit_on": "2014-01-25", "coach": str(p.coach.id), "status": "done",
            "organization_score": "88", "findings": "标示贴位置不统一", "duties-0-duty": "车主回娘家标示贴",
            "duties-0-score": "7"}, ("organization_score", "90")),
        "sign_in": (p.sa_a, {
            "campaign": c, "arrived_at": "2014-01-20 09:30:00", "name": "张伟", "mobile": "13812345678",
            "plate": "京A12345", "advisor": str(p.sa_a.id), "channel": "desk", "gift_given": "y"},
            ("name", "张伟伟")),
        "work_order": (p.sa_a, {
            "campaign": c, "number": "A01-20140120-001", "visited_on": "2014-01-20", "mileage_km": "42000",
            "advisor": str(p.sa_a.id), "technician": "周技师", "labor_hours": "1.5", "customer_signed": "y",
            "items-0-position": "1", "items-0-name": "刹车片厚度", "items-0-safety_critical": "y",
            "items-0-measured": "3.5", "items-0-finding": "attention", "items-0-suggestion": "replace"},
            ("technician", "吴技师")),
        "feedback": (p.sa_a, {
            "campaign": c, "filled_on": "2014-01-20", "customer_name": "王芳", "nps": "9",
            "comments": "接待热情", "ratings-0-item": "接待服务", "ratings-0-score": "5",
            "ratings-1-item": "等候时间", "ratings-1-score": "4"}, ("nps", "10")),
        "callback": (p.sa_a, {
            "campaign": c, "kind": "dealer", "customer_name": "王芳", "mobile": "13912345678",
            "due_on": "2014-01-27", "called_at": "2014-01-26 10:00:00", "outcome": "reached",
            "satisfaction": "5"}, ("satisfaction", "4")),
        "complaint": (p.sa_a, {
            "campaign": c, "registered_at": "2014-01-20 11:00:00", "source": "on_site", "customer_name": "王芳",
            "mobile": "13912345678", "description": "等候时间过长", "severity": "low"}, ("severity", "medium")),
        "weekly_summary": (p.coord_a, {
            "campaign": c, "week_start": "2014-01-20", "submitted_at": "2014-01-27 16:00:00",
            "rows-0-visited_on": "2014-01-21", "rows-0-customer_name": "张伟", "rows-0-mobile": "13812345678",
            "rows-0-plate": "京A12345", "rows-0-vin": VIN_OK}, ("note", "本周 35 台")),
        "revenue_report": (p.coord_a, {
            "campaign": c, "period_start": "2014-01-15", "period_end": "2014-02-17", "visits": "320",
            "labor_revenue": "96000", "parts_revenue": "154000", "baseline_visits": "192",
            "baseline_revenue": "200000", "cost": "14500"}, ("visits", "330")),
        "closing_meeting": (p.coord_a, {
            "campaign": c, "held_on": "2014-02-20", "participants": "320", "revenue": "250000",
            "baseline_revenue": "200000", "satisfaction": "94.5", "what_worked": "专用通道"},
            ("participants", "321")),
    }


@pytest.fixture
def screens(personas):
    return _screens(personas)


def _open(personas, model: type) -> None:
    open_window(personas.campaign, model)
    db.session.commit()


def _save(client, url: str, data: dict):
    return client.post(url, data, csrf_from=url)


def _flashed(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


SCREEN_NAMES = [
    "plan_meeting", "daily_flow", "training_session", "customer_invitation", "preparation_item",
    "coaching_visit", "sign_in", "work_order", "feedback", "callback", "complaint", "weekly_summary",
    "revenue_report", "closing_meeting"]


@pytest.mark.parametrize("endpoint", SCREEN_NAMES)
def test_it_creates_edits_and_deletes_through_the_screen(client_for, personas, screens, endpoint):
    user, data, (field, new_value) = screens[endpoint]
    model, client, base = _model(endpoint), client_for(user), f"/admin/{endpoint}"
    _open(personas, model)
    created = _save(client, f"{base}/new/", data)
    assert created.status_code == 302, _flashed(created)[-3000:]
    row = db.session.scalar(select(model))
    assert row.dealer_id == personas.dealer_a.id
    edit_url = f"{base}/edit/?id={row.id}"
    assert client.get(edit_url).status_code == 200
    edited = _save(client, edit_url, {**data, field: new_value})
    assert edited.status_code == 302, _flashed(edited)[-3000:]
    assert str(getattr(reload(row), field)) in (new_value, f"{new_value}.00")
    row_id = row.id
    view = next(v for v, m, _, _ in SCREENS if m is model)
    if user.role not in view.deleting_roles():  # advisors never delete; complaints only HQ
        client = client_for(personas.coord_a if "dealer_coordinator" in view.deleting_roles() else personas.hq)
    deleted = client.post(f"{base}/delete/", {"id": str(row_id), "url": f"{base}/"}, csrf_from=f"{base}/")
    assert deleted.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(model).where(model.id == row_id)) is None
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.entity == model.__name__)).all()
    assert {"create", "update", "delete"} <= set(actions)


@pytest.mark.parametrize("endpoint", SCREEN_NAMES)
def test_it_refuses_another_dealers_user(client_for, personas, screens, endpoint):
    user, data, (field, new_value) = screens[endpoint]
    base, model = f"/admin/{endpoint}", _model(endpoint)
    _open(personas, model)
    assert _save(client_for(user), f"{base}/new/", data).status_code == 302
    row = db.session.scalar(select(model))
    view = next(v for v, m, _, _ in SCREENS if m is model)
    for outsider in (personas.coord_b, personas.coord_c):
        client = client_for(outsider)
        assert client.get(f"{base}/details/?id={row.id}").status_code == 404
        if outsider.role in view.write_roles:
            assert client.get(f"{base}/edit/?id={row.id}").status_code == 404
            assert client.post(f"{base}/edit/?id={row.id}", {**data, field: new_value},
                               csrf_from=f"{base}/").status_code == 404
        if outsider.role in view.deleting_roles():
            assert client.post(f"{base}/delete/", {"id": str(row.id), "url": f"{base}/"},
                               csrf_from=f"{base}/").status_code == 404
    fresh = reload(row)
    assert fresh is not None and str(getattr(fresh, field)) != new_value


# --- each rule refuses bad values and accepts good ones -----------------------------------------------
RULES = [
    # endpoint, field, bad value, message, good value
    ("sign_in", "mobile", "1381234567", "不是有效的中国大陆手机号码", "+86 138 1234 5678"),
    ("sign_in", "mobile", "010-62345678", "不是有效的中国大陆手机号码", "15012345678"),
    ("sign_in", "plate", "京12345", "车牌号", "粤BD12345"),
    ("sign_in", "plate", "京AI2345", "车牌号", "沪AF01234"),
    ("sign_in", "arrived_at", "2014-02-18 09:00:00", "执行期", "2014-02-17 18:00:00"),
    ("customer_invitation", "vin", VIN_BAD, "校验位", VIN_OK),
    ("customer_invitation", "vin", "LFV2A21K0D312345Q", "不含 I、O、Q", VIN_OK.lower()),
    ("customer_invitation", "plate", "A12345", "车牌号", "川A1B2C3"),
    ("customer_invitation", "booked_at", "", "预约时间", "2014-01-21 14:00:00"),
    ("feedback", "ratings-0-score", "6", "1 至 5", "1"),
    ("feedback", "ratings-0-score", "0", "1 至 5", "3"),
    ("feedback", "nps", "11", "0 至 10", "0"),
    ("feedback", "nps", "-1", "0 至 10", "10"),
    ("feedback", "filled_on", "2014-01-14", "执行期", "2014-01-15"),
    ("training_session", "trainees-0-score", "101", "0 至 100", "100"),
    ("training_session", "trainees-0-score", "-1", "0 至 100", "0"),
    ("work_order", "visited_on", "2014-03-01", "执行期", "2014-02-17"),
    ("work_order", "labor_hours", "-1", "不能为负数", "0"),
    ("work_order", "mileage_km", "-100", "不能为负数", "120000"),
    ("work_order", "customer_signed", None, "涉及行车安全的问题须请顾客签字确认", "y"),
    ("work_order", "items-0-suggestion", "none", "专家建议栏", "maintain"),
    ("daily_flow", "day", "2014-02-18", "执行期", "2014-02-17"),
    ("daily_flow", "slots-0-ends_at", "08:00", "“结束”必须晚于“开始”", "12:00"),
    ("daily_flow", "actual_revenue", "-1", "不能为负数", "0"),
    ("daily_flow", "actual_inspections", "39", "不能多于", "38"),
    ("callback", "due_on", "2014-02-25", "执行期", "2014-02-24"),
    ("callback", "satisfaction", "6", "1 至 5", "1"),
    ("callback", "mobile", "12345", "不是有效的中国大陆手机号码", "13912345678"),
    ("revenue_report", "period_end", "2014-01-14", "不能早于", "2014-01-15"),
    ("revenue_report", "cost", "-0.01", "不能为负数", "0"),
    ("plan_meeting", "budget_gifts", "-8000", "不能为负数", "0"),
    ("plan_meeting", "conflicts_policy", "y", "政策说明", None),
    ("preparation_item", "quantity", "-1", "不能为负数", "0"),
    ("closing_meeting", "satisfaction", "120", "0 至 100", "100"),
    ("coaching_visit", "duties-0-score", "11", "0 至 10", "10"),
    ("coaching_visit", "organization_score", "", "活动组织得分", "60"),
    ("weekly_summary", "week_start", "2014-01-21", "不是星期一", "2014-01-20"),
    ("weekly_summary", "rows-0-vin", VIN_BAD, "校验位", VIN_OK),
    ("complaint", "mobile", "1391234567", "不是有效的中国大陆手机号码", "13912345678"),
]


def _with(data: dict, field: str, value: str | None) -> dict:
    data = dict(data)
    if value is None:
        data.pop(field, None)
    else:
        data[field] = value
    return data


@pytest.mark.parametrize("endpoint,field,bad,message,good", RULES,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in RULES])
def test_it_refuses_bad_values_and_accepts_good_ones(client_for, personas, screens, endpoint, field, bad, message,
                                                    good):
    user, data, _ = screens[endpoint]
    client, url, model = client_for(user), f"/admin/{endpoint}/new/", _model(endpoint)
    _open(personas, model)
    refused = _save(client, url, _with(data, field, bad))
    assert refused.status_code == 200
    assert message in _flashed(refused)
    assert db.session.query(model).count() == 0
    accepted = _save(client, url, _with(data, field, good))
    assert accepted.status_code == 302, _flashed(accepted)[-2000:]
    assert db.session.query(model).count() == 1


def test_it_refuses_an_unsigned_safety_finding_on_edit_too(client_for, screens):
    user, data, _ = screens["work_order"]
    client = client_for(user)
    assert _save(client, "/admin/work_order/new/", data).status_code == 302
    order = db.session.scalar(select(WorkOrder))
    response = _save(client, f"/admin/work_order/edit/?id={order.id}", _with(data, "customer_signed", None))
    assert "涉及行车安全的问题须请顾客签字确认：刹车片厚度" in _flashed(response)
    assert reload(order).customer_signed is True


# --- defaults ------------------------------------------------------------------------------------------
def _value_of(html: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)


@pytest.mark.parametrize("endpoint,field", [("plan_meeting", "held_on"), ("daily_flow", "day"),
                                            ("feedback", "filled_on"), ("work_order", "visited_on"),
                                            ("training_session", "held_on"), ("closing_meeting", "held_on")])
def test_it_opens_forms_on_a_day_of_the_campaign(client_for, personas, endpoint, field):
    user = personas.sa_a if endpoint in ("feedback", "work_order") else personas.coord_a
    html = client_for(user).get(f"/admin/{endpoint}/new/").get_data(as_text=True)
    assert _value_of(html, field) == "2014-01-15"  # today is after the 2014 window: its first day
    today = local_today()
    db.session.add(Campaign(name="今年的活动", type="free_inspection", starts_on=today - dt.timedelta(days=3),
                            ends_on=today + dt.timedelta(days=30)))
    db.session.commit()
    html = client_for(user).get(f"/admin/{endpoint}/new/").get_data(as_text=True)
    assert _value_of(html, field) == today.isoformat()  # a campaign running today: today


def test_it_opens_forms_with_the_advisor_and_the_checklist(client_for, personas):
    personas.campaign.checklist_template = default_template(db.session)
    db.session.commit()
    html = client_for(personas.sa_a).get("/admin/work_order/new/").get_data(as_text=True)
    assert re.search(rf'<option selected value="{personas.sa_a.id}">', html)
    names = [htmllib.unescape(n) for n in re.findall(r'name="items-\d+-name"[^>]*value="([^"]*)"', html)]
    assert names == [name for name, _, _ in DEFAULT_21]
    sign_in_html = client_for(personas.sa_a).get("/admin/sign_in/new/").get_data(as_text=True)
    assert re.search(rf'<option selected value="{personas.sa_a.id}">', sign_in_html)
    feedback_html = client_for(personas.sa_a).get("/admin/feedback/new/").get_data(as_text=True)
    assert "总体满意度" in feedback_html
    coord_html = client_for(personas.coord_a).get("/admin/work_order/new/").get_data(as_text=True)
    assert not re.search(rf'<option selected value="{personas.sa_a.id}">', coord_html)


# --- actions -----------------------------------------------------------------------------------------
def test_it_marks_an_uninvited_arrival_as_walk_in(client_for, personas, screens):
    db.session.add(CustomerInvitation(campaign=personas.campaign, dealer=personas.dealer_a, name="张伟",
                                      mobile="13812345678", plate="京A12345"))
    db.session.commit()
    user, data, _ = screens["sign_in"]
    client = client_for(user)
    _save(client, "/admin/sign_in/new/", {**data, "plate": "京a 12345", "walk_in": "y"})
    _save(client, "/admin/sign_in/new/", {**data, "name": "李娜", "plate": "粤BD12345", "mobile": "15012345678"})
    rows = {s.name: (s.plate, s.walk_in) for s in db.session.scalars(select(SignIn))}
    assert rows == {"张伟": ("京A12345", False), "李娜": ("粤BD12345", True)}


def test_it_starts_a_work_order_from_a_sign_in(client_for, personas, screens):
    personas.campaign.checklist_template = default_template(db.session)
    customer = Customer(dealer=personas.dealer_a, name="张伟", mobile="13812345678",
                        vehicles=[Vehicle(dealer=personas.dealer_a, plate="京A12345", vin=VIN_OK)])
    db.session.add(customer)
    db.session.commit()
    client = client_for(personas.sa_a)
    user, data, _ = screens["sign_in"]
    assert _save(client, "/admin/sign_in/new/", {**data, "customer": str(customer.id)}).status_code == 302
    sign_in = db.session.scalar(select(SignIn))
    listing = client.get("/admin/sign_in/").get_data(as_text=True)
    link = htmllib.unescape(re.search(r'href="([^"]*)">开工单</a>', listing).group(1))
    assert f"sign_in={sign_in.id}" in link
    form = client.get(link).get_data(as_text=True)
    assert f'[{sign_in.id}, &#34;' in form or f"[{sign_in.id}, " in htmllib.unescape(form)
    assert _value_of(form, "visited_on") == "2014-01-20"
    _, order_data, _ = screens["work_order"]
    saved = client.post(link, {**order_data, "sign_in": str(sign_in.id), "customer": str(customer.id),
                               "vehicle": str(customer.vehicles[0].id)}, csrf_from=link)
    assert saved.status_code == 302
    order = db.session.scalar(select(WorkOrder))
    assert order.sign_in_id == sign_in.id and order.customer_id == customer.id
    assert f"/admin/work_order/edit/?id={order.id}" in client.get("/admin/sign_in/").get_data(as_text=True)


def test_it_refuses_another_dealers_sign_in_as_a_work_order_start(client_for, personas):
    theirs = SignIn(campaign=personas.campaign, dealer=personas.dealer_b, name="乙店顾客",
                    arrived_at=dt.datetime(2014, 1, 20, 2, 0, tzinfo=dt.UTC))
    db.session.add(theirs)
    db.session.commit()
    form = client_for(personas.sa_a).get(f"/admin/work_order/new/?sign_in={theirs.id}").get_data(as_text=True)
    assert "乙店顾客" not in htmllib.unescape(form)


def test_it_moves_complaints_through_list_actions(client_for, personas, screens):
    user, data, _ = screens["complaint"]
    client = client_for(user)
    _save(client, "/admin/complaint/new/", data)
    complaint = db.session.scalar(select(Complaint))

    def act(name):
        return client.post("/admin/complaint/action/", {"action": name, "rowid": str(complaint.id),
                                                        "url": "/admin/complaint/"},
                           csrf_from="/admin/complaint/", follow_redirects=True)

    assert "须先“已受理”才能“已解决”" in _flashed(act("resolved"))
    assert reload(complaint).status == "registered"
    act("acknowledged")
    assert "根本原因" in _flashed(act("resolved"))
    edit = f"/admin/complaint/edit/?id={complaint.id}"
    _save(client, edit, {**data, "root_cause": "高峰期接待人手不足", "resolution": "增设专用通道并致歉"})
    act("resolved")
    act("verified")
    done = reload(complaint)
    assert done.status == "verified" and done.assignee_id == personas.sa_a.id
    assert done.acknowledged_at <= done.resolved_at <= done.verified_at
    assert client_for(personas.coord_b).post(
        "/admin/complaint/action/", {"action": "acknowledged", "rowid": str(complaint.id)},
        csrf_from="/admin/complaint/").status_code == 302
    audit = db.session.scalars(select(AuditLog.action).where(AuditLog.entity == "Complaint")).all()
    assert audit.count("complaint_verified") == 1


def test_it_offers_complaint_actions_to_writers_only(client_for, personas):
    def offered(user):
        html = client_for(user).get("/admin/complaint/").get_data(as_text=True)
        return set(re.findall(r"modelActions\.execute\('(\w+)'\)", html))

    assert {"acknowledged", "resolved", "verified"} <= offered(personas.sa_a)
    assert not offered(personas.coach) & {"acknowledged", "resolved", "verified"}


def test_it_registers_a_complaint_from_feedback_once(client_for, personas, screens):
    user, data, _ = screens["feedback"]
    client = client_for(user)
    asking = {**data, "wants_complaint": "y", "comments": "检测后车内有油污"}
    assert _save(client, "/admin/feedback/new/", asking).status_code == 302
    feedback = db.session.scalar(select(Feedback))
    assert _save(client, f"/admin/feedback/edit/?id={feedback.id}", {**asking, "nps": "3"}).status_code == 302
    complaints = db.session.scalars(select(Complaint)).all()
    assert [(c.source, c.feedback_id, c.description, c.dealer_id) for c in complaints] == [
        ("feedback", feedback.id, "检测后车内有油污", personas.dealer_a.id)]
    refused = _save(client, "/admin/feedback/new/", {**asking, "comments": ""})
    assert "写明投诉内容" in _flashed(refused)


def test_it_takes_one_feedback_per_visit_on_the_screen(client_for, personas, screens):
    user, data, _ = screens["feedback"]
    arrival = SignIn(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id, name="王芳",
                     arrived_at=dt.datetime(2014, 1, 20, 1, 30, tzinfo=dt.UTC))
    db.session.add(arrival)
    db.session.commit()
    client, linked = client_for(user), {**data, "sign_in": str(arrival.id)}
    assert _save(client, "/admin/feedback/new/", linked).status_code == 302
    first = db.session.scalar(select(Feedback))
    again = _save(client, "/admin/feedback/new/", linked)
    assert again.status_code == 200 and "已在本店本活动的顾客信息回馈表中" in _flashed(again)
    assert _save(client, f"/admin/feedback/edit/?id={first.id}", {**linked, "nps": "10"}).status_code == 302
    db.session.expire_all()
    assert [(f.id, f.nps) for f in db.session.scalars(select(Feedback))] == [(first.id, 10)]


def test_it_lists_declined_suggestions_for_follow_up(client_for, personas, screens):
    user, data, _ = screens["work_order"]
    client = client_for(user)
    _save(client, "/admin/work_order/new/", data)  # 刹车片: 立即更换, not accepted (unchecked)
    _save(client, "/admin/work_order/new/", {**data, "number": "A01-20140120-002", "items-0-accepted": "y"})
    declined = db.session.scalar(select(WorkOrder).where(WorkOrder.number == "A01-20140120-001"))
    assert declined.declined_suggestions == "刹车片厚度：立即更换"
    follow_up = client.get("/admin/follow_up/").get_data(as_text=True)
    assert "A01-20140120-001" in follow_up and "A01-20140120-002" not in follow_up
    assert "A01-20140120-001" not in client_for(personas.sa_b).get("/admin/follow_up/").get_data(as_text=True)
    assert db.session.query(WorkOrderItem).count() == 2


# --- base data screens ----------------------------------------------------------------------------------
def test_it_saves_a_customer_with_inline_vehicles_under_the_users_dealer(client_for, personas):
    client, url = client_for(personas.sa_a), "/admin/customer/new/"
    data = {"name": "张伟", "mobile": "138 1234 5678", "vehicles-0-plate": "京a12345", "vehicles-0-vin": VIN_OK,
            "vehicles-0-model": "索纳塔", "vehicles-0-mileage_km": "42000"}
    assert "车辆1：VIN" in _flashed(_save(client, url, {**data, "vehicles-0-vin": VIN_BAD}))
    assert "车辆1：车牌号" in _flashed(_save(client, url, {**data, "vehicles-0-plate": "京A1234"}))
    assert _save(client, url, data).status_code == 302
    customer = db.session.scalar(select(Customer))
    assert customer.mobile == "13812345678"
    assert [(v.plate, v.dealer_id) for v in customer.vehicles] == [("京A12345", personas.dealer_a.id)]


@pytest.mark.parametrize("plate,vin,message", [("", "", "至少填写一项"), ("京A12345", VIN_BAD, "校验位"),
                                               ("京A12345", "", None), ("", VIN_OK, None)])
def test_it_checks_a_vehicle(client_for, personas, plate, vin, message):
    customer = Customer(dealer=personas.dealer_a, name="张伟")
    db.session.add(customer)
    db.session.commit()
    response = _save(client_for(personas.sa_a), "/admin/vehicle/new/",
                     {"customer": str(customer.id), "plate": plate, "vin": vin, "mileage_km": "1000"})
    if message:
        assert message in _flashed(response) and db.session.query(Vehicle).count() == 0
    else:
        assert response.status_code == 302 and db.session.query(Vehicle).count() == 1


@pytest.mark.parametrize("starts,ends,baseline_end,message", [
    ("2015-05-01", "2015-04-30", "", "执行结束日不能早于开始日"),
    ("2015-04-20", "2015-05-10", "2015-04-25", "对比基期应在执行期之前结束"),
    ("2015-04-20", "2015-05-10", "2014-05-10", None)])
def test_it_checks_a_campaign_window(client_for, personas, starts, ends, baseline_end, message):
    response = _save(client_for(personas.hq), "/admin/campaign/new/", {
        "name": "2015五一长途检测", "type": "long_trip_check", "starts_on": starts, "ends_on": ends,
        "baseline_starts_on": "2014-04-20" if baseline_end else "", "baseline_ends_on": baseline_end})
    if message:
        assert message in _flashed(response)
    else:
        assert response.status_code == 302


def test_it_keeps_several_reasons_for_a_plan_meeting(client_for, personas, screens):
    from models import PlanMeeting

    user, data, _ = screens["plan_meeting"]
    client = client_for(user)
    _open(personas, PlanMeeting)
    response = _save(client, "/admin/plan_meeting/new/",
                     {**data, "reasons": ["market", "stock"], "support_requested": ["compensation"]})
    assert response.status_code == 302, _flashed(response)[-2000:]
    meeting = db.session.scalar(select(PlanMeeting))
    assert meeting.reasons == "market,stock" and meeting.support_requested == "compensation"
    assert "市场竞争、零配件库存" in client.get("/admin/plan_meeting/").get_data(as_text=True)
    edit = client.get(f"/admin/plan_meeting/edit/?id={meeting.id}").get_data(as_text=True)
    for code in ("market", "stock", "compensation"):  # the choices stay chosen when editing
        assert f'selected value="{code}"' in edit


# --- the 100% callback -----------------------------------------------------------------------------
def test_it_opens_the_callback_of_a_work_order_recorded_during_execution(client_for, screens, personas):
    from models import Callback
    from tests.factories import move_to_phase

    move_to_phase(personas.campaign, "execution")
    db.session.commit()
    user, data, _ = screens["work_order"]
    assert _save(client_for(user), "/admin/work_order/new/", data).status_code == 302
    order = db.session.scalar(select(WorkOrder))
    callback = db.session.scalars(select(Callback)).one()
    assert (callback.kind, callback.outcome, callback.work_order_id, callback.dealer_id) == \
        ("dealer", "pending", order.id, order.dealer_id)
    assert callback.due_on == dt.date(2014, 1, 27)  # visit 2014-01-20 + 7
