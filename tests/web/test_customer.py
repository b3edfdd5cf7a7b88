"""The customers' phone pages: QR self sign-in by link token, without a login."""
from __future__ import annotations

import datetime as dt
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import AuditLog, Campaign, Complaint, CustomerInvitation, Feedback, SignIn, WorkOrder, db
from models.execution import FEEDBACK_ITEMS
from models.base import local_today
from models.selfservice import mask_name, mask_plate
from reports.qr import public_url, qr_svg
from tests.factories import move_to_phase
from web import limiter


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()  # counts live in the process (memory://); each test starts from none


@pytest.fixture
def unlimited(app, monkeypatch):
    """The concurrency tests press far more often than a customer may."""
    monkeypatch.setitem(app.config, "PHONE_LIMIT_PER_IP", "100000 per minute")
    monkeypatch.setitem(app.config, "PHONE_LIMIT_PER_LINK", "100000 per minute")


@pytest.fixture
def today_campaign(personas):
    """The personas' campaign running today, in its execution phase."""
    campaign = personas.campaign
    campaign.starts_on, campaign.ends_on = local_today() - dt.timedelta(days=3), local_today() + dt.timedelta(days=3)
    move_to_phase(campaign, "execution")
    db.session.commit()
    return campaign


def invite(campaign, dealer, n: int = 0, **values) -> CustomerInvitation:
    invitation = CustomerInvitation(campaign_id=campaign.id, dealer_id=dealer.id,
                                    **{"name": "张伟", "mobile": f"138{n:08d}", "plate": f"京A{n:05d}",
                                       **values})
    db.session.add(invitation)
    db.session.commit()
    return invitation


def sign_ins() -> int:
    return db.session.scalar(select(func.count()).select_from(SignIn))


def press(client, url: str):
    return client.post(url, {}, csrf_from="/login")  # the same session token as the page's


