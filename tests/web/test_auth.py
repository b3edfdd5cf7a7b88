import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from models import AuditLog, User, db
from tests.conftest import PASSWORD, reload


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


# --- issue 9: sign-in attacks and sessions ---------------------------------------------------------
def _session_cookie(client) -> str:
    return client.http.get_cookie("session").value


def _with_cookie(client_for, value: str):
    thief = client_for(None)
    thief.http.set_cookie("session", value)
    return thief


def test_it_locks_an_account_after_repeated_failures(client_for, personas):
    client = client_for(None)
    statuses = [_login(client, "hq", f"guess-{n}").status_code for n in range(5)]
    assert statuses == [401] * 5
    locked = _login(client, "hq", PASSWORD)  # the right password no longer helps
    assert locked.status_code == 429
    assert "登录失败次数过多，已暂时锁定，请 15 分钟后再试" in locked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_it_locks_an_unknown_name_with_the_same_words(client_for, personas):
    client = client_for(None)
    for n in range(5):
        _login(client, "nobody", f"guess-{n}")
    known, unknown = client_for(None), client_for(None)
    for n in range(5):
        _login(known, "coord_a", f"guess-{n}")
    a, b = _login(known, "coord_a", "x-guess"), _login(unknown, "nobody", "x-guess")
    assert a.status_code == b.status_code == 429
    assert re.sub(r'value="[^"]+"', "", a.get_data(as_text=True)) == \
        re.sub(r'value="[^"]+"', "", b.get_data(as_text=True))


def test_it_throttles_one_address_across_accounts(app, client_for, personas, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "4 per 15 minutes")
    client = client_for(None)
    assert [_login(client, f"user{n}", "guess").status_code for n in range(4)] == [401] * 4
    assert _login(client, "coord_a", PASSWORD).status_code == 429


def test_it_releases_the_lockout_after_its_window(client_for, personas, monkeypatch):
    import limits.storage.memory as memory

    now = [time.time()]
    monkeypatch.setattr(memory, "time", SimpleNamespace(time=lambda: now[0]))
    client = client_for(None)
    for n in range(5):
        _login(client, "hq", f"guess-{n}")
    assert _login(client, "hq", PASSWORD).status_code == 429
    now[0] += 14 * 60
    assert _login(client, "hq", PASSWORD).status_code == 429
    now[0] += 61
    assert _login(client, "hq", PASSWORD).status_code == 302


def test_it_audits_failed_and_successful_logins_with_the_address(client_for, personas):
    client = client_for(None)
    _login(client, "hq", "wrong-password")
    _login(client, "ghost", "wrong-password")
    _login(client, "hq", PASSWORD)
    db.session.expire_all()
    rows = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(r.action, r.entity_id) for r in rows] == [
        ("login_failed", personas.hq.id), ("login_failed", None), ("login", personas.hq.id)]
    assert all("IP 127.0.0.1" in r.detail for r in rows) and "ghost" in rows[1].detail


def test_it_checks_a_password_for_an_unknown_user_too(client_for, personas, monkeypatch):
    from argon2 import PasswordHasher

    calls = []
    verify = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, h, p: calls.append(p) or verify(self, h, p))
    _login(client_for(None), "coord_a", "wrong-password")
    _login(client_for(None), "nobody", "wrong-password")
    assert calls == ["wrong-password", "wrong-password"]  # same work for both: no timing oracle


def test_it_ends_the_session_at_logout(client_for, personas):
    client = client_for(None)
    _login(client, "hq", PASSWORD)
    saved = _session_cookie(client)
    assert client.post("/logout", {}, csrf_from="/admin/").status_code == 302
    assert _with_cookie(client_for, saved).get("/admin/sign_in/").status_code == 302


def test_it_ends_sessions_when_hq_sets_a_new_password(client_for, personas):
    victim = client_for(None)
    _login(victim, "coord_a", PASSWORD)
    saved = _session_cookie(victim)
    assert _with_cookie(client_for, saved).get("/admin/sign_in/").status_code == 200
    user = personas.coord_a
    hq = client_for(personas.hq)
    response = hq.post(f"/admin/user/edit/?id={user.id}", {
        "version_id": user.version_id, "dealer": personas.dealer_a.id, "username": user.username,
        "full_name": user.full_name, "role": user.role, "locale": user.locale, "active": "y",
        "new_password": "a-brand-new-pass"}, csrf_from=f"/admin/user/edit/?id={user.id}")
    assert response.status_code == 302
    assert reload(user).check_password("a-brand-new-pass")
    assert _with_cookie(client_for, saved).get("/admin/sign_in/").status_code == 302
    assert victim.get("/admin/sign_in/").status_code == 302


def test_it_logs_a_user_out_everywhere_on_hq_request(client_for, personas):
    victim = client_for(personas.sa_a)
    assert victim.get("/admin/sign_in/").status_code == 200
    hq = client_for(personas.hq)
    response = hq.post("/admin/user/action/", {"action": "end_sessions", "rowid": personas.sa_a.id},
                       csrf_from="/admin/user/")
    assert response.status_code == 302
    assert victim.get("/admin/sign_in/").status_code == 302
    assert hq.get("/admin/sign_in/").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "end_sessions")).entity_id == \
        personas.sa_a.id


def test_it_refuses_ending_sessions_to_a_coordinator(client_for, personas):
    victim = client_for(personas.sa_a)
    coord = client_for(personas.coord_a)
    coord.post("/admin/user/action/", {"action": "end_sessions", "rowid": personas.sa_a.id},
               csrf_from="/admin/user/")
    assert victim.get("/admin/sign_in/").status_code == 200


def test_it_refuses_a_forged_cookie_naming_only_a_user_id(app, client_for, personas):
    forged = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": str(personas.hq.id), "_fresh": True})  # the signing key itself leaked
    assert _with_cookie(client_for, forged).get("/admin/user/").status_code == 302


def test_it_survives_six_simultaneous_logins_of_one_user(client_for, personas):
    clients = [client_for(None) for _ in range(6)]
    tokens = [c.csrf("/login") for c in clients]
    barrier = threading.Barrier(6)

    def attempt(client, token):
        barrier.wait()
        return client.http.post("/login", data={"username": "hq", "password": PASSWORD,
                                                "csrf_token": token}).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(attempt, clients, tokens))
    assert statuses == [302] * 6
