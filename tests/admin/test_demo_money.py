"""The issue's "done when" on the demo campaign: an agent verifies, HQ computes, approves and pays
one dealer's compensation and publishes the Top 10 — over HTTP as each user."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from models import Dealer, LaborCompensation, User, VerificationTask, db
from models.demo import load_demo_data
from models.verification import RETRY_GAP, record_call, reserve
from tests.conftest import reload

QUEUE, COMP = "/admin/verification/", "/admin/labor_compensation/"


def test_it_walks_the_money_side_of_the_demo_campaign(client_for):
    campaign = load_demo_data(db.session, customers_per_dealer=24)
    campaign.phase = "evaluation"
    db.session.commit()
    user = {u.username: u for u in db.session.scalars(select(User))}
    bj001 = db.session.scalar(select(Dealer).where(Dealer.code == "BJ001"))
    hq, agent = client_for(user["hq"]), client_for(user["callcenter"])
    assert hq.post(f"{QUEUE}create", {"campaign": str(campaign.id)}, csrf_from=QUEUE).status_code == 302
    # BJ001's 24 customers: 20 属实, 2 不属实, 1 拒绝回答, 1 无法接通 after three calls at different times;
    # the other dealers' customers all 属实
    plan = ["confirmed"] * 20 + ["not_real"] * 2 + ["refused", "unreachable"]
    token = agent.csrf(QUEUE)
    while True:
        agent.http.post(f"{QUEUE}reserve", data={"campaign": str(campaign.id), "csrf_token": token})
        db.session.expire_all()
        batch = db.session.scalars(select(VerificationTask).where(
            VerificationTask.reserved_by_id == user["callcenter"].id, VerificationTask.status == "open")).all()
        if not batch:
            break
        for task in batch:
            outcome = plan.pop(0) if task.dealer_id == bj001.id else "confirmed"
            response = agent.http.post(f"{QUEUE}record", data={"task_id": str(task.id), "outcome": outcome,
                                                                "csrf_token": token})
            assert response.status_code == 302
    assert plan == []
    last = db.session.scalar(select(VerificationTask).where(VerificationTask.status == "open"))
    first_call = last.attempts[0].called_at
    for n in (1, 2):  # the same customer again, two hours apart each time
        at = first_call + n * RETRY_GAP
        assert last in reserve(db.session, campaign.id, user["callcenter"], at)
        record_call(db.session, last, user["callcenter"], "unreachable", now=at)
    db.session.commit()
    assert reload(last).status == "unreachable"
    assert "86.95%" in hq.get(QUEUE).get_data(as_text=True)  # 20 ÷ (24 − 1)
    # the dealer claims, HQ computes, approves and pays
    coord = client_for(user["bj001-coord"])
    assert coord.post(f"{COMP}claim/", {"campaign_id": str(campaign.id)}, csrf_from=COMP).status_code == 302
    comp = db.session.scalar(select(LaborCompensation).where(LaborCompensation.dealer_id == bj001.id))
    page = f"{COMP}explain/?id={comp.id}"
    for step, data in (("calculate", {}), ("approve", {}),
                       ("pay", {"reference": "ZF-2014-0301", "paid_on": "2014-03-01"})):
        response = hq.post(f"{COMP}step/{step}/", {"id": str(comp.id), **data}, csrf_from=page)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    comp = reload(comp)
    # hand calculation: 24 eligible × 1.00 h × 100.00 元 × 50 % (86.95 % is in the 80–90 % tier) = 1200.00 元
    assert (comp.eligible_inspections, comp.truthfulness_rate, comp.payout_percent) == (24, Decimal("86.95"), 50)
    assert comp.amount == Decimal("1200.00") and comp.status == "paid" and comp.claim_account == "CLAIM-BJ001"
    assert "1200.00 元" in coord.get(page).get_data(as_text=True)
    # HQ publishes the Top 10; the dealer reads it
    assert hq.post("/admin/awards/publish", {"campaign": str(campaign.id)}, csrf_from="/admin/awards/").status_code == 302
    html = coord.get("/admin/awards/").get_data(as_text=True)
    assert "已于" in html and "北京北辰特约店" in html and "天津滨海特约店" in html
