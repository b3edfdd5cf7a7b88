"""Journeys of the forms and gates issues, in a real browser."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from models import AuditLog, PreparationItem, db
from tests.e2e.test_menus import csp_violations, login
from tests.factories import move_to_phase

pytestmark = pytest.mark.e2e


def test_it_fills_a_form_and_prints_it_as_a_coordinator(page, live_server, personas):
    move_to_phase(personas.campaign, "preparation")  # the on-site items are listed while preparing
    db.session.commit()
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


def test_it_signs_in_on_a_phone_by_qr_link_and_the_desk_lists_it(browser, page, live_server, personas):
    """A phone-sized Chromium (390×844) opens the invitation's QR link, presses 签到; the advisor's
    list shows the arrival (扫码自助签到) with its 开工单 link."""
    import datetime as dt
    from pathlib import Path

    from models import CustomerInvitation
    from models.base import local_today
    from tests.factories import move_to_phase

    campaign = personas.campaign
    campaign.starts_on, campaign.ends_on = local_today() - dt.timedelta(days=1), local_today() + dt.timedelta(days=1)
    move_to_phase(campaign, "execution")
    invitation = CustomerInvitation(campaign_id=campaign.id, dealer_id=personas.dealer_a.id, name="张伟",
                                    mobile="13812345678", plate="京A12345")
    db.session.add(invitation)
    db.session.commit()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        screen = phone.new_page()
        screen.goto(f"{live_server}/signin/{invitation.token}")
        assert "张*" in screen.inner_text("body") and "京A***45" in screen.inner_text("body")
        shots = os.environ.get("ARTIFACTS_DIR")  # screenshots for a person to look at, when asked for
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            screen.screenshot(path=f"{shots}/phone-signin.png", full_page=True)
        button = screen.get_by_role("button", name="签到")
        box = button.bounding_box()
        assert box["width"] >= 300 and box["height"] >= 44  # a thumb-sized button on a phone
        with screen.expect_navigation():  # the form posts; read the answer page, not the old one
            screen.tap("button")
        assert "签到成功" in screen.inner_text("body")
        if shots:
            screen.screenshot(path=f"{shots}/phone-signin-done.png", full_page=True)
        assert screen.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    finally:
        phone.close()

    login(page, live_server, "sa_a")
    page.goto(f"{live_server}/admin/sign_in/")
    listing = page.inner_text("table.model-list")
    assert "张伟" in listing and "扫码自助签到" in listing and "开工单" in listing
