"""Print pages, blank paper forms and their PDFs on every admin screen, dealer-scoped."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from admin.views import SCREENS
from models import (Customer, Notification, Participation, PlanGoal, PlanMeeting, User, Vehicle, WorkOrder,
                    WorkOrderItem, db)
from models.checklists import DEFAULT_21
from tests.admin.test_chinese import USERNAMES, _chinese_test_data, english_in_text, english_words
from tests.factories import make_row
from tests.reports.test_pdf import RADICALS, SAMPLE, has_page_number, page_count, pdftotext

COPIES = ["第一联", "信息反馈联", "第二联", "特约店留存联", "第三联", "客户联"]
DEALER_OWNED = [(view, model) for view, model, _, _ in SCREENS if hasattr(model, "dealer_id")
                and model is not User and view.__name__ not in {"AuditLogView", "NotificationView"}]


def _ids(screens):
    return [s[1].__tablename__ for s in screens]


def _row(model, personas, dealer, **values):
    if model is Participation:  # the personas already enrolled every dealer
        return db.session.scalar(select(Participation).where(Participation.dealer_id == dealer.id))
    return make_row(model, dealer=dealer, campaign=personas.campaign, user=personas.hq, **values)


@pytest.fixture
def work_order(personas):
    customer = Customer(dealer=personas.dealer_a, name="张伟", mobile="13911112222")
    vehicle = Vehicle(dealer=personas.dealer_a, customer=customer, plate="京A12345",
                      vin="LSVAU2180N2183294", model="马自达6")
    order = WorkOrder(campaign=personas.campaign, dealer=personas.dealer_a, number="BJ001-20140120-001",
                      visited_on=dt.date(2014, 1, 20), customer=customer, vehicle=vehicle,
                      mileage_km=56000, advisor=personas.sa_a, technician="李强",
                      labor_hours=Decimal("1.50"), customer_signed=True,
                      declined_suggestions="长途检测发现前风挡雨刮器老化，顾客表示下次进厂再换，见第13项")
    for position, (name, unit, safety) in enumerate(DEFAULT_21, start=1):
        order.items.append(WorkOrderItem(
            position=position, name=name, safety_critical=safety,
            measured={"刹车片厚度": "3.5 mm", "轮胎气压": "230 kPa"}.get(name),
            finding="attention" if name == "雨刮器及洗涤液" else "ok",
            suggestion="replace" if name == "雨刮器及洗涤液" else "none",
            accepted=name != "雨刮器及洗涤液"))
    db.session.add(order)
    db.session.commit()
    return order


def test_it_prints_a_work_order_in_triplicate(client_for, personas, work_order):
    response = client_for(personas.sa_a).get(f"/admin/work_order/print/?id={work_order.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for word in COPIES + ["免费检测报告", "张伟", "京A12345", "马自达6", "BJ001-20140120-001", "顾客签字",
                          "检测项目", "实测数据", "检测结果", "专家建议", "3.5 mm", "立即更换"]:
        assert word in html
    assert html.count('class="copy"') == 3
    assert html.count("刹车片厚度") == 3


def test_it_renders_the_work_order_pdf_as_searchable_text(client_for, personas, work_order):
    response = client_for(personas.sa_a).get(f"/admin/work_order/print.pdf?id={work_order.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.get_data()
    text = pdftotext(pdf)
    for word in SAMPLE.split() + COPIES:
        assert word in text, word
    assert RADICALS.findall(text) == []
    assert english_in_text(text, USERNAMES) == set()
    total = page_count(pdf)
    assert total == 3  # one A4 page per copy
    for number in range(1, total + 1):
        assert has_page_number(pdftotext(pdf, number), number, total)


def test_it_answers_a_failing_wkhtmltopdf_with_a_chinese_503_page(app, client_for, personas, work_order,
                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "WKHTMLTOPDF", "/nonexistent/wkhtmltopdf")
    for user, path in ((personas.sa_a, f"/admin/work_order/print.pdf?id={work_order.id}"),
                       (personas.sa_a, "/admin/sign_in/blank.pdf"),
                       (personas.hq, f"/admin/results/report.pdf?campaign={personas.campaign.id}")):
        response = client_for(user).get(path)
        assert response.status_code == 503 and response.mimetype == "text/html"
        message = re.search(r'role="alert">([^<]*)<', response.get_data(as_text=True)).group(1)
        assert "PDF 生成失败" in message and "无法启动" in message
        said = message.split("”")[-1]  # after the document's name (a work order number may be Latin)
        assert not re.search("[A-Za-z]", said.replace("PDF", ""))


@pytest.mark.parametrize("suffix", ["print/", "print.pdf"])
def test_it_returns_404_for_other_dealer_work_order(client_for, personas, work_order, suffix):
    for user in (personas.coord_b, personas.sa_b, personas.coord_c):
        response = client_for(user).get(f"/admin/work_order/{suffix}?id={work_order.id}")
        assert response.status_code == 404
    assert client_for(personas.hq).get(f"/admin/work_order/{suffix}?id={work_order.id}").status_code == 200


def test_it_returns_404_without_an_id(client_for, personas):
    assert client_for(personas.hq).get("/admin/work_order/print/").status_code == 404
    assert client_for(personas.hq).get("/admin/work_order/print.pdf?id=abc").status_code == 404


@pytest.mark.parametrize("view,model", DEALER_OWNED, ids=_ids(DEALER_OWNED))
def test_it_returns_404_for_other_dealer_print_page(client_for, personas, view, model):
    other = _row(model, personas, personas.dealer_b)
    own = _row(model, personas, personas.dealer_a)
    db.session.commit()
    for user in (personas.coord_a, personas.sa_a):
        if user.role not in view.read_roles:
            continue
        client = client_for(user)
        assert client.get(f"/admin/{model.__tablename__}/print/?id={other.id}").status_code == 404
        assert client.get(f"/admin/{model.__tablename__}/print/?id={own.id}").status_code == 200
    if model in (WorkOrder, PlanMeeting):
        assert client_for(personas.coord_a).get(
            f"/admin/{model.__tablename__}/print.pdf?id={other.id}").status_code == 404


def test_it_refuses_print_pages_to_anonymous_visitors(client_for, personas, work_order):
    response = client_for(None).get(f"/admin/work_order/print.pdf?id={work_order.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("screen", SCREENS, ids=_ids(SCREENS))
def test_it_prints_a_record_of_every_screen(client_for, personas, screen):
    view, model, _, name = screen
    extra = {"user_id": personas.hq.id} if model is Notification else {}
    row = _row(model, personas, personas.dealer_a, **extra)
    db.session.commit()
    _chinese_test_data()
    db.session.commit()
    response = client_for(personas.hq).get(f"/admin/{model.__tablename__}/print/?id={row.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert name in html or model is WorkOrder
    assert "password" not in html.lower()
    logins = set(re.findall(r"[A-Za-z]+", getattr(row, "username", "")))  # typed data
    assert english_words(html, USERNAMES | logins) == set()  # its PDF is this page through wkhtmltopdf


@pytest.mark.parametrize("screen", SCREENS, ids=_ids(SCREENS))
def test_it_renders_the_blank_form_of_every_screen(client_for, personas, screen):
    view, model, _, name = screen
    client = client_for(personas.hq)
    page = client.get(f"/admin/{model.__tablename__}/blank/")
    assert page.status_code == 200
    assert 'class="fill' in page.get_data(as_text=True) or "□" in page.get_data(as_text=True)
    pdf = client.get(f"/admin/{model.__tablename__}/blank.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdftotext(pdf.get_data())
    assert RADICALS.findall(text) == []
    assert english_in_text(text) == set()
    assert has_page_number(text, 1, page_count(pdf.get_data()))


def test_it_prints_child_rows_as_tables_and_blank_fields_as_lines(client_for, personas):
    meeting = PlanMeeting(campaign=personas.campaign, dealer=personas.dealer_a,
                          held_on=dt.date(2014, 1, 5), chair="王经理", reasons="market")
    meeting.goals = [PlanGoal(metric="进厂台次", target=Decimal("128"), unit="台次"),
                     PlanGoal(metric="营业收入", target=Decimal("25"), unit="万元")]
    db.session.add(meeting)
    db.session.commit()
    html = client_for(personas.coord_a).get(
        f"/admin/plan_meeting/print/?id={meeting.id}").get_data(as_text=True)
    for word in ["活动计划会议表", "会议日期", "2014-01-05", "王经理", "市场竞争", "目标指标",
                 "进厂台次", "128.00", "万元", "参会人员", "北京甲特约店", "2014车主回娘家"]:
        assert word in html, word
    assert 'class="fill' in html and 'class="line"' in html  # empty place / notes: lines to fill


def test_it_prints_a_blank_sign_in_sheet_with_twenty_rows(client_for, personas):
    html = client_for(personas.sa_a).get("/admin/sign_in/blank/").get_data(as_text=True)
    assert "顾客签到表" in html and "顾客签名" in html and "车牌号" in html
    assert html.count('<td class="num">') == 20
    assert "北京甲特约店" in html  # the dealer user's own dealer is pre-filled


def test_it_fills_a_blank_work_order_with_the_campaign_checklist(client_for, personas):
    html = client_for(personas.sa_a).get(
        f"/admin/work_order/blank/?campaign={personas.campaign.id}").get_data(as_text=True)
    for name, _, _ in DEFAULT_21:
        assert html.count(name) == 3
    assert "□正常" in html and "□立即更换" in html and "2014车主回娘家" in html
    assert client_for(personas.sa_a).get("/admin/work_order/blank/?campaign=999999").status_code == 404


def test_it_links_print_from_list_rows(client_for, personas, work_order):
    html = client_for(personas.sa_a).get("/admin/work_order/").get_data(as_text=True)
    assert f"/admin/work_order/print/?id={work_order.id}" in html


def test_it_prints_a_long_table_in_pieces_that_repeat_their_header(client_for, personas):
    meeting = PlanMeeting(campaign=personas.campaign, dealer=personas.dealer_a,
                          held_on=dt.date(2014, 1, 5), chair="王经理")
    meeting.goals = [PlanGoal(metric=f"指标{n:02d}", target=Decimal(n), unit="台次") for n in range(1, 46)]
    db.session.add(meeting)
    db.session.commit()
    client = client_for(personas.coord_a)
    html = client.get(f"/admin/plan_meeting/print/?id={meeting.id}").get_data(as_text=True)
    assert html.count("<h2>活动目标（续）</h2>") == 2  # 45 rows: pieces of 20, 20 and 5
    pdf = client.get(f"/admin/plan_meeting/print.pdf?id={meeting.id}").get_data()
    seen = []
    for number in range(1, page_count(pdf) + 1):
        lines = [line.strip() for line in pdftotext(pdf, number).splitlines() if line.strip()]
        rows = [line for line in lines if re.fullmatch(r"指标\d\d", line)]
        seen += rows
        if rows:  # every page with goal rows shows the table's header above them
            assert "目标指标" in lines[:lines.index(rows[0])], lines
        if "目标指标" in lines:  # and a header is never left at a page foot without rows
            assert any(lines.index(r) > lines.index("目标指标") for r in rows), lines
    assert seen == [f"指标{n:02d}" for n in range(1, 46)]
