"""Security headers (Flask-Talisman): a CSP the admin and print pages work under, HSTS in production."""
from __future__ import annotations

import re

import pytest

from app import create_app
from models import PreparationItem, db

# the onclick forms of Flask-Admin 2.2 that static/campaign-desk.js serves under the CSP (as data-onclick)
SERVED = [r"return faHelpers\.safeConfirm\('(?:[^'\\]|\\.)*'\);?", r"return modelActions\.execute\('[\w-]+'\);?",
          r"faForm\.addInlineField\(this, '[\w-]+'\);?", r"return false;?"]


def test_it_sends_a_content_security_policy_without_inline_script(client_for, personas):
    response = client_for(personas.hq).get("/admin/")
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert re.fullmatch(r"'self' 'nonce-[\w-]+'", policy["script-src"])
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_it_gives_every_inline_script_the_request_nonce(client_for, personas):
    response = client_for(personas.hq).get("/admin/plan_meeting/new/")
    nonce = re.search(r"'nonce-([\w-]+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", response.get_data(as_text=True))
    assert scripts and all(f'nonce="{nonce}"' in attrs or "src=" in attrs for attrs in scripts)


@pytest.mark.parametrize("page", ["/admin/user/", "/admin/plan_meeting/new/", "/admin/work_order/",
                                  "/admin/preparation_item/print/?id={item}", "/admin/sign_in/blank/"])
def test_it_serves_every_inline_handler_from_the_site_script(client_for, personas, page):
    item = PreparationItem(campaign=personas.campaign, dealer=personas.dealer_a, item="标示贴", quantity=1)
    db.session.add(item)
    db.session.commit()
    html = client_for(personas.hq).get(page.format(item=item.id)).get_data(as_text=True)
    assert re.findall(r'\son\w+="[^"]*"', html) == []  # the CSP would refuse them
    handlers = re.findall(r'\sdata-onclick="([^"]*)"', html)
    unserved = [h for h in handlers if not any(re.fullmatch(p, h.strip()) for p in SERVED)]
    assert unserved == []
    assert "campaign-desk.js" in html


def test_it_sends_hsts_in_production_over_tls(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    app = create_app("production")
    response = app.test_client().get("/login", base_url="https://desk.example")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert "Content-Security-Policy" in response.headers


def test_it_sends_no_hsts_in_development(app, client_for):
    assert "Strict-Transport-Security" not in client_for(None).get("/login", base_url="https://x").headers
