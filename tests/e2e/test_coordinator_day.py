"""A dealer coordinator's day in Chinese, in a real browser; a screenshot of each step is kept
(in $E2E_SCREENSHOTS, else the test's temporary directory) for people to look at."""
from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import PlanMeeting, TrainingSession, db
from tests.admin.test_chinese import USERNAMES, english_words
from tests.e2e.test_menus import login
from tests.factories import move_to_phase

pytestmark = pytest.mark.e2e


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take


def _no_english(page, typed: frozenset[str] = frozenset()) -> None:
    words = english_words(page.content(), USERNAMES | typed)
    assert not words, f"{page.url}: {sorted(words)}"


def test_it_opens_on_the_coordinators_to_do_list(page, live_server, personas, shots):
    move_to_phase(personas.campaign, "preparation")
    db.session.add(TrainingSession(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id,
                                   kind="dealer", held_on=dt.date(2014, 1, 10), trainer="刘老师"))
    db.session.commit()
    login(page, live_server, "coord_a")
    assert "待办事项" in page.inner_text("h2")
    tasks = page.locator(".todo-task")
    assert "✔" in tasks.filter(has_text="至少一次培训").inner_text()
    assert "✘" in tasks.filter(has_text="顾客名单不为空").inner_text()
    shots(page, "00-todo-coordinator")
    _no_english(page)
    tasks.filter(has_text="顾客名单不为空").locator("a").click()
    assert page.url.endswith("/admin/customer_invitation/new/")


def test_it_types_dates_in_three_ways_and_picks_one_in_chinese(page, live_server, personas, shots):
    login(page, live_server, "coord_a")
    page.goto(f"{live_server}/admin/plan_meeting/new/")
    field = page.locator("input[name=held_on]")
    for typed in ("2014-01-27", "2014/1/27", "20140127"):
        field.fill("")
        field.press_sequentially(typed, delay=20)  # key by key, as a person types
        assert field.input_value() == typed  # nothing re-formats half-typed text
        page.locator("input[name=place]").click()
        assert field.input_value() == "2014-01-27"
    field.click()
    calendar = page.locator(".daterangepicker").first
    assert calendar.is_visible()
    assert "一" in calendar.inner_text() and "Mo" not in calendar.inner_text()
    shots(page, "01-date-picker")
    page.locator("input[name=place]").fill("会议室")
    page.click("input[type=submit][value]:not([name])")
    _no_english(page)
    meeting = db.session.scalar(select(PlanMeeting))
    assert meeting is not None and meeting.held_on == dt.date(2014, 1, 27)


def test_it_explains_a_missing_date_in_chinese(page, live_server, personas, shots):
    login(page, live_server, "coord_a")
    page.goto(f"{live_server}/admin/callback/new/")
    assert page.locator("label[for=due_on] .text-danger").count() == 0  # computed when left empty
    page.goto(f"{live_server}/admin/plan_meeting/new/")
    assert page.locator("label[for=held_on] .text-danger").count() == 1  # required: marked *
    page.locator("input[name=held_on]").fill("")
    page.click("input[type=submit][value]:not([name])")  # no browser bubble: the server answers
    body = page.inner_text("body")
    assert "未保存" in body
    shots(page, "02-missing-date")
    _no_english(page)