def test_it_gives_every_invitation_an_unguessable_token(today_campaign, personas):
    tokens = {invite(today_campaign, personas.dealer_a, n).token for n in range(20)}
    assert len(tokens) == 20
    assert all(len(token) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", token) for token in tokens)


def test_it_shows_masked_name_and_plate_and_signs_in_once(client_for, today_campaign, personas):
    invitation = invite(today_campaign, personas.dealer_a, 12345, name="张伟", plate="京A12345")
    client = client_for(None)
    url = f"/signin/{invitation.token}"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "张*" in html and "京A***45" in html and "签到</button>" in html
    assert "张伟" not in html and "京A12345" not in html and invitation.mobile not in html
    done = press(client, url)
    assert done.status_code == 200 and "签到成功" in done.get_data(as_text=True)
    sign_in = db.session.scalar(select(SignIn))
    assert (sign_in.channel, sign_in.invitation_id, sign_in.name, sign_in.plate, sign_in.dealer_id) == \
        ("qr", invitation.id, "张伟", "京A12345", personas.dealer_a.id)
    assert sign_in.walk_in is False
    assert db.session.scalar(select(AuditLog).where(AuditLog.entity == "SignIn")).detail == "顾客扫码自助签到"

    again = press(client, url)
    hhmm = sign_in.arrived_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M")
    assert f"您已于 {hhmm} 签到" in again.get_data(as_text=True)
    assert f"您已于 {hhmm} 签到" in client.get(url).get_data(as_text=True)
    assert sign_ins() == 1


def test_it_refuses_a_post_without_csrf(client_for, today_campaign, personas):
    invitation = invite(today_campaign, personas.dealer_a)
    response = client_for(None).http.post(f"/signin/{invitation.token}", data={})
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    assert sign_ins() == 0


@pytest.mark.parametrize("mangle", [lambda t: "A" * 24, lambda t: t[:-1] + ("x" if t[-1] != "x" else "y"),
                                    lambda t: t + "'--", lambda t: "%00", lambda t: "a" * 300])
def test_it_shows_a_friendly_404_for_unknown_and_tampered_tokens(client_for, today_campaign, personas, mangle):
    invitation = invite(today_campaign, personas.dealer_a)
    client = client_for(None)
    url = f"/signin/{mangle(invitation.token)}"
    for response in (client.get(url), client.http.post(url, data={})):
        assert response.status_code == 404
        assert "此二维码或链接无效" in response.get_data(as_text=True)
    assert sign_ins() == 0


def test_it_shows_a_friendly_410_when_the_campaign_is_over(client_for, today_campaign, personas):
    ended = Campaign(name="2013夏日检测", type="summer_ac", starts_on=dt.date(2013, 7, 1),
                     ends_on=dt.date(2013, 8, 31), phase="execution")
    db.session.add(ended)
    db.session.commit()
    invitation = invite(ended, personas.dealer_a)
    client = client_for(None)
    url = f"/signin/{invitation.token}"
    for response in (client.get(url), client.http.post(url, data={})):
        assert response.status_code == 410
        assert "活动已结束" in response.get_data(as_text=True)
    assert sign_ins() == 0


def test_it_opens_the_day_before_the_window_without_a_sign_in_button(client_for, personas):
    campaign = personas.campaign
    campaign.starts_on, campaign.ends_on = local_today() + dt.timedelta(days=1), local_today() + dt.timedelta(days=5)
    db.session.commit()
    invitation = invite(campaign, personas.dealer_a)
    client = client_for(None)
    page = client.get(f"/signin/{invitation.token}").get_data(as_text=True)
    assert "届时到店请再次扫码签到" in page and "<button" not in page
    assert client.post(f"/signin/{invitation.token}", {}, csrf_from="/login").status_code == 409  # the window rule of the desk
    assert sign_ins() == 0
    campaign.starts_on = local_today() + dt.timedelta(days=2)
    db.session.commit()
    early = client.get(f"/signin/{invitation.token}")
    assert early.status_code == 404 and "签到尚未开放" in early.get_data(as_text=True)


@pytest.mark.parametrize("phase,said", [("application", "尚未开始现场接待"), ("evaluation", "现场接待已结束")])
def test_it_takes_sign_ins_and_feedback_only_while_the_dealer_is_in_execution(client_for, today_campaign,
                                                                               personas, phase, said):
    """The desk's phase rule (models/windows.py) holds on the phone too, by the dealer's own phase."""
    invitation, arrival = invite(today_campaign, personas.dealer_a), visit(today_campaign, personas.dealer_a)
    poster = poster_link(client_for(personas.coord_a))
    move_to_phase(today_campaign, phase)
    db.session.commit()
    phone = client_for(None)
    before = (sign_ins(), feedbacks())
    for url, data in ((f"/signin/{invitation.token}", {}), (f"/feedback/{arrival.feedback_token}", answers()),
                      (poster, {"name": "李娜", "mobile": "13700001111", "plate": "京C11111"})):
        page = phone.get(url).get_data(as_text=True)
        assert said in page and "<button" not in page, url
        refused = phone.post(url, data, csrf_from="/login")
        assert refused.status_code == 409 and said in refused.get_data(as_text=True), url
    assert (sign_ins(), feedbacks()) == before


def test_it_masks_names_and_plates():
    assert mask_name("张伟") == "张*" and mask_name("欧阳娜娜") == "欧***" and mask_name("张") == "*"
    assert mask_plate("京A12345") == "京A***45" and mask_plate("粤BD12345") == "粤B****45"
    assert mask_plate(None) == ""
    for name in ("张伟", "欧阳娜娜", "李", "Smith"):
        assert name not in mask_name(name)


# --- feedback -------------------------------------------------------------------------------------
def visit(campaign, dealer, name: str = "王芳") -> SignIn:
    sign_in = SignIn(campaign_id=campaign.id, dealer_id=dealer.id, name=name, plate="京B23456",
                     mobile="13912345678", arrived_at=dt.datetime.now(dt.UTC))
    db.session.add(sign_in)
    db.session.commit()
    return sign_in


def answers(**extra) -> dict[str, str]:
    return {**{f"r{n}": "5" for n in range(len(FEEDBACK_ITEMS))}, "r1": "3", "nps": "9",
            "comments": "", **extra}


def feedbacks() -> int:
    return db.session.scalar(select(func.count()).select_from(Feedback))


def test_it_takes_one_feedback_per_visit_from_the_phone(client_for, today_campaign, personas):
    sign_in = visit(today_campaign, personas.dealer_a)
    client = client_for(None)
    url = f"/feedback/{sign_in.feedback_token}"
    page = client.get(url).get_data(as_text=True)
    assert all(item in page for item in FEEDBACK_ITEMS) and "我要投诉" in page and "王*" in page
    assert "王芳" not in page and "13912345678" not in page and "京B23456" not in page
    done = client.post(url, answers(comments="等候区很舒适"), csrf_from="/login")
    assert done.status_code == 200 and "感谢您的反馈" in done.get_data(as_text=True)
    feedback = db.session.scalar(select(Feedback))
    assert (feedback.sign_in_id, feedback.dealer_id, feedback.nps, feedback.comments, feedback.customer_name) == \
        (sign_in.id, personas.dealer_a.id, 9, "等候区很舒适", "王芳")
    assert {r.item: r.score for r in feedback.ratings} == {**{i: 5 for i in FEEDBACK_ITEMS}, FEEDBACK_ITEMS[1]: 3}
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0

    again = client.post(url, answers(nps="0"), csrf_from="/login")
    assert "感谢您的反馈" in again.get_data(as_text=True) and "<button" not in again.get_data(as_text=True)
    db.session.expire_all()
    assert feedbacks() == 1 and db.session.scalar(select(Feedback.nps)) == 9


def test_it_keeps_one_feedback_per_visit_in_the_database(today_campaign, personas):
    sign_in = visit(today_campaign, personas.dealer_a)
    for _ in range(2):  # past every rule: the unique index itself refuses the second form
        db.session.add(Feedback(campaign_id=today_campaign.id, dealer_id=personas.dealer_a.id,
                                sign_in_id=sign_in.id, customer_name="王芳", filled_on=local_today()))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert feedbacks() == 0


def test_it_lands_concurrent_feedback_of_one_visit_once(live_server, unlimited, today_campaign, personas):
    sign_in = visit(today_campaign, personas.dealer_a)
    url = urljoin(live_server, f"/feedback/{sign_in.feedback_token}")
    statuses = _phones_press([url] * 20, answers(comments="很好"))
    assert statuses == [200] * 20
    db.session.expire_all()
    assert feedbacks() == 1
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity == "Feedback")) == 1


