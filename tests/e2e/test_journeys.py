"""Journeys of the forms and gates issues, in a real browser."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditLog, PreparationItem, db
from tests.e2e.test_menus import csp_violations, login

pytestmark = pytest.mark.e2e


def test_it_fills_a_form_and_prints_it_as_a_coordinator(page, live_server, personas):
    login(page, live_server, "coord_a")
    page.goto(f"{live_server}/admin/preparation_item/new/")
    page.fill("input[name=item]", "车主回娘家标示贴")
    page.fill("input[name=quantity]", "200")
    page.check("input[name=ready]")
    page.click("input[type=submit][value]:not([name])")
    assert page.url.endswith("/admin/preparation_item/")
    assert "车主回娘家标示贴" in page.inner_text("table.model-list")
    item = db.session.scalar(select(PreparationItem))
    assert item.dealer_id == personas.dealer_a.id and item.quantity == 200
    page.goto(f"{live_server}/admin/preparation_item/print/?id={item.id}")
    assert "现场物品准备清单" in page.inner_text("body") and "车主回娘家标示贴" in page.inner_text("body")


def test_it_records_a_start_request_when_prefect_is_away(page, live_server, personas):
    login(page, live_server, "hq")
    page.goto(f"{live_server}/admin/gates/?campaign={personas.campaign.id}")
    assert "提出" in page.inner_text("body")
    page.click("text=启动活动流程")
    assert "启动请求已记录" in page.inner_text("body")
    db.session.expire_all()
    assert db.session.scalar(select(AuditLog).where(AuditLog.entity == "Campaign")) is not None


def test_it_runs_the_admin_scripts_under_the_content_security_policy(page, live_server, personas):
    refused = csp_violations(page)
    login(page, live_server, "coord_a")
    page.goto(f"{live_server}/admin/plan_meeting/new/")
    rows = "input[name^='goals-'][name$='-metric']"
    before = len(page.query_selector_all(rows))
    page.click("#goals-button")  # Flask-Admin's onclick, served by static/campaign-desk.js
    assert len(page.query_selector_all(rows)) == before + 1
    item = PreparationItem(campaign=personas.campaign, dealer=personas.dealer_a, item="横幅", quantity=2)
    db.session.add(item)
    db.session.commit()
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server}/admin/preparation_item/")
    page.click("form.icon button[title]")  # delete, refused in the confirmation
    assert asked == ["你确定要删除这条记录吗？"]
    db.session.expire_all()
    assert db.session.get(PreparationItem, item.id) is not None
    assert refused == [], "\n".join(refused)
