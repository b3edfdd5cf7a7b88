"""现场辅导资料包 over HTTP: one dealer's packet, its sections, stamps, safety and isolation."""
from __future__ import annotations

import datetime as dt
import io
import re
import threading
import time

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from models import (CoachingVisit, CustomerInvitation, DailyFlow, PlanGoal, PlanMeeting, Trainee,
                    TrainingSession, db)
from reports import packet as packet_module
from reports import packet_job
from models.campaign import PACKET_SECTIONS as SECTIONS
from reports.pdf import PdfError, render_pdf
from reports.qr import public_url, qr_svg
from tests.admin.test_chinese import USERNAMES, english_in_text
from tests.reports.test_pdf import RADICALS, has_page_number, page_count, pdftotext


@pytest.fixture(autouse=True)
def packet_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PACKET_DIR", str(tmp_path / "packets"))
    return tmp_path / "packets"


@pytest.fixture
def records(personas):
    personas.campaign.packet_feedback_copies = personas.campaign.packet_work_order_copies = 1  # fast
    kw = dict(campaign=personas.campaign, dealer=personas.dealer_a)
    meeting = PlanMeeting(held_on=dt.date(2014, 1, 5), chair="王经理", **kw)
    meeting.goals = [PlanGoal(metric="进厂台次", target=128, unit="台次")]
    training = TrainingSession(kind="dealer", held_on=dt.date(2014, 1, 10), trainer="李老师", **kw)
    training.trainees = [Trainee(name="服务顾问甲", score=92)]
    db.session.add_all([
        meeting, training,
        DailyFlow(day=dt.date(2014, 1, 15), leader="赵组长", deputy="钱副组长", **kw),
        CustomerInvitation(name="张伟", mobile="13911112222", plate="京A12345", **kw),
        CustomerInvitation(name="车", mobile="13911113333", **kw),
        CoachingVisit(visit_on=dt.date(2014, 1, 20), coach=personas.coach, **kw),
    ])
    db.session.commit()


def url(personas, dealer=None):
    return f"/admin/packet/?campaign={personas.campaign.id}&dealer={(dealer or personas.dealer_a).id}"


def test_it_builds_the_dealer_packet(client_for, personas, records, packet_dir):
    response = client_for(personas.coach).get(url(personas))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.get_data()
    total = page_count(pdf)
    text = pdftotext(pdf)
    contents = pdftotext(pdf, 2)
    titles = list(SECTIONS.values())
    positions = [contents.find(title) for title in titles]
    assert -1 not in positions and positions == sorted(positions), contents
    for number in range(1, total + 1):
        page = pdftotext(pdf, number)
        assert has_page_number(page, number, total), number
        assert "北京甲特约店" in page and "2014车主回娘家" in page, number
    for word in ["现场辅导资料包", "张伟", "赵组长", "钱副组长", "李老师", "服务顾问甲", "第一联", "第三联",
                 "客户使用环境管理", "配合现场辅导", "测试coach"]:
        assert word in text, word
    assert re.search(r"^车$", text, re.M)  # a customer named 车, exactly as stored
    assert RADICALS.findall(text) == []
    assert english_in_text(text, USERNAMES) == set()
    assert len(list(packet_dir.glob("*.pdf"))) == 1
    # the contents and the bookmarks point at the right pages
    reader = PdfReader(io.BytesIO(pdf))
    dealer, sections = reader.outline[0], reader.outline[1]
    assert dealer.title == "北京甲特约店"
    for mark in sections:
        page = reader.get_destination_page_number(mark) + 1
        assert re.search(rf"{re.escape(mark.title)}\s*第\s*{page}\s*页", contents), (mark.title, page)
        assert pdftotext(pdf, page).strip(), mark.title
    assert [m.title for m in sections] == list(SECTIONS.values())
    first = {m.title: reader.get_destination_page_number(m) + 1 for m in sections}
    labels = pdftotext(pdf, first[SECTIONS["qr_labels"]])
    assert "张伟" in labels and "京A***45" in labels and "到店扫码签到" in labels
    kpis = pdftotext(pdf, first[SECTIONS["kpis"]])
    assert "北京甲特约店 · 活动指标" in kpis and "目标达成" in kpis and "活动漏斗" in kpis
    assert images_on(pdf, first[SECTIONS["kpis"]]) >= 1  # the funnel chart


def images_on(pdf: bytes, page: int) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages[page - 1].images)


def test_it_prints_each_invitations_sign_in_qr_on_its_sheet_row_and_label(personas, records):
    invitations = db.session.scalars(select(CustomerInvitation)).all()
    sections = {s.key: "".join(part.page() for part in s.parts)
                for s in packet_module.dealer_sections(personas.campaign, personas.dealer_a, personas.coach)}
    rows = sections["sign_in"].split("<tr>")
    for invitation in invitations:  # the code a phone reads is the invitation's own sign-in link
        link = public_url("phone.sign_in", token=invitation.token)
        assert str(qr_svg(link, scale=packet_module.LABEL_QR_SCALE, mask=0)) in sections["qr_labels"]
        row = next(r for r in rows if f">{invitation.name}<" in r)
        assert str(qr_svg(link, scale=packet_module.SHEET_QR_SCALE, mask=0, border=1)) in row
    html = sections["qr_labels"]
    assert "13911112222" not in html and "京A12345" not in html  # the plate masked, no mobile


