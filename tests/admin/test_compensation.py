"""工时补偿 over HTTP: the dealer claims and reads why, HQ calculates, approves and pays; no one types an amount."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from models import LaborCompensation, db
from tests.conftest import reload
from tests.models.test_compensation import default_rule, visits

LIST = "/admin/labor_compensation/"


def _claimed(client_for, personas):
    default_rule()
    visits(personas, n=3)
    visits(personas, n=1, sent=dt.date(2014, 2, 22))
    personas.dealer_a.claim_account = "CLAIM-A01"
    db.session.commit()
    response = client_for(personas.coord_a).post(f"{LIST}claim/", {"campaign_id": str(personas.campaign.id)},
                                                 csrf_from=LIST)
    assert response.status_code == 302
    return db.session.scalars(select(LaborCompensation)).one()


def test_it_walks_claim_calculate_approve_pay(client_for, personas):
    personas.campaign.phase = "evaluation"
    comp = _claimed(client_for, personas)
    coord, hq = client_for(personas.coord_a), client_for(personas.hq)
    page = f"{LIST}explain/?id={comp.id}"
    assert "申请工时补偿" in coord.get(LIST).get_data(as_text=True)
    assert hq.post(f"{LIST}step/calculate/", {"id": str(comp.id)}, csrf_from=page).status_code == 302
    html = coord.get(page).get_data(as_text=True)
    # 3 台 × 1.0 × 100 × 100 %; the late first copy is shown with its reason
    assert "300.00 元" in html and "晚于截止日 2014-02-20" in html and "计入：执行期内检测" in html
    assert "真实率 100.00% = 属实 4 ÷ (上报 4 − 无法接通 0)" in html
    assert hq.post(f"{LIST}step/approve/", {"id": str(comp.id)}, csrf_from=page).status_code == 302
    twice = hq.post(f"{LIST}step/approve/", {"id": str(comp.id)}, csrf_from=page)
    assert twice.status_code == 409 and "当前为“已批准”" in twice.get_data(as_text=True)
    assert hq.post(f"{LIST}step/pay/", {"id": str(comp.id), "reference": "ZF-2014-001", "paid_on": "2014-03-01"},
                   csrf_from=page).status_code == 302
    comp = reload(comp)
    assert (comp.status, comp.amount, comp.claim_account) == ("paid", Decimal("300.00"), "CLAIM-A01")
    html = coord.get(page).get_data(as_text=True)
    for step in ("申请", "核算", "批准", "支付"):
        assert f"<td>{step}</td>" in html
    assert "汇入索赔账户 CLAIM-A01，凭证号 ZF-2014-001" in html


def test_it_refuses_steps_to_the_dealer_and_needs_a_reason_to_refuse(client_for, personas):
    comp = _claimed(client_for, personas)
    page = f"{LIST}explain/?id={comp.id}"
    coord = client_for(personas.coord_a)
    for step in ("calculate", "approve", "pay"):
        response = coord.post(f"{LIST}step/{step}/", {"id": str(comp.id)}, csrf_from=page)
        assert response.status_code == 403, step
    hq = client_for(personas.hq)
    refused = hq.post(f"{LIST}step/refuse/", {"id": str(comp.id), "reason": ""}, csrf_from=page)
    assert refused.status_code == 409 and "驳回须填写原因" in refused.get_data(as_text=True)
    early = hq.post(f"{LIST}step/pay/", {"id": str(comp.id), "reference": "X", "paid_on": "2014-03-01"},
                    csrf_from=page)
    assert early.status_code == 409 and "须先批准才能支付" in early.get_data(as_text=True)
    assert reload(comp).status == "claimed"


def test_it_never_lets_anyone_type_the_amount(client_for, personas):
    comp = _claimed(client_for, personas)
    for user in (personas.hq, personas.coord_a):
        client = client_for(user)
        assert client.get(f"{LIST}new/").status_code == 302
        assert client.get(f"{LIST}edit/?id={comp.id}").status_code == 302
        client.post(f"{LIST}edit/?id={comp.id}", {"amount": "99999", "status": "paid"}, csrf_from=LIST)
    assert reload(comp).amount == 0 and reload(comp).status == "claimed"


def test_it_returns_404_for_another_dealers_compensation(client_for, personas):
    comp = _claimed(client_for, personas)
    for user in (personas.coord_b, personas.coord_c):
        client = client_for(user)
        assert client.get(f"{LIST}explain/?id={comp.id}").status_code == 404
        assert client.post(f"{LIST}step/calculate/", {"id": str(comp.id)}, csrf_from=LIST).status_code == 404
    assert client_for(personas.rm).get(f"{LIST}explain/?id={comp.id}").status_code == 200
    assert client_for(personas.call_center).get(f"{LIST}explain/?id={comp.id}").status_code == 403
    assert client_for(personas.hq).get(f"{LIST}explain/?id=abc").status_code == 404


def test_it_refuses_a_second_claim_with_a_message(client_for, personas):
    _claimed(client_for, personas)
    coord = client_for(personas.coord_a)
    response = coord.post(f"{LIST}claim/", {"campaign_id": str(personas.campaign.id)}, csrf_from=LIST)
    assert response.status_code == 302
    assert "无需重复申请" in coord.get(LIST).get_data(as_text=True)
    assert coord.post(f"{LIST}claim/", {"campaign_id": "x"}, csrf_from=LIST).status_code == 404


def test_it_versions_a_published_rule_instead_of_editing_it(client_for, personas):
    from models import CompensationRule

    rule = default_rule()
    db.session.commit()
    client, url = client_for(personas.hq), f"/admin/compensation_rule/edit/?id={rule.id}"
    response = client.post(url, {"name": rule.name, "version": "1", "hours_per_inspection": "1.0",
                                 "labor_rate": "999", "published": "y", "version_id": str(rule.version_id)},
                           csrf_from=url)
    assert response.status_code == 200 and "已发布的补偿规则不可修改" in response.get_data(as_text=True)
    assert reload(rule).labor_rate == Decimal("100")
    client.post("/admin/compensation_rule/action/", {"action": "new_version", "rowid": str(rule.id)},
                csrf_from="/admin/compensation_rule/")
    draft = db.session.scalar(select(CompensationRule).where(CompensationRule.version == 2))
    assert draft is not None and draft.published is False and len(draft.tiers) == 4
