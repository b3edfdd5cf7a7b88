"""Forms fill themselves from what is known: sign-in → work order → callback / feedback, dates
inside the campaign window, advisors only in the advisor list."""
from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from models import Callback, Customer, Feedback, SignIn, WorkOrder, db
from tests.conftest import make_user
from tests.factories import move_to_phase


def _visit(personas):
    customer = Customer(dealer=personas.dealer_a, name="张伟", mobile="13812345678")
    sign_in = SignIn(campaign=personas.campaign, dealer=personas.dealer_a, name="张伟", plate="京A12345",
                     mobile="13812345678", customer=customer,
                     arrived_at=dt.datetime(2014, 1, 20, 1, 30, tzinfo=dt.UTC))
    order = WorkOrder(campaign=personas.campaign, dealer=personas.dealer_a, number="A01-20140120-001",
                      visited_on=dt.date(2014, 1, 20), sign_in=sign_in, customer=customer)
    db.session.add_all([customer, sign_in, order])
    move_to_phase(personas.campaign, "execution")
    db.session.commit()
    return sign_in, order


def test_it_fills_the_feedback_customer_from_the_chosen_sign_in(client_for, personas):
    sign_in, _ = _visit(personas)
    url = "/admin/feedback/new/"
    response = client_for(personas.sa_a).post(url, {
        "campaign": str(personas.campaign.id), "filled_on": "2014-01-20", "sign_in": str(sign_in.id)},
        csrf_from=url)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert db.session.scalar(select(Feedback.customer_name)) == "张伟"


def test_it_opens_a_callback_filled_from_the_work_order(client_for, personas):
    _, order = _visit(personas)
    db.session.execute(delete(Callback))  # no pending one to open: a new callback, filled in
    db.session.commit()
    client = client_for(personas.coord_a)
    listing = client.get("/admin/work_order/").get_data(as_text=True)
    link = re.search(r'href="(/admin/callback/new/\?work_order=%d[^"]*)">回访</a>' % order.id, listing)
    assert link, listing[-3000:]
    html = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="张伟"' in html and 'value="13812345678"' in html
    assert 'value="2014-01-27"' in html  # visit + 7 days


def test_it_opens_the_visits_pending_callback_rather_than_a_second_one(client_for, personas):
    _, order = _visit(personas)  # recorded in execution: its pending callback is opened with it
    pending = db.session.scalar(select(Callback).where(Callback.work_order_id == order.id))
    assert (pending.customer_name, pending.mobile) == ("张伟", "13812345678")
    response = client_for(personas.coord_a).get(f"/admin/callback/new/?work_order={order.id}")
    assert response.status_code == 302
    assert f"/admin/callback/edit/?id={pending.id}" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Callback)) == 1


def test_it_fills_a_callback_saved_with_only_its_work_order(client_for, personas):
    _, order = _visit(personas)
    url = "/admin/callback/new/"
    response = client_for(personas.coord_a).post(url, {
        "campaign": str(personas.campaign.id), "work_order": str(order.id), "kind": "dealer",
        "outcome": "pending"}, csrf_from=url)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    callback = db.session.scalar(select(Callback).order_by(Callback.id.desc()).limit(1))
    assert (callback.customer_name, callback.mobile, callback.due_on) == \
        ("张伟", "13812345678", dt.date(2014, 1, 27))


def test_it_offers_only_service_advisors_as_advisor(client_for, personas):
    make_user("sa_a2", "service_advisor", dealer_id=personas.dealer_a.id)
    db.session.commit()
    for url in ("/admin/sign_in/new/", "/admin/work_order/new/"):
        html = client_for(personas.coord_a).get(url).get_data(as_text=True)
        advisor = re.search(r'<select[^>]*id="advisor".*?</select>', html, re.S).group(0)
        assert "测试sa_a" in advisor and "测试sa_a2" in advisor
        assert "测试coord_a" not in advisor and "测试sa_b" not in advisor


def test_it_defaults_dates_inside_the_campaign_window(client_for, personas):
    client = client_for(personas.coord_a)  # today (2026) is long after the 2014 campaign
    html = client.get("/admin/plan_meeting/new/").get_data(as_text=True)
    assert re.search(r'id="held_on"[^>]*value="2014-01-15"', html)
    html = client.get("/admin/sign_in/new/").get_data(as_text=True)
    assert re.search(r'id="arrived_at"[^>]*value="2014-01-15 09:00"', html)


def test_it_puts_the_template_example_inside_the_campaign_window(client_for, personas):
    response = client_for(personas.coord_a).get("/admin/customer_invitation/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    example = dict(zip([c.value for c in sheet[1]], [c.value for c in sheet[2]]))
    booked = example["预约时间"]
    assert personas.campaign.starts_on <= booked.date() <= personas.campaign.ends_on
