"""Journeys in a real browser: log in, open every admin menu entry, find no error page."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def menu_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "nav a.dropdown-item, nav a.nav-link", "els => els.map(e => e.getAttribute('href'))")
    return sorted({h for h in hrefs if h and h.startswith("/admin/")})


@pytest.mark.parametrize("username,expected_menus", [
    ("coord_a", {"/admin/work_order/", "/admin/sign_in/", "/admin/customer_invitation/", "/admin/results/"}),
    ("hq", {"/admin/work_order/", "/admin/audit_log/", "/admin/user/", "/admin/campaign/", "/admin/results/"}),
])
def test_it_opens_every_menu_entry_without_an_error(page, live_server, personas, username,
                                                      expected_menus):
    refused = csp_violations(page)
    login(page, live_server, username)
    links = menu_links(page, live_server)
    assert expected_menus <= set(links), links
    for href in links:
        response = page.goto(live_server + href)
        assert response.status < 400, f"{href} answered {response.status}"
        body = page.inner_text("body")
        assert "Internal Server Error" not in body and "Traceback" not in body, href
        create = page.query_selector("a[href*='/new/']")
        if create is not None:
            response = page.goto(live_server + create.get_attribute("href"))
            assert response.status < 400, f"create form of {href} answered {response.status}"
    assert refused == []


def csp_violations(page) -> list[str]:
    """Messages of what the Content-Security-Policy blocked on this page, collected as it runs."""
    found: list[str] = []
    page.on("console", lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None)
    return found


def test_it_logs_in_with_the_chinese_login_page(page, live_server, personas):
    page.goto(f"{live_server}/login")
    assert page.title() == "登录 · 服务活动管理台"
    page.fill("input[name=username]", "coord_a")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text("body")