def test_it_prints_the_labels_24_a_page(app):
    labels = [(f"顾客{n}", "京A***45", packet_module._qr_slot(f"http://127.0.0.1:5000/signin/{n:024d}",
                                                          packet_module.LABEL_QR_SCALE)) for n in range(100)]
    part = packet_module._qr_part(packet_module._page("reports/packet_part.html", kind="qr_labels", labels=labels))
    pdf = render_pdf(part.page(), wkhtmltopdf=app.config["WKHTMLTOPDF"], stamp=False)
    assert [pdftotext(pdf, n).count("到店扫码签到") for n in range(1, page_count(pdf) + 1)] == [24, 24, 24, 24, 4]


def test_it_returns_404_for_another_dealers_packet(client_for, personas, records):
    for user in (personas.coord_b, personas.coord_c, personas.sa_b):
        assert client_for(user).get(url(personas)).status_code in (403, 404)
    assert client_for(personas.coord_b).get(url(personas)).status_code == 404
    assert client_for(personas.coach).get(url(personas, personas.dealer_b)).status_code == 404
    assert client_for(personas.hq).get(
        f"/admin/packet/?campaign={personas.campaign.id}&dealer=abc").status_code == 404


def test_it_serves_the_kept_packet_until_a_record_changes(client_for, personas, records, packet_dir,
                                                          monkeypatch):
    client = client_for(personas.coord_a)
    first = client.get(url(personas)).get_data()
    calls = []
    monkeypatch.setattr(packet_module, "render_pdf", lambda *a, **k: calls.append(1) or b"")
    monkeypatch.setattr(packet_module.charts, "render", lambda *a, **k: calls.append(1) or b"")
    monkeypatch.setattr(packet_module, "qr_svg", lambda *a, **k: calls.append(1) or "")
    assert client.get(url(personas)).get_data() == first and calls == []  # no PDF, chart or QR code drawn
    invitation = db.session.query(CustomerInvitation).filter_by(name="张伟").one()
    invitation.plate = "京B54321"
    db.session.commit()
    monkeypatch.undo()
    monkeypatch.setitem(client.http.application.config, "PACKET_DIR", str(packet_dir))
    assert "京B54321" in pdftotext(client.get(url(personas)).get_data())
    personas.campaign.theme = "星级的体验"  # printed on the cover only
    db.session.commit()
    assert "星级的体验" in pdftotext(client.get(url(personas)).get_data(), 1)
    assert len(list(packet_dir.glob("*.pdf"))) == 3


def test_it_names_the_failing_section_and_keeps_no_file(client_for, personas, records, packet_dir,
                                                        monkeypatch):
    real = packet_module.render_pdf

    def failing(html, **kwargs):
        if "赵组长" in html:
            raise PdfError("生成 PDF 超时（超过 120 秒）", detail="Exit with code 1")
        return real(html, **kwargs)

    monkeypatch.setattr(packet_module, "render_pdf", failing)
    response = client_for(personas.coach).get(url(personas))
    assert response.status_code == 503 and response.mimetype == "text/html"
    message = re.search(r'role="alert">([^<]*)<', response.get_data(as_text=True)).group(1)
    assert SECTIONS["daily_flow"] in message and "超时" in message
    assert not re.search("[A-Za-z]", message.replace("PDF", ""))  # the program's English is logged
    assert list(packet_dir.glob("*")) == []


def test_it_prints_hostile_records_as_inert_text(client_for, personas, listener, packet_dir):
    port = listener.server_port
    hostile = (f'<script>document.write("脚本")</script><meta name="pdfkit-orientation" content="Landscape">'
               f'<img src="file:///etc/passwd"><iframe src="http://127.0.0.1:{port}/"></iframe>')
    personas.campaign.packet_sections = "daily_flow"
    db.session.add(DailyFlow(campaign=personas.campaign, dealer=personas.dealer_a, day=dt.date(2014, 1, 16),
                             leader="孙组长", issues=hostile))
    db.session.commit()
    pdf = client_for(personas.hq).get(url(personas)).get_data()
    text = pdftotext(pdf)
    assert "<script>" in text and "<iframe" in text and "file:///etc/passwd" in text
    assert "root:" not in text
    assert listener.hits == []
    assert all(float(p.mediabox.width) < float(p.mediabox.height)
               for p in PdfReader(io.BytesIO(pdf)).pages[:2])


