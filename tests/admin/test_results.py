"""Results pages (/admin/results/): dealer isolation on every page, chart and export, HQ recompute."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models import WorkOrder, db


def test_it_hides_the_paid_amount_of_a_work_order_from_the_call_center(personas, client_for):
    wo = WorkOrder(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id, number="P1",
                   visited_on=dt.date(2014, 1, 20), paid_amount=Decimal("1234.56"))
    db.session.add(wo)
    db.session.commit()
    url = f"/admin/work_order/details/?id={wo.id}"
    assert "1234.56" in client_for(personas.coord_a).get(url).get_data(as_text=True)
    page = client_for(personas.call_center).get(url)
    assert page.status_code == 200 and "1234.56" not in page.get_data(as_text=True)
