"""Blank paper forms that can be filled with a pen: rating boxes, the 10 dealer duties, no links."""
from __future__ import annotations

import re

from models.execution import FEEDBACK_ITEMS
from models.reporting import DEALER_DUTIES
from tests.reports.test_pdf import pdftotext


def _blank_text(client, table: str) -> str:
    response = client.get(f"/admin/{table}/blank.pdf")
    assert response.status_code == 200
    return pdftotext(response.get_data())


def test_it_prints_rating_boxes_for_every_feedback_item(client_for, personas):
    text = _blank_text(client_for(personas.sa_a), "feedback")
    for item in FEEDBACK_ITEMS:
        assert re.search(item + r"\s*□\s*1\s*□\s*2\s*□\s*3\s*□\s*4\s*□\s*5", text), item
    assert "签到记录" not in text  # a link the system makes, not a pen


def test_it_lists_the_ten_dealer_duties_on_the_blank_coaching_form(client_for, personas):
    text = re.sub(r"\s+", "", _blank_text(client_for(personas.coach), "coaching_visit"))
    for duty in DEALER_DUTIES:
        assert re.sub(r"\s+", "", duty) in text, duty
    assert len(DEALER_DUTIES) == 10


def test_it_prints_the_reference_values_on_the_customer_copy_only(client_for, personas):
    from models import db
    from models.checklists import default_template

    template = default_template(db.session)
    template.items[4].reference = "不少于 1.6 mm（国标）"  # HQ edits a value per template item
    personas.campaign.checklist_template = template
    db.session.commit()
    response = client_for(personas.sa_a).get(f"/admin/work_order/blank.pdf?campaign={personas.campaign.id}")
    text = pdftotext(response.get_data())
    customer_copy = text[text.index("客户联"):]
    assert "标准对比" in customer_copy and "不少于 1.6 mm（国标）" in customer_copy
    assert "≥ 3 mm" in customer_copy  # 刹车片厚度's default reference
    assert "标准对比" not in text[:text.index("客户联")]
