"""Issue 9, finding 7/8: values a user can type that used to reach a 500 or pass where they should not."""
from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from models import GateApproval, PreparationItem, SignIn, db
from models.base import utcnow
from tests.conftest import reload

HUGE = str(10**30)


@pytest.mark.parametrize("url,status", [
    (f"/admin/work_order/new/?sign_in={HUGE}", 200),
    (f"/admin/feedback/new/?sign_in={HUGE}", 200),
    (f"/admin/customer_invitation/template.xlsx?campaign_id={HUGE}", 200),
    (f"/admin/sign_in/blank/?campaign={HUGE}", 404),
    (f"/admin/sign_in/blank.pdf?campaign={HUGE}", 404),
    (f"/admin/gates/?campaign={HUGE}", 400),
    (f"/admin/work_order/?page={HUGE}", 200),  # the deepest page allowed, with a message (test_lists)
])
def test_it_refuses_huge_integers_in_query_values(client_for, personas, url, status):
    assert client_for(personas.coord_a).get(url).status_code == status


def test_it_bounds_the_ajax_lookup_offset_and_limit(client_for, personas):
    db.session.add_all([SignIn(campaign=personas.campaign, dealer=personas.dealer_a, name=f"顾客{n}",
                               arrived_at=utcnow()) for n in range(60)])
    db.session.commit()
    client = client_for(personas.coord_a)
    lookup = "/admin/work_order/ajax/lookup/?name=sign_in&query="
    assert json.loads(client.get(f"{lookup}&offset={HUGE}").get_data()) == []
    assert len(json.loads(client.get(f"{lookup}&limit=1000000").get_data())) == 50
    assert len(json.loads(client.get(f"{lookup}&offset=-5&limit=-5").get_data())) == 1


@pytest.mark.parametrize("field", ["dealer_id", "campaign_id"])
def test_it_refuses_huge_ids_in_the_import_form(client_for, personas, field):
    client = client_for(personas.hq)
    url = "/admin/customer_invitation/import/"
    form = {"dealer_id": str(personas.dealer_a.id), "campaign_id": str(personas.campaign.id), field: HUGE,
            "file": (io.BytesIO("顾客姓名,手机\n张伟,13812345678\n".encode()), "名单.csv")}
    response = client.post(url, form, content_type="multipart/form-data")
    assert response.status_code == 400 and "请选择" in response.get_data(as_text=True)


def test_it_prints_only_ascii_ids(client_for, personas):
    item = PreparationItem(campaign=personas.campaign, dealer=personas.dealer_a, item="标示贴", quantity=1)
    db.session.add(item)
    db.session.commit()
    client = client_for(personas.coord_a)
    # the id in full-width digits (PostgreSQL's sequences are not reset between tests: any length)
    full_width = "".join(chr(0xFF10 + int(digit)) for digit in str(item.id))
    assert client.get(f"/admin/preparation_item/print/?id={item.id}").status_code == 200
    assert client.get(f"/admin/preparation_item/print/?id={full_width}").status_code == 404
    assert client.get(f"/admin/preparation_item/details/?id={full_width}").status_code == 404


def test_it_says_charset_once_on_csv_responses(client_for, personas):
    response = client_for(personas.hq).get("/admin/dealer/export/csv/")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_it_shows_the_prefect_link_to_the_hq_administrator_only(client_for, personas):
    assert "Prefect 流程" in client_for(personas.hq).get("/admin/").get_data(as_text=True)
    for user in (personas.coord_a, personas.coach, personas.call_center):
        assert "Prefect 流程" not in client_for(user).get("/admin/").get_data(as_text=True)


@pytest.mark.as_created  # the four decide the 提出 gate
def test_it_gives_one_success_and_clear_409s_to_concurrent_approvals(client_for, personas):
    campaign = personas.campaign
    page = f"/admin/gates/?campaign={campaign.id}"
    clients = [client_for(personas.hq) for _ in range(4)]
    tokens = [c.csrf(page) for c in clients]
    version = reload(campaign).version_id
    barrier = threading.Barrier(4)

    def decide(client, token):
        barrier.wait()
        try:
            response = client.http.post("/admin/gates/decide", data={
                "csrf_token": token, "campaign_id": campaign.id, "phase": "planning",
                "decision": "overridden", "version": version, "note": "总部书面理由：试点先行"})
        except Exception as exc:  # noqa: BLE001 — an escaping exception is the 500 of the finding
            return type(exc).__name__, ""
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(decide, clients, tokens))
    statuses = sorted(status for status, _ in results)
    assert statuses == [302, 409, 409, 409], statuses
    assert all("已由他人" in html or "不能重复审批" in html or "页面已过期" in html
               for status, html in results if status == 409)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(GateApproval)) == 1
