"""Alembic migrations build the schema from empty, match the models, and go back down."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from app import create_app
from config import TestConfig
from models import db
from models.base import Base
from models.search import include_object


@pytest.fixture
def empty_database_url(tmp_path):
    admin_url = os.environ.get("TEST_PG_ADMIN_URL")
    if not admin_url:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def on_empty_database(empty_database_url, monkeypatch):
    """The app on an empty database, inside its app context; its connections closed afterwards
    (a PostgreSQL database is dropped only then)."""
    monkeypatch.setenv("TEST_DATABASE_URL", empty_database_url)
    with create_app(TestConfig()).app_context():
        yield
        db.session.remove()
        db.engine.dispose()


def test_it_upgrades_from_empty_and_downgrades_back(on_empty_database):
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": include_object}), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_it_gives_existing_invitations_and_sign_ins_their_own_link_tokens(on_empty_database):
    stamp = "'2014-01-01 00:00:00'"
    upgrade(revision="63af935b792f")
    with db.engine.begin() as conn:
        conn.execute(text(f"INSERT INTO region (id, code, name, created_at, updated_at, version_id) "
                          f"VALUES (1, 'N', '华北区', {stamp}, {stamp}, 1)"))
        conn.execute(text(f"INSERT INTO dealer (id, code, name, region_id, active, created_at, updated_at, "
                          f"version_id) VALUES (1, 'A01', '甲店', 1, true, {stamp}, {stamp}, 1)"))
        conn.execute(text(f"INSERT INTO campaign (id, name, type, starts_on, ends_on, phase, created_at, "
                          f"updated_at, version_id) VALUES (1, '回娘家', 'homecoming', '2014-01-15', "
                          f"'2014-02-17', 'planning', {stamp}, {stamp}, 1)"))
        for n in (1, 2, 3):
            conn.execute(text(
                f"INSERT INTO customer_invitation (id, name, source, contact_status, campaign_id, dealer_id, "
                f"created_at, updated_at, version_id) VALUES ({n}, '顾客{n}', 'manual', 'invited', 1, 1, "
                f"{stamp}, {stamp}, 1)"))
            conn.execute(text(
                f"INSERT INTO sign_in (id, arrived_at, name, channel, gift_given, sticker_applied, walk_in, "
                f"campaign_id, dealer_id, created_at, updated_at, version_id) VALUES ({n}, {stamp}, "
                f"'顾客{n}', 'desk', false, false, false, 1, 1, {stamp}, {stamp}, 1)"))
    upgrade()
    with db.engine.connect() as conn:
        tokens = [row[0] for row in conn.execute(text("SELECT token FROM customer_invitation"))] + \
            [row[0] for row in conn.execute(text("SELECT feedback_token FROM sign_in"))]
    assert len(set(tokens)) == 6 and all(len(token) >= 22 for token in tokens)
    downgrade(revision="base")



# rows written straight into an older schema, for the migrations that change existing data
STAMPS, NOW = "created_at, updated_at, version_id", "'2014-01-20 01:00:00', '2014-01-20 01:00:00', 1"
DEALER_AND_CAMPAIGN = (
    f"INSERT INTO region (id, code, name, {STAMPS}) VALUES (1, 'N', '华北区', {NOW})",
    f"INSERT INTO dealer (id, code, name, region_id, active, {STAMPS}) VALUES (1, 'A01', '甲', 1, true, {NOW})",
    f"INSERT INTO campaign (id, name, type, starts_on, ends_on, phase, {STAMPS}) "
    f"VALUES (1, '回娘家', 'homecoming', '2014-01-15', '2014-02-17', 'execution', {NOW})")


def upgrade_with_rows(revision: str, *rows: str) -> None:
    """The schema at `revision`, holding a dealer, a campaign and `rows`."""
    upgrade(revision=revision)
    with db.engine.begin() as conn:
        for sql in (*DEALER_AND_CAMPAIGN, *rows):
            conn.execute(text(sql))


def test_it_links_existing_sign_ins_and_work_orders_to_customers(on_empty_database):
    stamps, now = STAMPS, NOW
    upgrade_with_rows(
        "691bf8d369b5",  # the schema just before the customer chain
        f"INSERT INTO customer_invitation (id, name, mobile, plate, vin, model, source, contact_status, "
        f"token, campaign_id, dealer_id, {stamps}) VALUES (1, '张伟', '13812345678', '京A12345', "
        f"'LFV2A21K0D3123456', '朗逸', 'dms', 'booked', 'invitation-token-1', 1, 1, {now})",
        f"INSERT INTO sign_in (id, arrived_at, name, plate, channel, gift_given, sticker_applied, walk_in, "
        f"feedback_token, campaign_id, dealer_id, {stamps}) VALUES (1, '2014-01-20 01:30:00', '张伟', "
        f"'京A12345', 'desk', false, false, false, 'feedback-token-1', 1, 1, {now})",
        f"INSERT INTO work_order (id, number, visited_on, sign_in_id, labor_hours, customer_signed, "
        f"campaign_id, dealer_id, {stamps}) VALUES (1, 'A01-20140120-001', '2014-01-20', 1, 0, false, 1, 1, "
        f"{now})")
    upgrade()
    with db.engine.connect() as conn:
        customer = conn.execute(text("SELECT id, name, mobile, dealer_id FROM customer")).one()
        assert tuple(customer[1:]) == ("张伟", "13812345678", 1)
        vehicle = conn.execute(text("SELECT id, customer_id, plate, vin, model FROM vehicle")).one()
        assert tuple(vehicle[1:]) == (customer.id, "京A12345", "LFV2A21K0D3123456", "朗逸")
        assert conn.execute(text("SELECT customer_id FROM sign_in")).scalar() == customer.id
        assert conn.execute(text("SELECT customer_id FROM customer_invitation")).scalar() == customer.id
        assert tuple(conn.execute(text("SELECT customer_id, vehicle_id FROM work_order")).one()) == \
            (customer.id, vehicle.id)


def test_it_keeps_the_first_feedback_of_a_visit_linked_and_every_answer(on_empty_database):
    stamps, now = STAMPS, NOW
    upgrade_with_rows(
        "b8c4e1a7d2f0",  # the schema before one-feedback-per-visit
        f"INSERT INTO sign_in (id, arrived_at, name, channel, gift_given, sticker_applied, walk_in, "
        f"feedback_token, campaign_id, dealer_id, {stamps}) VALUES (1, '2014-01-20 01:30:00', '王芳', "
        f"'desk', false, false, false, 'feedback-token-1', 1, 1, {now})",
        *(f"INSERT INTO feedback (id, filled_on, sign_in_id, customer_name, nps, wants_complaint, campaign_id, "
          f"dealer_id, {stamps}) VALUES ({n}, '2014-01-20', {visit}, '王芳', {n}, false, 1, 1, {now})"
          for n, visit in ((1, "NULL"), (2, 1), (3, 1), (4, "NULL"))),
        "INSERT INTO feedback_rating (id, feedback_id, item, score) VALUES (1, 3, '环境', 4)")
    upgrade()
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, sign_in_id FROM feedback ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, None), (2, 1), (3, None), (4, None)]
        assert conn.execute(text("SELECT feedback_id FROM feedback_rating")).scalar() == 3
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text("UPDATE feedback SET sign_in_id = 1 WHERE id = 3"))
    downgrade(revision="b8c4e1a7d2f0")


def test_it_keeps_users_and_what_points_at_them_through_a_rebuilt_user_table(on_empty_database):
    # SQLite rebuilds a table to alter it (batch mode): with foreign keys enforced, dropping the old
    # `user` table failed on the rows pointing at it, or cascaded away the coach's dealers.
    upgrade_with_rows(
        "691bf8d369b5",  # the schema before user.session_token
        f'INSERT INTO "user" (id, username, full_name, role, locale, active, password_hash, {STAMPS}) '
        f"VALUES (1, 'coach1', '李教练', 'coach', 'zh_Hans_CN', true, 'x', {NOW})",
        "INSERT INTO coach_dealer (user_id, dealer_id) VALUES (1, 1)",
        "INSERT INTO audit_log (id, at, user_id, dealer_id, action, entity) "
        "VALUES (1, '2014-01-20 01:00:00', 1, 1, 'login', 'user')")
    upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT user_id, dealer_id FROM coach_dealer")).all() == [(1, 1)]
        assert conn.execute(text("SELECT user_id FROM audit_log")).scalar() == 1
        assert len(conn.execute(text('SELECT session_token FROM "user"')).scalar()) == 32
