"""Results pages (/admin/results/): dealer isolation on every page, chart and export, HQ recompute."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models import WorkOrder, db
from tests.admin.test_chinese import USERNAMES, english_in_text


def test_it_hides_the_paid_amount_of_a_work_order_from_the_call_center(personas, client_for):
    wo = WorkOrder(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id, number="P1",
                   visited_on=dt.date(2014, 1, 20), paid_amount=Decimal("1234.56"))
    db.session.add(wo)
    db.session.commit()
    url = f"/admin/work_order/details/?id={wo.id}"
    assert "1234.56" in client_for(personas.coord_a).get(url).get_data(as_text=True)
    page = client_for(personas.call_center).get(url)
    assert page.status_code == 200 and "1234.56" not in page.get_data(as_text=True)


def _seed(p):
    from tests.models.test_results import build

    build(p)


def _urls(c, dealer) -> list[str]:
    q = f"campaign={c.id}&dealer={dealer.id}"
    return [f"/admin/results/dealer/?{q}", f"/admin/results/chart/funnel.png?{q}",
            f"/admin/results/chart/daily.png?{q}", f"/admin/results/chart/revenue.png?{q}",
            f"/admin/results/chart/satisfaction.png?{q}", f"/admin/results/report/?{q}",
            f"/admin/results/export.xlsx?{q}"]


def test_it_shows_the_campaign_dashboard_to_hq_with_charts_and_tables(personas, client_for):
    _seed(personas)
    client = client_for(personas.hq)
    page = client.get(f"/admin/results/?campaign={personas.campaign.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for words in ("各特约店指标", "北京甲特约店", "广州丙特约店", "活动漏斗", "55.6 %（5/9）", "NPS 净推荐值",
                  "-20.0", "营业收入状况分析表", "费用分析", "尚无存储的指标", "重新计算"):
        assert words in html, words
    for name in ("funnel", "daily", "revenue", "satisfaction", "ranking"):
        chart = client.get(f"/admin/results/chart/{name}.png?campaign={personas.campaign.id}")
        assert chart.status_code == 200 and chart.data[:4] == b"\x89PNG", name


def test_it_sorts_the_dealer_table_with_missing_values_last(personas, client_for):
    _seed(personas)
    html = client_for(personas.hq).get(
        f"/admin/results/?campaign={personas.campaign.id}&sort=nps&order=asc").get_data(as_text=True)
    table = html[html.index('id="dealers"'):html.index('id="ranking"')]
    # NPS ascending: 丙 −100.0, 甲 33.3, then 乙 without answers
    assert table.index("广州丙特约店") < table.index("北京甲特约店") < table.index("北京乙特约店")


def test_it_limits_a_regional_manager_and_a_coach_to_their_dealers(personas, client_for):
    _seed(personas)
    c = personas.campaign
    for user, shown, hidden in ((personas.rm, ["北京甲特约店", "北京乙特约店"], ["广州丙特约店"]),
                                (personas.coach, ["北京甲特约店"], ["北京乙特约店", "广州丙特约店"])):
        html = client_for(user).get(f"/admin/results/?campaign={c.id}").get_data(as_text=True)
        assert all(n in html for n in shown) and not any(n in html for n in hidden), user.role
        assert "重新计算" not in html
    # the totals are the visible dealers' only: region 华北 has NPS 33.3, the campaign −20.0
    html = client_for(personas.rm).get(f"/admin/results/?campaign={c.id}").get_data(as_text=True)
    assert "33.3" in html and "-20.0" not in html


def test_it_returns_404_for_another_dealers_results(personas, client_for):
    _seed(personas)
    c = personas.campaign
    for user in (personas.coord_a, personas.sa_a):
        client = client_for(user)
        for url in _urls(c, personas.dealer_b):
            assert client.get(url).status_code == 404, (user.username, url)
        for url in _urls(c, personas.dealer_a):
            assert client.get(url).status_code == 200, (user.username, url)
    coach = client_for(personas.coach)
    for url in _urls(c, personas.dealer_b):
        assert coach.get(url).status_code == 404, url
    rm = client_for(personas.rm)
    assert all(rm.get(url).status_code == 404 for url in _urls(c, personas.dealer_c))


def test_it_keeps_campaign_wide_results_from_dealer_staff(personas, client_for):
    _seed(personas)
    c = personas.campaign
    client = client_for(personas.coord_a)
    page = client.get(f"/admin/results/?campaign={c.id}")
    assert page.status_code == 302 and f"dealer={personas.dealer_a.id}" in page.headers["Location"]
    for url in (f"/admin/results/chart/ranking.png?campaign={c.id}", f"/admin/results/chart/funnel.png?campaign={c.id}",
                f"/admin/results/report/?campaign={c.id}", f"/admin/results/export.xlsx?campaign={c.id}"):
        assert client.get(url).status_code == 404, url
    assert client_for(personas.call_center).get(f"/admin/results/?campaign={c.id}").status_code == 403


def test_it_recomputes_for_hq_only_and_audits_it(personas, client_for):
    from sqlalchemy import select

    from models import AuditLog, KpiSnapshot

    _seed(personas)
    c = personas.campaign
    page = f"/admin/results/?campaign={c.id}"
    assert client_for(personas.rm).post(f"/admin/results/recompute?campaign={c.id}", csrf_from=page).status_code == 403
    assert db.session.scalar(select(KpiSnapshot)) is None
    assert client_for(personas.hq).post(f"/admin/results/recompute?campaign={c.id}", csrf_from=page).status_code == 302
    assert len(db.session.scalars(select(KpiSnapshot)).all()) == 4
    assert db.session.scalar(select(AuditLog.user_id).where(AuditLog.action == "kpi_recomputed")) == personas.hq.id
    html = client_for(personas.hq).get(page).get_data(as_text=True)
    assert "指标计算于" in html and "-20.0" in html


def test_it_exports_every_kpi_table_to_excel_formula_safe(personas, client_for):
    import io

    from openpyxl import load_workbook

    _seed(personas)
    personas.dealer_a.name = "=HYPERLINK(1)甲"
    db.session.commit()
    data = client_for(personas.hq).get(f"/admin/results/export.xlsx?campaign={personas.campaign.id}").data
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[:4] == ["各特约店指标", "营业收入状况分析表（各店按周）", "目标达成", "活动漏斗"]
    assert [c.value for c in book["营业收入状况分析表（各店按周）"][2]][:3] == ["=HYPERLINK(1)甲", "2014-01-15", "3000.30"]
    dealers = book["各特约店指标"]
    cell = next(row[0] for row in dealers.iter_rows(min_row=2) if row[0].value == "=HYPERLINK(1)甲")
    assert cell.data_type == "s" and cell.quotePrefix
    assert not any(c.data_type == "f" for sheet in book for row in sheet.iter_rows() for c in row)
    assert [c.value for c in book["活动漏斗"][3]][:2] == ["预约", 5]


def test_it_prints_the_dealer_closing_report_as_a_searchable_pdf(personas, client_for):
    from tests.reports.test_pdf import has_page_number, page_count, pdftotext

    _seed(personas)
    c, a = personas.campaign, personas.dealer_a
    response = client_for(personas.coord_a).get(f"/admin/results/report.pdf?campaign={c.id}&dealer={a.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdftotext(response.data)
    for words in ("2014车主回娘家 特约店总结报告", "北京甲特约店", "活动漏斗", "每日到店与目标", "各项满意度评分分布",
                  "营业收入状况分析表", "55.6 %（5/9）", "6000.00", "NPS 净推荐值", "33.3", "费用分析", "1600.50",
                  "活动结束会议结论"):
        assert words in text, words
    assert "北京乙特约店" not in text and "广州丙特约店" not in text
    assert english_in_text(text, USERNAMES) == set()
    assert has_page_number(pdftotext(response.data, page=1), 1, page_count(response.data))
    assert b"/Subtype /Image" in response.data or b"/Subtype/Image" in response.data  # the charts
    other = f"/admin/results/report.pdf?campaign={c.id}&dealer={personas.dealer_b.id}"
    assert client_for(personas.coord_a).get(other).status_code == 404


def test_it_prints_the_campaign_closing_report_for_hq(personas, client_for):
    from tests.reports.test_pdf import pdftotext

    _seed(personas)
    response = client_for(personas.hq).get(f"/admin/results/report.pdf?campaign={personas.campaign.id}")
    text = pdftotext(response.data)
    assert "2014车主回娘家 总结报告" in text and "每周营业收入与基期对比" in text and "-20.0" in text
    assert english_in_text(text, USERNAMES) == set()


def test_it_says_so_when_there_is_no_campaign_yet(app, client_for):
    from tests.conftest import make_user

    hq = make_user("hq0", "hq_admin")
    db.session.commit()
    response = client_for(hq).get("/admin/results/")
    assert response.status_code == 302
    assert client_for(hq).get("/admin/results/?campaign=abc").status_code == 404


def test_it_shows_the_finished_demo_campaign_with_real_figures(app, client_for):
    from sqlalchemy import select

    from models import Campaign, User
    from models.demo import load_demo_data
    from models.snapshots import latest

    load_demo_data(db.session, customers_per_dealer=30)
    finished = db.session.scalar(select(Campaign).where(Campaign.name == "2013夏日检测"))
    assert db.session.scalar(select(Campaign.phase).where(Campaign.name == "2014车主回娘家")) == "planning"
    totals = latest(db.session, finished.id).values
    funnel = [f["count"] for f in totals["funnel"]]
    assert all(n > 0 for n in funnel) and funnel[0] > funnel[1] > funnel[2]
    assert funnel[2] + totals["walk_ins"] >= funnel[3] > funnel[4]
    assert totals["revenue"]["growth_rate"]["pct"] is not None and totals["nps"]["score"] is not None
    assert len(totals["goals"]) == 3 and all(g["actual"] is not None for g in totals["goals"])
    hq = db.session.scalar(select(User).where(User.username == "hq"))
    html = client_for(hq).get("/admin/results/").get_data(as_text=True)  # the evaluated campaign by default
    assert "2013夏日检测" in html and "指标计算于" in html and "天津滨海特约店" in html
    coordinator = db.session.scalar(select(User).where(User.username == "tj001-coord"))
    page = client_for(coordinator).get("/admin/results/", follow_redirects=True)
    assert page.status_code == 200 and "天津滨海特约店 · 2013夏日检测" in page.get_data(as_text=True)


def test_it_lists_the_service_advisors_on_the_dealer_page(personas, client_for):
    _seed(personas)
    c, a = personas.campaign, personas.dealer_a
    html = client_for(personas.coord_a).get(f"/admin/results/dealer/?campaign={c.id}&dealer={a.id}").get_data(as_text=True)
    advisors = html[html.index('id="advisors"'):]
    assert personas.sa_a.full_name in advisors and "2333.83" in advisors and "未指定服务顾问" in advisors
    assert personas.sa_b.full_name not in html