def test_it_runs_the_execution_day_from_arrival_to_callback(page, live_server, personas, shots):
    """签到 → 开工单 → 打印 → 回馈表 → 回访, every page in Chinese, forms filled from the step before."""
    from models import Callback, Feedback, SignIn, WorkOrder
    from models.checklists import default_template

    personas.campaign.checklist_template = default_template(db.session)
    move_to_phase(personas.campaign, "execution")
    db.session.commit()
    login(page, live_server, "coord_a")
    shots(page, "10-todo-execution")
    _no_english(page)

    page.goto(f"{live_server}/admin/sign_in/new/")
    page.fill("input[name=name]", "张伟")
    page.fill("input[name=mobile]", "13812345678")
    page.fill("input[name=plate]", "京A12345")
    arrived = page.locator("input[name=arrived_at]")
    arrived.fill("")
    arrived.press_sequentially("2014/1/20 9:30", delay=10)
    page.locator("input[name=name]").click()
    assert arrived.input_value() == "2014-01-20 09:30"
    shots(page, "11-sign-in")
    page.click("input[type=submit][value]:not([name])")
    _no_english(page)
    sign_in = db.session.scalar(select(SignIn))
    assert sign_in is not None, page.inner_text("body")[:2000]

    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet at the car
    page.click("text=开工单")
    assert page.locator("input[name=number]").input_value().startswith("A01-")
    table = page.locator(".checklist-table table")
    assert table.locator("tbody tr").count() == 22
    assert page.evaluate("document.querySelector('.checklist-table table').scrollWidth") <= 1024
    assert page.evaluate("document.body.scrollHeight") < 4000  # was ≈ 16,000 px of stacked cards
    page.locator("input[name=items-0-measured]").fill("2.5")
    page.keyboard.press("Tab")  # along the row: 实测数据 → 检测结果
    assert page.evaluate("document.activeElement.name") == "items-0-finding"
    shots(page, "12-work-order-checklist-table")
    _no_english(page)
    page.click("input[type=submit][value]:not([name])")
    _no_english(page)
    order = db.session.scalar(select(WorkOrder))
    assert order is not None and order.sign_in_id == sign_in.id, page.inner_text("body")[:2000]

    page.goto(f"{live_server}/admin/work_order/print/?id={order.id}")
    assert "客户联" in page.inner_text("body")
    shots(page, "13-work-order-print")
    _no_english(page)

    page.goto(f"{live_server}/admin/work_order/")
    page.click("table.model-list a.btn:text-is(\"回访\")")
    assert page.locator("input[name=customer_name]").input_value() == "张伟"
    assert page.locator("input[name=due_on]").input_value() == "2014-01-27"
    shots(page, "14-callback-from-work-order")
    _no_english(page)
    page.click("input[type=submit][value]:not([name])")
    _no_english(page)
    db.session.expire_all()
    callback = db.session.scalar(select(Callback))
    assert callback is not None and callback.work_order_id == order.id, page.inner_text("body")[:2000]

    # the list filter takes a date typed key by key the same way (a second callback, due a day later)
    db.session.add(Callback(campaign_id=personas.campaign.id, dealer_id=personas.dealer_a.id,
                            customer_name="李娜", due_on=dt.date(2014, 1, 28)))
    db.session.commit()
    page.goto(f"{live_server}/admin/callback/")
    page.click("a.dropdown-toggle:has-text('添加筛选器')")
    page.click(".field-filters a.filter:text-is('应回访日期')")
    value = page.locator("table.filters input.filter-val")
    value.press_sequentially("2014/1/27", delay=10)
    value.press("Tab")
    assert value.input_value() == "2014-01-27"
    shots(page, "16-callback-list-filter")
    _no_english(page)
    page.click("#filter_form button[type=submit]")
    rows = page.inner_text("table.model-list")
    assert "张伟" in rows and "李娜" not in rows, rows

    page.goto(f"{live_server}/admin/feedback/new/?sign_in={sign_in.id}")
    assert page.locator("input[name=customer_name]").input_value() == "张伟"
    shots(page, "15-feedback")
    _no_english(page)


def test_it_runs_the_plan_training_import_and_weekly_summary_in_chinese(page, live_server, personas, shots):
    """提出 → 准备 → 执行 as the coordinator: plan meeting, training, the invitation list imported from
    the untouched Excel template, and last week's 客户信息汇总表 opened from the to-do page."""
    from models import CustomerInvitation, WeeklySummary

    login(page, live_server, "coord_a")
    page.goto(f"{live_server}/admin/plan_meeting/new/")
    page.locator("input[name=held_on]").fill("2014/1/8")
    page.locator("input[name=place]").fill("会议室")
    page.click("input[type=submit][value]:not([name])")
    _no_english(page)
    assert db.session.scalar(select(PlanMeeting.held_on)) == dt.date(2014, 1, 8)

    move_to_phase(personas.campaign, "preparation")
    db.session.commit()
    page.goto(f"{live_server}/admin/training_session/new/")
    page.locator("select[name=kind]").select_option(index=1, force=True)  # under its Select2
    page.locator("input[name=held_on]").fill("20140110")
    page.locator("input[name=trainer]").fill("刘老师")
    shots(page, "20-training")
    page.click("input[type=submit][value]:not([name])")
    _no_english(page)
    assert db.session.scalar(select(TrainingSession.held_on)) == dt.date(2014, 1, 10)

    page.goto(f"{live_server}/admin/customer_invitation/")
    with page.expect_download() as download:
        page.click("a[href*='template.xlsx']")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))  # the template, its example row kept, one customer added
    sheet = book.active
    for cell in sheet[2]:
        sheet.cell(row=3, column=cell.column, value="张伟" if "姓名" in str(sheet.cell(1, cell.column).value)
                   else cell.value)
    upload = io.BytesIO()
    book.save(upload)
    page.goto(f"{live_server}/admin/customer_invitation/import/")
    _no_english(page)
    page.set_input_files("input[name=file]", files=[{
        "name": "顾客名单.xlsx", "mimeType": "application/octet-stream", "buffer": upload.getvalue()}])
    page.click("button[type=submit]:text('上传并预览')")
    shots(page, "21-import-preview")
    _no_english(page, frozenset({"xlsx"}))  # the name of the file uploaded is shown
    page.click("button[name=mode][value=all]")
    _no_english(page, frozenset({"xlsx"}))
    assert db.session.scalar(select(CustomerInvitation.name)) == "张伟", page.inner_text("body")[:2000]

    move_to_phase(personas.campaign, "execution")
    db.session.commit()
    page.goto(f"{live_server}/admin/weekly_summary/new/?week_start=2014-01-20")
    assert page.locator("input[name=week_start]").input_value() == "2014-01-20"
    shots(page, "22-weekly-summary")
    page.click("input[type=submit][value]:not([name])")
    _no_english(page)
    assert db.session.scalar(select(WeeklySummary.week_start)) == dt.date(2014, 1, 20), \
        page.inner_text("body")[:2000]
