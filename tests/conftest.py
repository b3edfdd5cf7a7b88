"""Shared fixtures: one app per session on TEST_DATABASE_URL, personas, logged-in clients.

The suite runs twice (`make test`): on SQLite and on a throwaway PostgreSQL cluster.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer

# Before anything imports Prefect: its settings are read once at import, and without an API URL
# every client call would start an ephemeral Prefect server (a test module that imports
# workflows at collection time is enough). The harness tests set their own.
os.environ.setdefault("PREFECT_API_URL", "http://127.0.0.1:9/api")

import pytest
from argon2 import PasswordHasher
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, select, text
from werkzeug.serving import make_server

from app import create_app
from config import TestConfig
from models import Campaign, Dealer, Participation, Region, User, db
from models.base import Base

PASSWORD = "correct-horse-9"
_PASSWORD_HASH: list[str] = []  # argon2 is slow on purpose; hash once per session


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    admin_url = os.environ.get("TEST_PG_ADMIN_URL")
    worker_id = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker_id or not admin_url:
        return url
    # Each xdist worker empties its tables after every test, so each needs a database of its own.
    url = make_url(url)
    name = f"{url.database}_{worker_id}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


# Tests that mostly wait for minutes on processes of their own (a Prefect server and workers,
# supervisord): started first, on another worker than the "prefect" group, so that the quick
# tests fill the time around them instead of following them.
STARTS_FIRST = ("tests/workflows/test_workers.py", "tests/deploy/test_supervisord.py")


def pytest_collection_modifyitems(items):
    # One Prefect test server and runner per session: keep every test that needs it on one worker
    # (`--dist loadgroup` in scripts/test.sh; xdist hands out the largest group first).
    for item in items:
        if "prefect_runner" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("prefect"))
    items.sort(key=lambda item: not item.nodeid.startswith(STARTS_FIRST))


@pytest.fixture(scope="session")
def app(database_url):
    os.environ["TEST_DATABASE_URL"] = database_url
    os.environ.setdefault("PREFECT_API_URL", "http://127.0.0.1:9/api")
    application = create_app(TestConfig())
    with application.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
    yield application
    with application.app_context():
        db.session.remove()
        Base.metadata.drop_all(db.engine)
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(app):
    from web import limiter

    with app.app_context():
        yield
        limiter.reset()  # failed logins of one test must not lock out the next
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@dataclass
class Personas:
    region: Region
    other_region: Region
    dealer_a: Dealer
    dealer_b: Dealer
    dealer_c: Dealer
    campaign: Campaign
    hq: User
    rm: User
    coach: User
    call_center: User
    coord_a: User
    sa_a: User
    coord_b: User
    sa_b: User
    coord_c: User

    def dealer_users(self):
        return [self.coord_a, self.sa_a, self.coord_b, self.sa_b, self.coord_c]


def free_port() -> int:
    """A local TCP port nobody listens on now (for servers a test starts itself)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, timeout: float = 240.0, every: float = 0.5):
    """what()'s first truthy value; its docstring names what never came true (a loaded 2-core CI machine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not true after {timeout} s: {what.__doc__}")


def make_user(username: str, role: str, **extra) -> User:
    user = User(username=username, full_name=f"测试{username}", role=role, **extra)
    if not _PASSWORD_HASH:
        # cheap argon2 parameters: the suite signs in hundreds of times (verify reads them from the hash)
        _PASSWORD_HASH.append(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD))
    user.password_hash = _PASSWORD_HASH[0]
    db.session.add(user)
    return user


@pytest.fixture
def personas(app) -> Personas:
    """Dealers A and B in region 华北 (coach assigned to A), dealer C in 华南."""
    north = Region(code="N", name="华北区")
    south = Region(code="S", name="华南区")
    a = Dealer(code="A01", name="北京甲特约店", city="北京", region=north)
    b = Dealer(code="B01", name="北京乙特约店", city="北京", region=north)
    c = Dealer(code="C01", name="广州丙特约店", city="广州", region=south)
    db.session.add_all([north, south, a, b, c])
    campaign = Campaign(name="2014车主回娘家", type="homecoming", starts_on=dt.date(2014, 1, 15),
                        ends_on=dt.date(2014, 2, 17))
    db.session.add(campaign)
    db.session.flush()
    for dealer in (a, b, c):
        db.session.add(Participation(campaign=campaign, dealer=dealer))
    coach = make_user("coach", "coach")
    coach.coached_dealers = [a]
    p = Personas(
        region=north, other_region=south, dealer_a=a, dealer_b=b, dealer_c=c, campaign=campaign,
        hq=make_user("hq", "hq_admin"), rm=make_user("rm", "regional_manager", region_id=north.id),
        coach=coach, call_center=make_user("cc", "call_center"),
        coord_a=make_user("coord_a", "dealer_coordinator", dealer_id=a.id),
        sa_a=make_user("sa_a", "service_advisor", dealer_id=a.id),
        coord_b=make_user("coord_b", "dealer_coordinator", dealer_id=b.id),
        sa_b=make_user("sa_b", "service_advisor", dealer_id=b.id),
        coord_c=make_user("coord_c", "dealer_coordinator", dealer_id=c.id),
    )
    db.session.commit()
    return p


@contextlib.contextmanager
def outside_app_context():
    """Let a request build its own app context, as in production.

    Tests hold an app context for their own db.session; Flask would reuse it for
    test-client requests, sharing `g` (the logged-in user, the CSRF token) and the
    session identity map between requests of different users.
    """
    token = _cv_app.set(None)
    try:
        yield
    finally:
        _cv_app.reset(token)


class _IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)  # streamed exports must finish inside the isolation
        with outside_app_context():
            return super().open(*args, **kwargs)

    @contextlib.contextmanager
    def session_transaction(self, *args, **kwargs):
        with outside_app_context(), super().session_transaction(*args, **kwargs) as session:
            yield session


class Client:
    """A test client logged in as one user, with a helper for CSRF-protected posts."""

    def __init__(self, app, user: User | None):
        app.test_client_class = _IsolatedClient
        self.http = app.test_client()
        self.user = user
        if user is not None:
            session_id = user.get_id()  # read before leaving the app context (may be expired)
            with self.http.session_transaction() as session:
                session["_user_id"] = session_id
                session["_fresh"] = True

    def get(self, *args, **kwargs):
        return self.http.get(*args, **kwargs)

    def csrf(self, page: str = "/login") -> str:
        html = self.http.get(page).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
            re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def post(self, url: str, data: dict | None = None, csrf_from: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(csrf_from or url))
        return self.http.post(url, data=data, **kwargs)


@pytest.fixture
def client_for(app):
    def make(user: User | None) -> Client:
        return Client(app, user)

    return make


@pytest.fixture
def live_server(app):
    """The app on a free port in a thread, for browsers and concurrent clients."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def reload(obj):
    db.session.expire_all()
    return db.session.scalar(select(type(obj)).where(type(obj).id == obj.id))


@pytest.fixture
def listener():
    """A local HTTP server that records every request: PDFs must never reach it."""
    import http.server
    import threading

    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"fetched")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.hits = hits
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


# --- a stand-in Prefect API: up, with a runner heartbeat the test sets -------------------------------
class _FakePrefect(BaseHTTPRequestHandler):
    """Prefect's /health and the lifecycle deployment, whose `last_polled` the runner refreshes."""

    last_polled: str | None = None

    def do_GET(self):
        if self.path == "/api/health":
            self._send(200, True)
        elif self.path == "/api/deployments/name/campaign-lifecycle/campaign-lifecycle" and self.server.deployed:
            self._send(200, {"name": "campaign-lifecycle", "last_polled": self.server.last_polled})
        else:
            self._send(404, {"detail": "Not found"})

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_prefect_api(app):
    server = HTTPServer(("127.0.0.1", 0), _FakePrefect)
    server.deployed, server.last_polled = True, dt.datetime.now(dt.UTC).isoformat()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["PREFECT_API_URL"] = f"http://127.0.0.1:{server.server_port}/api"
    yield server
    app.config["PREFECT_API_URL"] = "http://127.0.0.1:9/api"
    server.shutdown()
    server.server_close()
