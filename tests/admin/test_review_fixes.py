"""Defects found in review: write paths outside can_edit, filter oracles, filters on UTC columns, odd ids."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from models import Campaign, ChecklistTemplate, PreparationItem, SignIn, db
from tests.factories import make_row


def test_it_refuses_list_edits_from_readers(client_for, personas):
    item = make_row(PreparationItem, dealer=personas.dealer_a, campaign=personas.campaign, item="礼品",
                    ready=False)
    db.session.commit()
    for reader in (personas.call_center, personas.sa_a, personas.coach):
        response = client_for(reader).post("/admin/preparation_item/ajax/update/", {
            "list_form_pk": str(item.id), "ready": "y"}, csrf_from="/admin/preparation_item/")
        assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(PreparationItem, item.id).ready is False


def test_it_refuses_custom_actions_from_readers(client_for, personas):
    template = ChecklistTemplate(name="21项", version=1, fixed=True)
    db.session.add(template)
    db.session.commit()
    response = client_for(personas.sa_a).post("/admin/checklist_template/action/", {
        "action": "new_version", "rowid": str(template.id), "url": "/admin/checklist_template/"},
        csrf_from="/admin/checklist_template/")
    assert response.status_code in (302, 403)
    assert db.session.query(ChecklistTemplate).count() == 1


def test_it_offers_no_filters_on_hidden_user_columns(client_for, personas):
    html = client_for(personas.coord_a).get("/admin/sign_in/").get_data(as_text=True)
    for hidden in ("Password Hash", "password_hash", "Email", "Claim Account"):
        assert hidden not in html


def _filter_index(app, endpoint: str, column: str, kind: str) -> int:
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint)
    return next(i for i, f in enumerate(view._filters)
                if f.column.key == column and kind in type(f).__name__)


@pytest.mark.parametrize("typed,shown", [("2014-01-20 09:00:00", True), ("2014-01-20 10:00:00", False)])
def test_it_filters_utc_columns_by_beijing_time(app, client_for, personas, typed, shown):
    make_row(SignIn, dealer=personas.dealer_a, campaign=personas.campaign, name="张伟",
             arrived_at=dt.datetime(2014, 1, 20, 1, 30, tzinfo=dt.UTC))  # 09:30 in Beijing
    db.session.commit()
    index = _filter_index(app, "sign_in", "arrived_at", "Greater")
    response = client_for(personas.coord_a).get(f"/admin/sign_in/?flt0_{index}={typed}")
    assert response.status_code == 200
    assert ("张伟" in response.get_data(as_text=True)) is shown


@pytest.mark.parametrize("raw", ["99999999999999999999999", "%C2%B2", "-1", "abc"])
def test_it_answers_odd_ids_with_404(client_for, personas, raw):
    client = client_for(personas.coord_a)
    assert client.get(f"/admin/customer/details/?id={raw}").status_code == 404
    assert client.get(f"/admin/customer/print/?id={raw}").status_code == 404
    assert client_for(personas.hq).get(f"/admin/gates/?campaign={raw}").status_code in (400, 404)


def test_it_keeps_revenue_from_the_call_center(client_for, personas):
    assert client_for(personas.call_center).get("/admin/daily_flow/").status_code == 403


def test_it_edits_a_campaign_keeping_its_unique_name(client_for, personas):
    client = client_for(personas.hq)
    url = f"/admin/campaign/edit/?id={personas.campaign.id}"
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version_id" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(url, {"name": "2014车主回娘家", "type": "homecoming", "theme": "星级的体验",
                                 "starts_on": "2014-01-15", "ends_on": "2014-02-17", "version_id": version},
                           csrf_from=url)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    assert db.session.scalar(select(Campaign)).theme == "星级的体验"

