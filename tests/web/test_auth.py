import re

import pytest
from sqlalchemy import select

from models import AuditLog, User, db
from tests.conftest import PASSWORD


def _login(client, username, password, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": password}, csrf_from="/login")


def test_it_logs_in_and_out(client_for, personas):
    client = client_for(None)
    response = _login(client, "coord_a", PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/admin/")
    home = client.get("/admin/")
    assert home.status_code == 200 and "测试coord_a" in home.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.get_data(as_text=True)).group(1)
    assert client.http.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("username,password", [("coord_a", "wrong-password"),
                                               ("nobody", PASSWORD)])
def test_it_refuses_a_bad_login_without_saying_which_part(client_for, personas, username, password):
    response = _login(client_for(None), username, password)
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "用户名或密码错误" in html
    assert "用户不存在" not in html and "密码错误" not in html.replace("用户名或密码错误", "")


def test_it_refuses_a_deactivated_user(client_for, personas):
    personas.sa_a.active = False
    db.session.commit()
    assert _login(client_for(None), "sa_a", PASSWORD).status_code == 401


def test_it_refuses_login_without_csrf(client_for, personas):
    response = client_for(None).http.post("/login", data={"username": "coord_a", "password": PASSWORD})
    assert response.status_code == 400


def test_it_ignores_an_offsite_next_url(client_for, personas):
    response = _login(client_for(None), "coord_a", PASSWORD, next_url="https://evil.example/")
    assert response.location.endswith("/admin/")


def test_it_audits_a_login(client_for, personas):
    _login(client_for(None), "hq", PASSWORD)
    db.session.expire_all()
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "login")).user_id == personas.hq.id


def test_it_shows_the_login_page_in_chinese(client_for):
    html = client_for(None).get("/login").get_data(as_text=True)
    assert "用户名" in html and "密码" in html and "登录" in html


def test_it_sends_anonymous_users_to_login(client_for):
    response = client_for(None).get("/admin/work_order/")
    assert response.status_code == 302 and "/login" in response.location


def test_it_refuses_a_role_outside_the_screen(client_for, personas):
    assert client_for(personas.call_center).get("/admin/revenue_report/").status_code == 403


def test_it_creates_a_user_from_the_cli(app, personas):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "wang", "--role", "dealer_coordinator", "--name", "王协调",
                                 "--dealer", "A01", "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == "wang"))
    assert user.dealer_id == personas.dealer_a.id and user.check_password("s3cret-pass")


def test_it_refuses_a_dealer_role_without_a_dealer_from_the_cli(app, personas):
    result = app.test_cli_runner().invoke(args=["create-user", "li", "--role", "service_advisor",
                                                "--name", "李", "--password", "s3cret-pass"])
    assert result.exit_code != 0 and "特约店角色必须选择所属特约店" in result.output


def test_it_loads_demo_data_twice_without_duplicates(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    first = db.session.query(User).count()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert db.session.query(User).count() == first
    from models import Customer, Dealer
    assert db.session.query(Dealer).count() == 3
    assert 190 <= db.session.query(Customer).count() <= 210


def test_it_switches_the_interface_language_per_user(client_for, personas):
    client = client_for(personas.coord_a)
    assert "列表" in client.get("/admin/preparation_item/").get_data(as_text=True)
    response = client.post("/preferences/locale", {"locale": "en", "next": "/admin/preparation_item/"},
                           csrf_from="/admin/")
    assert response.status_code == 302
    html = client.get("/admin/preparation_item/").get_data(as_text=True)
    assert "List" in html and "列表" not in html
    assert "<title>Preparation - Preparation item" in html
    head = re.search(r"<thead>.*?</thead>", html, re.S).group(0)
    assert "Item" in head and "Quantity" in head and "物品" not in head
    assert client_for(personas.coord_b).get("/admin/preparation_item/").get_data(as_text=True).count("列表")


def test_it_refuses_an_unknown_language(client_for, personas):
    response = client_for(personas.coord_a).post("/preferences/locale", {"locale": "xx"}, csrf_from="/admin/")
    assert response.status_code == 400
