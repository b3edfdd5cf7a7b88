"""No N+1 on any list page: the number of SQL statements does not grow with the rows shown."""
from __future__ import annotations

import datetime as dt
import itertools

from flask_admin.contrib.sqla import ModelView
from sqlalchemy import Date, Integer, String, event
from sqlalchemy import inspect as sa_inspect

from models import Campaign, db
from tests.factories import _model_for, make_row


_SERIAL = itertools.count()


def _unique_values(model) -> dict:
    n = next(_SERIAL)
    columns = {c for c in model.__table__.columns if c.unique} | {
        c for constraint in model.__table__.constraints if constraint.__visit_name__ == "unique_constraint"
        for c in constraint.columns}
    values = {}
    for column in columns:
        if column.foreign_keys or column.primary_key:
            continue
        key = sa_inspect(model).get_property_by_column(column).key
        if isinstance(column.type, String):
            values[key] = f"唯一{model.__tablename__}{n}"
        elif isinstance(column.type, Integer):
            values[key] = n + 1
        elif isinstance(column.type, Date):
            values[key] = dt.date(2014, 1, 1) + dt.timedelta(days=n)
    return values


def _row(model, personas, n: int, top: bool = True, **given):
    """A row with its own parent records (so no identity map hides a lookup per row), the top
    row's optional relations filled too, spread over the three dealers."""
    dealer = [personas.dealer_a, personas.dealer_b, personas.dealer_c][n % 3]
    values = {**_unique_values(model), **given}
    for column in model.__table__.columns:
        if column.key in values or not column.foreign_keys or column.key in ("dealer_id", "campaign_id") or column.primary_key:
            continue
        if column.nullable and not top:
            continue
        target = _model_for(next(iter(column.foreign_keys)).column.table.name)
        if target is model:
            continue
        values[sa_inspect(model).get_property_by_column(column).key] = _row(target, personas, n, top=False).id
    if model.__tablename__ == "notification":
        values["user_id"] = personas.hq.id  # a user sees only their own
    campaign = personas.campaign
    if any(c.name == "campaign_id" for constraint in model.__table__.constraints
           if constraint.__visit_name__ == "unique_constraint" for c in constraint.columns):
        campaign = _row(Campaign, personas, n, top=False)  # one row per campaign and dealer
    return make_row(model, dealer=dealer, campaign=campaign, user=personas.coach, **values)


def _add_rows(view, personas, first: int, count: int) -> None:
    listed = {name for name, _ in view._list_columns}
    for n in range(first, first + count):
        row = _row(view.model, personas, n)
        for rel in sa_inspect(view.model).relationships:
            if rel.uselist and rel.key in listed:  # e.g. the sign-in's work orders
                for _ in range(2):
                    _row(rel.mapper.class_, personas, n, top=False,
                         **{next(iter(rel.remote_side)).key: row.id})
    db.session.commit()


def _statements(client, url: str) -> int:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return len(seen)


def test_it_loads_every_list_with_a_fixed_number_of_queries(app, client_for, personas):
    client = client_for(personas.hq)
    grown = {}
    screens = [v for v in app.extensions["admin"][0]._views if isinstance(v, ModelView)]
    for view in screens:
        endpoint = view.endpoint
        _add_rows(view, personas, 0, 1)
        url = f"/admin/{endpoint}/"
        client.get(url)  # the first request of a screen loads its lazily built forms
        one = _statements(client, url)
        _add_rows(view, personas, 1, 3)
        four = _statements(client, url)
        if four != one:
            grown[endpoint] = (one, four)
    assert not grown, f"statements per list page grow with its rows (1 row → 4 rows): {grown}"