def test_it_registers_the_complaint_a_customer_asks_for(client_for, today_campaign, personas):
    sign_in = visit(today_campaign, personas.dealer_a)
    client = client_for(None)
    url = f"/feedback/{sign_in.feedback_token}"
    missing = client.post(url, answers(wants_complaint="y"), csrf_from="/login")
    assert missing.status_code == 400 and "写明投诉内容" in missing.get_data(as_text=True)
    assert feedbacks() == 0
    client.post(url, answers(wants_complaint="y", comments="检测后异响未解决"), csrf_from="/login")
    complaint = db.session.scalar(select(Complaint))
    feedback = db.session.scalar(select(Feedback))
    assert (complaint.feedback_id, complaint.source, complaint.description, complaint.dealer_id, complaint.mobile) == \
        (feedback.id, "feedback", "检测后异响未解决", personas.dealer_a.id, "13912345678")


@pytest.mark.parametrize("bad,message", [
    ({"r2": ""}, f"请为“{FEEDBACK_ITEMS[2]}”打分（1–5 分）"), ({"r2": "6"}, f"请为“{FEEDBACK_ITEMS[2]}”打分"),
    ({"nps": "11"}, "请选择推荐意愿 0–10 分"), ({"nps": ""}, "请选择推荐意愿 0–10 分"),
    ({"comments": "长" * 1001}, "请不超过 1000 字")])
