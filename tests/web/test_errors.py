"""Every refused request answers a Chinese page with its status (finding 8: the CSRF page was
Werkzeug's English "400 Bad Request")."""
from __future__ import annotations

import re

import pytest

ENGLISH = re.compile(r"Bad Request|Not Found|Forbidden|Method Not Allowed|Internal Server Error|"
                     r"The CSRF token")


def test_it_answers_a_missing_csrf_token_in_chinese(client_for, personas):
    response = client_for(personas.coord_a).http.post("/preferences/locale", data={"locale": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "页面已过期" in html and not ENGLISH.search(html)


@pytest.mark.parametrize("url,method,status,words", [
    ("/admin/no-such-screen/", "get", 404, "页面不存在"),
    ("/admin/revenue_report/", "get", 403, "没有权限"),
    ("/logout", "get", 405, "操作不允许"),
])
def test_it_answers_http_errors_in_chinese(client_for, personas, url, method, status, words):
    response = getattr(client_for(personas.call_center).http, method)(url)
    html = response.get_data(as_text=True)
    assert response.status_code == status and words in html and not ENGLISH.search(html)


def test_it_answers_an_unexpected_error_with_a_chinese_500_page(app, client_for, monkeypatch):
    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setitem(app.view_functions, "auth.root", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client_for(None).get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "系统出错" in html and not ENGLISH.search(html)
