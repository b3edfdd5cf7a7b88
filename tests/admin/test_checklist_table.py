"""The work order's 21+1 checks as one compact table, like the paper form."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from models import WorkOrder, db
from models.checklists import DEFAULT_21, default_template
from tests.factories import move_to_phase


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_it_shows_the_checklist_as_one_table_with_units(client_for, personas):
    personas.campaign.checklist_template = default_template(db.session)
    db.session.commit()
    html = _html(client_for(personas.sa_a), "/admin/work_order/new/")
    table = re.search(r'<div class="inline-field checklist-table".*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr id=\"items-\d+\">.*?</tr>", table, re.S)
    assert len(rows) == len(DEFAULT_21)
    first = rows[0]
    assert "刹车片厚度" in first and ">mm<" in first and "★" in first
    assert 'name="items-0-measured"' in first and 'name="items-0-finding"' in first
    assert "card-body" not in table  # no stacked cards


def test_it_saves_the_results_typed_into_the_table(client_for, personas):
    personas.campaign.checklist_template = default_template(db.session)
    move_to_phase(personas.campaign, "execution")
    db.session.commit()
    client = client_for(personas.sa_a)
    html = _html(client, "/admin/work_order/new/")
    data = {name: value for name, value in re.findall(
        r'<input[^>]*name="(items-\d+-[a-z_]+)"[^>]*value="([^"]*)"', html)}
    for n in range(len(DEFAULT_21)):
        data.update({f"items-{n}-finding": "ok", f"items-{n}-suggestion": "none",
                     f"items-{n}-accepted": "y"})
    data.update({"items-0-measured": "2.5", "items-0-finding": "fail", "items-0-suggestion": "replace",
                 "campaign": str(personas.campaign.id), "number": "A01-20140120-001",
                 "visited_on": "2014-01-20", "customer_signed": "y"})
    response = client.post("/admin/work_order/new/", data, csrf_from="/admin/work_order/new/")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    order = db.session.scalar(select(WorkOrder))
    first = min(order.items, key=lambda i: i.position)
    assert (first.name, first.measured, first.finding, first.suggestion, first.safety_critical) == \
        ("刹车片厚度", "2.5", "fail", "replace", True)
    assert len(order.items) == len(DEFAULT_21) and order.visited_on == dt.date(2014, 1, 20)