def test_it_links_the_packet_from_the_gates_page_and_the_visits(client_for, personas, records):
    gates = client_for(personas.coach).get(f"/admin/gates/?campaign={personas.campaign.id}")
    html = gates.get_data(as_text=True)
    assert url(personas).replace("&", "&amp;") in html
    assert url(personas, personas.dealer_b).replace("&", "&amp;") not in html
    visits = client_for(personas.coach).get("/admin/coaching_visit/").get_data(as_text=True)
    assert url(personas).replace("&", "&amp;") in visits
    assert "现场辅导资料包" not in client_for(personas.sa_a).get(
        f"/admin/gates/?campaign={personas.campaign.id}").get_data(as_text=True)
    # a service advisor may list the visits but not open a packet: no link that leads to a 403
    advisor = client_for(personas.sa_a)
    listing = advisor.get("/admin/coaching_visit/").get_data(as_text=True)
    assert "/admin/packet/" not in listing and "现场辅导资料包" not in listing
    assert advisor.get(url(personas)).status_code == 403


def wait_for(predicate, seconds=120):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_it_builds_the_campaign_packet_in_the_background(client_for, personas, records, packet_dir,
                                                         monkeypatch):
    release = threading.Event()
    real = packet_job.campaign_packets

    def held(*args, **kwargs):
        release.wait(60)  # hold the job until the page has shown it running
        return real(*args, **kwargs)

    monkeypatch.setattr(packet_job, "campaign_packets", held)
    hq = client_for(personas.hq)
    page = f"/admin/packet/campaign/?campaign={personas.campaign.id}"
    assert "生成全活动资料包" in hq.get(page).get_data(as_text=True)
    started = hq.post("/admin/packet/campaign/", {"campaign": str(personas.campaign.id)}, csrf_from=page)
    assert started.status_code == 302  # the request returns while the job runs
    assert "正在生成" in hq.get(page).get_data(as_text=True)
    assert hq.get(f"/admin/packet/campaign.pdf?campaign={personas.campaign.id}").status_code == 404
    release.set()
    wait_for(lambda: "下载全活动资料包" in hq.get(page).get_data(as_text=True))
    pdf = hq.get(f"/admin/packet/campaign.pdf?campaign={personas.campaign.id}").get_data()
    reader = PdfReader(io.BytesIO(pdf))
    dealers = [mark.title for mark in reader.outline if not isinstance(mark, list)]
    assert dealers == ["北京甲特约店", "北京乙特约店", "广州丙特约店"]
    total = len(reader.pages)
    for dealer in dealers:  # each dealer's pages carry its own name and the global numbering
        number = reader.get_destination_page_number(
            next(m for m in reader.outline if not isinstance(m, list) and m.title == dealer)) + 1
        page_text = pdftotext(pdf, number)
        assert dealer in page_text and has_page_number(page_text, number, total)
        assert dealer in pdftotext(pdf, number + 1)  # its contents page


def test_it_keeps_the_campaign_packet_for_hq(client_for, personas):
    for user in (personas.coach, personas.coord_a, personas.rm):
        client = client_for(user)
        assert client.get(f"/admin/packet/campaign/?campaign={personas.campaign.id}").status_code == 403
        assert client.get(f"/admin/packet/campaign.pdf?campaign={personas.campaign.id}").status_code == 403
    assert client_for(personas.hq).get("/admin/packet/campaign/?campaign=999999").status_code == 404


def test_it_builds_the_sections_and_copies_hq_chose(client_for, personas, records):
    personas.campaign.packet_sections = "sign_in,work_order"
    personas.campaign.packet_work_order_copies = 2
    db.session.add_all(CustomerInvitation(name=f"顾客{n:02d}", mobile=f"137{n:08d}", campaign=personas.campaign,
                                          dealer=personas.dealer_a) for n in range(1, 20))
    db.session.commit()
    pdf = client_for(personas.coord_a).get(url(personas)).get_data()
    reader = PdfReader(io.BytesIO(pdf))
    assert [m.title for m in reader.outline[1]] == [SECTIONS["sign_in"], SECTIONS["work_order"]]
    assert page_count(pdf) == 2 + 2 + 2 * 3  # cover, contents, two sign-in sheets, 2 triplicates
    # 21 invitations, each row with its QR: 20 rows on the first sheet, the 21st on the second
    first, second = pdftotext(pdf, 3), pdftotext(pdf, 4)
    assert "顾客18" in first and "顾客19" not in first and "顾客19" in second
    assert len(re.findall(r"顾客\d\d", first)) == 18 and re.search(r"^20$", first, re.M)


def test_it_lets_hq_choose_the_packet_sections_on_the_campaign_screen(client_for, personas):
    page = f"/admin/campaign/edit/?id={personas.campaign.id}"
    html = client_for(personas.hq).get(page).get_data(as_text=True)
    assert "资料包章节" in html and "资料包空白检测报告份数" in html
    response = client_for(personas.hq).post(page, {
        "name": personas.campaign.name, "type": "homecoming", "starts_on": "2014-01-15",
        "ends_on": "2014-02-17", "packet_sections": ["plan", "duties"], "packet_work_order_copies": "500",
        "version_id": str(personas.campaign.version_id)}, csrf_from=page)
    assert "200" in response.get_data(as_text=True)  # refused: more copies than allowed
    db.session.expire_all()
    assert personas.campaign.packet_work_order_copies is None
