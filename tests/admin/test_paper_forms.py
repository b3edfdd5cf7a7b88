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
