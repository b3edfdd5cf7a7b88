"""活动关口 page: a coordinator's "提交审核", decision notices through the admin, stored KPIs."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from models import AuditLog, Notification, Participation, db
from models.snapshots import refresh_snapshots
from tests.conftest import reload
from tests.factories import move_to_phase, prepare_dealer


def _page(campaign):
    return f"/admin/gates/?campaign={campaign.id}"


def _submit(client, campaign, dealer, phase="preparation"):
    return client.post("/admin/gates/submit", {"campaign_id": campaign.id, "dealer_id": dealer.id,
                                               "phase": phase}, csrf_from=_page(campaign))


def test_it_lets_the_coordinator_submit_the_own_dealer_gate_to_review(personas, client_for):
    move_to_phase(personas.campaign, "preparation")
    db.session.commit()
    c, a = personas.campaign, personas.dealer_a
    coord = client_for(personas.coord_a)
    assert "提交审核</button>" not in coord.get(_page(c)).get_data(as_text=True)  # items not all ✔ yet
    resp = _submit(coord, c, a)
    assert resp.status_code == 400
    assert "关口条件未满足，不能提交审核：至少一次培训" in resp.get_data(as_text=True)

    prepare_dealer(c, a)
    db.session.commit()
    assert "提交审核</button>" in coord.get(_page(c)).get_data(as_text=True)
    resp = _submit(coord, c, a)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "gate_submitted")).one()
    assert log.user_id == personas.coord_a.id and log.dealer_id == a.id
    note = db.session.scalars(select(Notification)).one()
    assert note.user_id == personas.rm.id and "北京甲特约店" in note.title
    html = client_for(personas.rm).get(_page(c)).get_data(as_text=True)
    assert "已提交审核" in html
    html = coord.get(_page(c)).get_data(as_text=True)
    assert "已提交审核" in html and "提交审核</button>" not in html
    resp = _submit(coord, c, a)
    assert resp.status_code == 409 and "请等待区域经理审批" in resp.get_data(as_text=True)


def test_it_answers_404_to_another_dealers_coordinator_and_403_to_other_roles(personas, client_for):
    move_to_phase(personas.campaign, "preparation")
    db.session.commit()
    c, a = personas.campaign, personas.dealer_a
    prepare_dealer(c, a)
    db.session.commit()
    assert _submit(client_for(personas.coord_b), c, a).status_code == 404
    assert _submit(client_for(personas.sa_a), c, a).status_code == 403
    resp = _submit(client_for(personas.rm), c, a)
    assert resp.status_code == 403 and "只有特约店活动协调员可以提交关口审核" in resp.get_data(as_text=True)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "gate_submitted")) is None


def test_it_notifies_the_coordinator_of_a_refusal_given_in_the_admin(personas, client_for):
    move_to_phase(personas.campaign, "preparation")
    db.session.commit()
    c, a = personas.campaign, personas.dealer_a
    part = db.session.scalar(select(Participation).where(Participation.dealer_id == a.id))
    resp = client_for(personas.rm).post("/admin/gates/decide", {
        "campaign_id": c.id, "dealer_id": a.id, "phase": "preparation", "decision": "refused",
        "version": reload(part).version_id, "note": "现场物品清单未备妥"}, csrf_from=_page(c))
    assert resp.status_code == 302
    note = db.session.scalars(select(Notification)).one()
    assert note.user_id == personas.coord_a.id and note.body == "驳回原因：现场物品清单未备妥"


def test_it_shows_the_stored_kpis_to_hq_only(personas, client_for):
    from models import WorkOrder

    c = personas.campaign
    db.session.add(WorkOrder(campaign_id=c.id, dealer_id=personas.dealer_a.id, number="K7",
                             visited_on=dt.date(2014, 1, 20)))
    refresh_snapshots(db.session, c, dt.datetime(2014, 1, 24, 18, 30, tzinfo=dt.UTC))
    db.session.commit()
    html = client_for(personas.hq).get(_page(c)).get_data(as_text=True)
    assert "活动 KPI" in html and "7日内回访率" in html and "0.0 %" in html and "2014-01-25 02:30" in html
    for user in (personas.coord_a, personas.rm):  # campaign-wide numbers span other regions
        assert "活动 KPI" not in client_for(user).get(_page(c)).get_data(as_text=True)
