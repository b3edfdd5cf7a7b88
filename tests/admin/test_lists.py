"""Lists at national scale (issue 16): indexed search, exact fast paths, estimated counts,
bounded deep pages, indexed sorting — on every screen, through the secured base."""
from __future__ import annotations

import contextlib
import re

import pytest
from flask_admin.contrib.sqla import ModelView
from sqlalchemy import event, inspect, text

from admin import lists
from models import Customer, Vehicle, db
from models.search import LARGE_TABLES, TRIGRAM_COLUMNS, indexed, trigram_index_name


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


@contextlib.contextmanager
def statements():
    """Every SQL statement (with its parameters) the block sends."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _model_views(app) -> list[ModelView]:
    return [v for v in app.extensions["admin"][0]._views if isinstance(v, ModelView)]


def _list_query(seen, table: str) -> tuple[str, object]:
    return next((s, p) for s, p in seen if re.match(rf'SELECT "?{table}"?\.', s) and "LIMIT" in s)


def _customers(personas, *names_and_mobiles):
    rows = [Customer(dealer=personas.dealer_a, name=name, mobile=mobile) for name, mobile in names_and_mobiles]
    db.session.add_all(rows)
    db.session.commit()
    return rows


# --- search -----------------------------------------------------------------------------------
def test_it_has_a_trigram_index_on_every_searched_column(app):
    searched = set()
    for view in _model_views(app):
        searched |= {(field.table.name, field.key) for field, _ in view._search_fields or []}
        for loader in (view._form_ajax_refs or {}).values():
            searched |= {(loader.model.__tablename__, f.key) for f in loader._cached_fields}
    declared = {(t, c) for t, columns in TRIGRAM_COLUMNS.items() for c in columns}
    assert searched <= declared, f"searched without a trigram index: {sorted(searched - declared)}"
    if _postgresql():
        indexes = {i["name"] for t in TRIGRAM_COLUMNS for i in inspect(db.engine).get_indexes(t)}
        assert {trigram_index_name(t, c) for t, c in declared} <= indexes


def test_it_searches_names_through_the_trigram_index(client_for, personas):
    _customers(personas, ("张客户1234", "13812345678"), ("李客户5678", "13912345678"))
    with statements() as seen:
        page = client_for(personas.hq).get("/admin/customer/?search=张客户1234").get_data(as_text=True)
    assert "张客户1234" in page and "李客户5678" not in page
    statement, parameters = _list_query(seen, "customer")
    # sorted by an expression: the matches come from the search's indexes, not a walk in name order
    assert "ORDER BY coalesce(customer.name, customer.name)" in statement
    if not _postgresql():
        return
    with db.engine.connect() as conn:
        # only a UTF-8 LC_CTYPE makes Chinese characters trigram letters (notes/pg-trgm-locale.md)
        assert len(conn.exec_driver_sql("SELECT show_trgm('张客户')").scalar()) >= 3
        # a few rows: judge which index can answer, not what is cheapest for a tiny table
        conn.exec_driver_sql("SET enable_seqscan = off; SET enable_indexscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    assert "trgm_customer_name" in plan, plan


@pytest.mark.parametrize("typed", ["+86 13812345678", "138-1234-5678"])
def test_it_finds_a_mobile_by_exact_match(client_for, personas, typed):
    _customers(personas, ("王先生", "13812345678"), ("赵先生", "13912345678"))
    with statements() as seen:
        page = client_for(personas.coord_a).get("/admin/customer/", query_string={
            "search": typed.replace(" ", "")}).get_data(as_text=True)
    assert "王先生" in page and "赵先生" not in page
    statement, _ = _list_query(seen, "customer")
    assert "LIKE" not in statement.upper()  # the b-tree index on mobile, not a pattern


def test_it_finds_a_plate_and_a_vin_by_exact_match(client_for, personas):
    owner = _customers(personas, ("王先生", "13812345678"))[0]
    db.session.add_all([Vehicle(dealer=personas.dealer_a, customer=owner, plate="京A12345",
                                vin="LSVAU2180C2123456"),
                        Vehicle(dealer=personas.dealer_a, customer=owner, plate="京A12346")])
    db.session.commit()
    client = client_for(personas.coord_a)
    with statements() as seen:
        by_plate = client.get("/admin/vehicle/?search=京a·12345").get_data(as_text=True)
    assert "京A12345" in by_plate and "京A12346" not in by_plate
    assert "LIKE" not in _list_query(seen, "vehicle")[0].upper()
    by_vin = client.get("/admin/vehicle/?search=lsvau2180c2123456").get_data(as_text=True)
    assert "京A12345" in by_vin and "京A12346" not in by_vin


def test_it_keeps_substring_search_for_other_terms(client_for, personas):
    _customers(personas, ("欧阳娜娜", "13812345678"), ("李娜", "13912345678"))
    page = client_for(personas.coord_a).get("/admin/customer/?search=1234").get_data(as_text=True)
    assert "欧阳娜娜" in page and "李娜" in page  # part of a mobile still finds both


def test_it_matches_a_short_term_by_its_start_on_a_large_table(client_for, personas, monkeypatch):
    _customers(personas, ("张伟", None), ("李张", None))
    if _postgresql():
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE customer"))
        monkeypatch.setattr(lists, "ESTIMATE_ABOVE", 1)
    page = client_for(personas.hq).get("/admin/customer/?search=张").get_data(as_text=True)
    assert "张伟" in page
    if _postgresql():  # no trigram is shorter than 3 characters: the start, from the index
        assert "李张" not in page and "按开头匹配" in page
    else:  # SQLite: small lists, a scan
        assert "李张" in page and "按开头匹配" not in page


# --- counts -----------------------------------------------------------------------------------
def test_it_shows_an_estimated_count_to_hq_on_a_large_table(client_for, personas, monkeypatch):
    _customers(personas, *[(f"顾客{n}", None) for n in range(3)])
    monkeypatch.setattr(lists, "ESTIMATE_ABOVE", 1)
    if _postgresql():
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE customer"))
    hq_page = client_for(personas.hq).get("/admin/customer/").get_data(as_text=True)
    coordinator_page = client_for(personas.coord_a).get("/admin/customer/").get_data(as_text=True)
    searched = client_for(personas.hq).get("/admin/customer/?search=顾客1").get_data(as_text=True)
    about = re.compile(r"约 [\d,]+ 条")
    if _postgresql():
        assert "约 3 条" in hq_page
    else:
        assert not about.search(hq_page) and "(3)" in hq_page  # SQLite: exact
    assert not about.search(coordinator_page) and "(3)" in coordinator_page  # a dealer's list: exact
    assert not about.search(searched) and "(1)" in searched


def test_it_counts_exactly_where_a_screen_narrows_its_rows(app):
    for view in _model_views(app):
        if "get_count_query" in vars(type(view)) and type(view).__name__ != "SecureModelView":
            assert not view.count_estimate, type(view).__name__


# --- pages and sorting ------------------------------------------------------------------------
def test_it_bounds_deep_pages_with_a_message(client_for, personas):
    _customers(personas, ("王先生", None))
    client = client_for(personas.hq)
    deep = client.get("/admin/customer/?page=2000")
    assert deep.status_code == 200
    html = deep.get_data(as_text=True)
    assert "列表最多只能翻到第 200 页（前 10,000 条）" in html
    assert "最多只能翻到" not in client.get("/admin/customer/?page=3").get_data(as_text=True)
    huge = client.get(f"/admin/customer/?page={10**30}")
    assert huge.status_code == 200 and "最多只能翻到" in huge.get_data(as_text=True)


def test_it_sorts_large_tables_only_on_indexed_columns(app):
    for view in _model_views(app):
        for name, column in view._sortable_columns.items():
            assert indexed(column) or view.model.__tablename__ not in LARGE_TABLES, \
                f"{type(view).__name__}.{name} is sortable without an index"
        for attr, _joins, _desc in list(view._get_default_order())[:1]:  # the rest only break ties
            assert indexed(attr.property.columns[0]), f"{type(view).__name__} sorts by {attr}"


def test_it_has_an_index_for_each_dealers_default_order(app):
    for view in _model_views(app):
        table = view.model.__table__
        if table.name not in LARGE_TABLES:
            continue
        scope = "user_id" if table.name == "notification" else "dealer_id"
        first = next(iter(view._get_default_order()))[0].key
        assert any([c.key for c in index.columns][:2] == [scope, first] for index in table.indexes), \
            f"{type(view).__name__}: no index on ({scope}, {first})"


def test_it_keeps_indexed_columns_sortable(client_for, personas):
    page = client_for(personas.coord_a).get("/admin/customer_invitation/").get_data(as_text=True)
    sortable = set(re.findall(r'href="[^"]*sort=(\d+)', page))
    assert len(sortable) >= 5  # name, mobile, plate, last visit, status… stay clickable
