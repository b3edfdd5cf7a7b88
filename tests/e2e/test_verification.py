"""The call center's phone screen in a real browser: 领取, then the keyboard records the outcome."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import VerificationTask, db
from models.verification import create_tasks
from tests.models.test_verification import reported

from .test_menus import login

pytestmark = pytest.mark.e2e


def test_it_records_an_outcome_with_the_keyboard(page, live_server, personas):
    reported(personas, n=2)
    create_tasks(db.session, personas.campaign.id)
    db.session.commit()
    login(page, live_server, "cc")
    page.goto(f"{live_server}/admin/verification/")
    page.click("text=领取 20 条")
    page.wait_for_selector("text=我的批次（剩余 2 条）")
    # the shortcuts listen once verification.js at the page's end has run: a key pressed while
    # the rest of the page still loads goes nowhere
    page.wait_for_load_state("load")
    first = page.get_attribute(".call-card", "data-task")
    page.keyboard.press("2")  # 不属实
    page.wait_for_selector("text=我的批次（剩余 1 条）")
    db.session.expire_all()
    assert db.session.scalar(select(VerificationTask.status).where(VerificationTask.id == int(first))) == "not_real"
    page.fill(".call-card input[name=note]", "3")  # typing in the note is not a shortcut
    assert "剩余 1 条" in page.inner_text("body")