def test_it_refuses_incomplete_or_out_of_range_answers_in_chinese(client_for, today_campaign, personas, bad,
                                                                  message):
    sign_in = visit(today_campaign, personas.dealer_a)
    response = client_for(None).post(f"/feedback/{sign_in.feedback_token}", answers(**bad), csrf_from="/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f'class="error">{message}' in html.replace("&#34;", '"')
    assert not re.search(r"Not a valid|This field|Invalid", html)  # no WTForms English
    assert feedbacks() == 0


def test_it_refuses_wrong_and_ended_feedback_links(client_for, today_campaign, personas):
    invitation = invite(today_campaign, personas.dealer_a)
    client = client_for(None)
    assert client.get(f"/feedback/{invitation.token}").status_code == 404  # a sign-in link is not one
    assert client.get(f"/signin/{visit(today_campaign, personas.dealer_a).feedback_token}").status_code == 404
    today_campaign.starts_on, today_campaign.ends_on = dt.date(2014, 1, 15), dt.date(2014, 2, 17)
    db.session.commit()
    ended = client.post(f"/feedback/{visit(today_campaign, personas.dealer_a).feedback_token}", answers(),
                        csrf_from="/login")
    assert ended.status_code == 410 and feedbacks() == 0


def test_it_shows_the_visits_feedback_qr_on_its_work_order(client_for, today_campaign, personas):
    sign_in = visit(today_campaign, personas.dealer_a)
    order = WorkOrder(campaign_id=today_campaign.id, dealer_id=personas.dealer_a.id, sign_in_id=sign_in.id,
                      number="A01-1", visited_on=local_today())
    db.session.add(order)
    db.session.commit()
    html = client_for(personas.sa_a).get(f"/admin/work_order/edit/?id={order.id}").get_data(as_text=True)
    assert f"/feedback/{sign_in.feedback_token}" in html and "<svg" in html
    other = client_for(personas.sa_b).get(f"/admin/work_order/edit/?id={order.id}")
    assert other.status_code == 404 and sign_in.feedback_token not in other.get_data(as_text=True)


# --- walk-in poster and label sheet ---------------------------------------------------------------
def poster_link(client) -> str:
    html = client.get("/admin/sign_in/walk-in-poster/").get_data(as_text=True)
    assert "<svg" in html and "扫码签到" in html
    return re.search(r'http://127\.0\.0\.1:5000(/walkin/[^"<\s]+)', html).group(1)


def test_it_signs_in_a_walk_in_from_the_dealers_poster_once_a_day(client_for, today_campaign, personas):
    link = poster_link(client_for(personas.coord_a))
    phone = client_for(None)
    assert "您的姓名" in phone.get(link).get_data(as_text=True)
    done = phone.post(link, {"name": "赵强", "mobile": "139 1111 2222", "plate": "京c 54321"}, csrf_from="/login")
    assert done.status_code == 200 and "签到成功" in done.get_data(as_text=True)
    sign_in = db.session.scalar(select(SignIn))
    assert (sign_in.name, sign_in.mobile, sign_in.plate, sign_in.walk_in, sign_in.channel, sign_in.dealer_id) == \
        ("赵强", "13911112222", "京C54321", True, "qr", personas.dealer_a.id)
    again = phone.post(link, {"name": "赵强", "mobile": "13911112222"}, csrf_from="/login")
    assert "您已于" in again.get_data(as_text=True) and sign_ins() == 1


def test_it_links_a_poster_sign_in_to_the_invitation_on_the_list(client_for, today_campaign, personas):
    invitation = invite(today_campaign, personas.dealer_a, 7, name="孙丽")
    link = poster_link(client_for(personas.sa_a))
    client_for(None).post(link, {"name": "孙丽", "mobile": invitation.mobile}, csrf_from="/login")
    sign_in = db.session.scalar(select(SignIn))
    assert (sign_in.invitation_id, sign_in.walk_in) == (invitation.id, False)
    page = client_for(None).get(f"/signin/{invitation.token}").get_data(as_text=True)
    assert "您已于" in page and sign_ins() == 1


def test_it_checks_a_poster_sign_in_by_the_screens_rules(client_for, today_campaign, personas):
    link = poster_link(client_for(personas.coord_a))
    bad = client_for(None).post(link, {"name": "赵强", "mobile": "12345", "plate": "ABC"}, csrf_from="/login")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "不是有效的中国大陆手机号码" in html and "格式不正确" in html
    assert sign_ins() == 0


def test_it_refuses_a_tampered_or_old_poster(app, client_for, today_campaign, personas):
    from web.customer import poster_token

    link = poster_link(client_for(personas.coord_a))
    phone = client_for(None)
    assert phone.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB")).status_code == 404
    with app.test_request_context():
        yesterday = poster_token(personas.dealer_a.id, today_campaign.id, local_today() - dt.timedelta(days=1))
    old = phone.post(f"/walkin/{yesterday}", {"name": "赵强", "mobile": "13911112222"}, csrf_from="/login")
    assert old.status_code == 410 and "仅限" in old.get_data(as_text=True) and sign_ins() == 0


def test_it_prints_a_label_per_invitation_of_the_own_dealer_only(app, client_for, today_campaign, personas):
    ours = [invite(today_campaign, personas.dealer_a, n, name=f"甲店顾客{n}") for n in range(4)]
    theirs = invite(today_campaign, personas.dealer_b, 9, name="乙店顾客")
    html = client_for(personas.coord_a).get(
        f"/admin/customer_invitation/qr-labels/?dealer={personas.dealer_b.id}").get_data(as_text=True)
    assert all(i.name in html for i in ours) and html.count("<svg") == 4  # one QR code each
    with app.test_request_context():
        assert all(str(qr_svg(public_url("phone.sign_in", token=i.token), scale=2)) in html for i in ours)
    assert "乙店顾客" not in html and "京A00001" not in html and "京A***01" in html
    assert "二维码标签" in client_for(personas.coord_a).get("/admin/customer_invitation/").get_data(as_text=True)


# --- rate limits and weight -----------------------------------------------------------------------
def test_it_limits_presses_per_link_with_a_chinese_429_page(app, client_for, today_campaign, personas,
                                                            monkeypatch):
    monkeypatch.setitem(app.config, "PHONE_LIMIT_PER_LINK", "5 per minute")
    invitation, other = invite(today_campaign, personas.dealer_a, 1), invite(today_campaign, personas.dealer_a, 2)
    client = client_for(None)
    statuses = [client.get(f"/signin/{invitation.token}").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = client.post(f"/signin/{invitation.token}", {}, csrf_from="/login")
    assert refused.status_code == 429 and "操作过于频繁" in refused.get_data(as_text=True)
    assert sign_ins() == 0
    assert client.get(f"/signin/{other.token}").status_code == 200  # another customer's link


def test_it_gives_the_shared_walk_in_poster_its_own_larger_limit(app, client_for, today_campaign, personas,
                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "PHONE_LIMIT_PER_LINK", "2 per minute")
    monkeypatch.setitem(app.config, "PHONE_LIMIT_PER_POSTER", "4 per minute")
    link, phone = poster_link(client_for(personas.coord_a)), client_for(None)
    assert [phone.get(link).status_code for _ in range(5)] == [200] * 4 + [429]


def test_it_limits_requests_per_address(app, client_for, today_campaign, personas, monkeypatch):
    monkeypatch.setitem(app.config, "PHONE_LIMIT_PER_IP", "3 per minute")
    client = client_for(None)
    statuses = [client.get(f"/signin/{invite(today_campaign, personas.dealer_a, n).token}").status_code
                for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    unknown = client.get("/signin/" + "A" * 24)
    assert unknown.status_code == 429 and "请稍等一分钟后再试" in unknown.get_data(as_text=True)


def test_it_keeps_the_phone_page_under_100_kb_with_everything_it_loads(client_for, today_campaign, personas):
    invitation = invite(today_campaign, personas.dealer_a, name="欧阳娜娜" * 15)
    client = client_for(None)
    visit_link = f"/feedback/{visit(today_campaign, personas.dealer_a).feedback_token}"
    for url in (f"/signin/{invitation.token}", "/signin/" + "A" * 24, visit_link):
        html = client.get(url).get_data(as_text=True)
        # nothing else to fetch: no script, stylesheet, image or font file
        assert not re.search(r"<script|<link[^>]+stylesheet|<img|@font-face|url\(", html)
        assert len(html.encode()) < 100 * 1024, len(html.encode())


# --- concurrency: threads against a live server ---------------------------------------------------
def _phones_press(urls: list[str], data: dict[str, str] | None = None) -> list[int]:
    """Each phone opens its page, then all press its button (签到, 提交) at the same moment."""
    together = threading.Barrier(len(urls))

    def phone(url: str) -> int:
        with requests.Session() as http:
            page = http.get(url, timeout=60).text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            together.wait(timeout=60)
            return http.post(url, data={**(data or {}), "csrf_token": csrf}, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        return list(pool.map(phone, urls))


def test_it_lands_50_concurrent_sign_ins_exactly_once_each(live_server, unlimited, today_campaign, personas):
    invitations = [invite(today_campaign, personas.dealer_a, n) for n in range(50)]
    urls = [urljoin(live_server, f"/signin/{i.token}") for i in invitations]
    statuses = _phones_press(urls)
    assert statuses == [200] * 50
    db.session.expire_all()
    landed = db.session.scalars(select(SignIn.invitation_id)).all()
    assert sorted(landed) == sorted(i.id for i in invitations)


def test_it_lands_50_concurrent_presses_of_one_invitation_once(live_server, unlimited, today_campaign,
                                                               personas):
    invitation = invite(today_campaign, personas.dealer_a)
    url = urljoin(live_server, f"/signin/{invitation.token}")
    statuses = _phones_press([url] * 50)
    assert statuses == [200] * 50
    db.session.expire_all()
    assert sign_ins() == 1
    assert db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.entity == "SignIn")) == 1


# --- the desk's side -------------------------------------------------------------------------------
def test_it_shows_the_invitations_qr_code_to_its_dealer_only(client_for, today_campaign, personas):
    invitation = invite(today_campaign, personas.dealer_a)
    html = client_for(personas.coord_a).get(f"/admin/customer_invitation/edit/?id={invitation.id}") \
        .get_data(as_text=True)
    assert "扫码自助签到" in html and "<svg" in html
    assert f"http://127.0.0.1:5000/signin/{invitation.token}" in html
    assert 'name="token"' not in html  # the secret is never a form field
    for other in (personas.coord_b, personas.sa_b):
        for view in ("edit", "details"):
            response = client_for(other).get(f"/admin/customer_invitation/{view}/?id={invitation.id}")
            assert response.status_code in (302, 404) and invitation.token not in response.get_data(as_text=True)
        assert client_for(other).get(f"/admin/customer_invitation/details/?id={invitation.id}").status_code == 404


def test_it_lists_a_qr_sign_in_on_the_desk_which_reloads_itself(client_for, today_campaign, personas):
    invitation = invite(today_campaign, personas.dealer_a, name="李娜")
    press(client_for(None), f"/signin/{invitation.token}")
    desk = client_for(personas.sa_a).get("/admin/sign_in/").get_data(as_text=True)
    assert "李娜" in desk and "扫码自助签到" in desk and 'http-equiv="refresh"' in desk
    assert "开工单" in desk
    assert "李娜" not in client_for(personas.sa_b).get("/admin/sign_in/").get_data(as_text=True)


def test_it_gives_the_demo_a_customer_whose_qr_link_signs_in_today(app, client_for):
    output = app.test_cli_runner().invoke(args=["demo-data"]).output
    path = re.search(r"扫码签到演示.*http://127\.0\.0\.1:5000(/signin/\S+)", output).group(1)
    phone = client_for(None)
    assert "签到</button>" in phone.get(path).get_data(as_text=True)
    assert "签到成功" in phone.post(path, {}, csrf_from="/login").get_data(as_text=True)
    invitation = db.session.scalar(select(CustomerInvitation).where(
        CustomerInvitation.token == path.rsplit("/", 1)[1]))
    assert db.session.scalar(select(SignIn.channel).where(SignIn.invitation_id == invitation.id)) == "qr"


def test_it_speaks_only_chinese_on_the_phone_pages(client_for, today_campaign, personas):
    """Every page a customer's phone shows, with the answers to good and bad presses."""
    from tests.admin.test_chinese import english_words

    phone = client_for(None)
    sign_in_link = f"/signin/{invite(today_campaign, personas.dealer_a).token}"
    feedback_link = f"/feedback/{visit(today_campaign, personas.dealer_a).feedback_token}"
    walk_in_link = poster_link(client_for(personas.coord_a))
    pages = {
        "sign-in": phone.get(sign_in_link), "walk-in": phone.get(walk_in_link),
        "feedback": phone.get(feedback_link), "unknown link": phone.get("/signin/" + "x" * 22),
        "feedback refused": phone.post(feedback_link, answers(nps="11"), csrf_from="/login"),
        "walk-in refused": phone.post(walk_in_link, {"name": "", "mobile": "123"}, csrf_from="/login"),
        "signed in": press(phone, sign_in_link),
        "feedback sent": phone.post(feedback_link, answers(), csrf_from="/login"),
        "walk-in signed in": phone.post(walk_in_link, {"name": "赵强", "mobile": "13911112222"},
                                        csrf_from="/login"),
    }
    found = {name: words for name, response in pages.items()
             if (words := english_words(response.get_data(as_text=True)))}
    assert not found
