"""Every form's .xlsx template: labels, help, example row, validation; download → fill → import."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from admin.views import SCREENS
from forms.definitions import DEFINITIONS, validate_row
from forms.importer import Context
from models import db
from tests.factories import open_window

from .conftest import confirm, mobile, plate, token_of, upload, vin

IMPORTABLE = [d for d in DEFINITIONS.values() if d.importable]
SCREEN_TABLES = {model.__tablename__ for _, model, _, _ in SCREENS}


def test_it_has_a_definition_for_every_form_of_the_design():
    forms = {"plan_meeting", "daily_flow", "training_session", "customer_invitation", "sign_in",
             "feedback", "closing_meeting", "work_order", "callback", "complaint", "weekly_summary",
             "revenue_report", "coaching_visit", "preparation_item", "customer"}
    assert forms <= set(DEFINITIONS)
    assert set(DEFINITIONS) <= SCREEN_TABLES  # each drives an existing screen


@pytest.mark.parametrize("definition", DEFINITIONS.values(), ids=list(DEFINITIONS))
def test_it_serves_a_template_with_labels_help_example_and_validation(client_for, personas, definition):
    client = client_for(personas.hq)
    response = client.get(f"/admin/{definition.key}/template.xlsx?campaign_id={personas.campaign.id}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert book.sheetnames[1:] == ["填写说明", "选项"] and book["选项"].sheet_state == "hidden"
    headings = [c.value for c in sheet[1]]
    assert headings == [f.label for f in definition.fields]
    for cell, f in zip(sheet[1], definition.fields):
        assert cell.comment is not None and ("必填" if f.required else "选填") in cell.comment.text
        if f.help:
            assert f.help in cell.comment.text
    example = [c.value for c in sheet[2]]
    assert any(v not in (None, "") for v in example)
    validated = {str(rng).split(":")[0].rstrip("0123456789") for dv in sheet.data_validations.dataValidation
                 for rng in dv.sqref.ranges}
    for n, f in enumerate(definition.fields, start=1):
        if f.kind in ("choice", "bool", "date", "datetime", "int", "decimal"):
            assert sheet.cell(row=1, column=n).column_letter in validated, f.name
        if f.name in ("mobile", "vin"):  # text, or Excel turns 13812345678 into 1.38E+10
            assert sheet.column_dimensions[sheet.cell(row=1, column=n).column_letter].number_format == "@"


@pytest.mark.parametrize("definition", DEFINITIONS.values(), ids=list(DEFINITIONS))
def test_it_gives_an_example_row_that_passes_the_form_rules(personas, definition):
    context = Context(user=personas.coord_a, dealer_id=personas.dealer_a.id, campaign=personas.campaign)
    clean, errors = validate_row(definition, definition.example_row(personas.campaign), context)
    # CoachingVisit needs the coach's account, which a spreadsheet cannot name: template only
    assert errors == ([] if definition.key != "coaching_visit" else ["请填写“辅导员”"])


def _filled(definition, n: int, campaign) -> dict:
    values = dict(definition.example_row(campaign))
    day = campaign.starts_on + dt.timedelta(days=n)
    for f in definition.fields:
        if f.name in ("name", "customer_name", "item", "leader", "trainer", "description"):
            values[f.name] = f"{f.label}{n}"
        elif f.name == "mobile":
            values[f.name] = mobile(n)
        elif f.name == "plate":
            values[f.name] = plate(n)
        elif f.name == "vin":
            values[f.name] = vin(n)
        elif f.name in ("day", "held_on", "period_start", "period_end") and definition.key != "weekly_summary":
            values[f.name] = day
    return values


@pytest.mark.parametrize("definition", IMPORTABLE, ids=[d.key for d in IMPORTABLE])
def test_it_round_trips_template_download_fill_and_import(client_for, personas, definition):
    for part in definition.parts.values():
        open_window(personas.campaign, part.model)
    db.session.commit()
    client = client_for(personas.coord_a)
    response = client.get(f"/admin/{definition.key}/template.xlsx?campaign_id={personas.campaign.id}")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    for n in range(1, 4):  # below the example row, which the import skips
        values = _filled(definition, n, personas.campaign)
        for column, f in enumerate(definition.fields, start=1):
            sheet.cell(row=2 + n, column=column, value=values[f.name])
    out = io.BytesIO()
    book.save(out)
    form = {"campaign_id": personas.campaign.id} if definition.needs_campaign else {}
    preview = upload(client, definition.key, out.getvalue(), "filled.xlsx", **form)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html[html.find("import-errors"):][:3000]
    assert "第 2 行是模板中的示例行，已忽略" in html
    done = confirm(client, definition.key, token_of(preview))
    assert "已导入 <strong>3</strong> 行" in done.get_data(as_text=True)
    model = definition.model
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(model)) == 3
    if hasattr(model, "dealer_id"):
        assert set(db.session.scalars(select(model.dealer_id))) == {personas.dealer_a.id}


def test_it_serves_no_template_for_screens_without_a_form(client_for, personas):
    assert client_for(personas.hq).get("/admin/region/template.xlsx").status_code == 404
    assert client_for(personas.hq).get("/admin/region/import/").status_code == 404
    assert client_for(personas.hq).get("/admin/plan_meeting/import/").status_code == 404


def test_it_shows_template_and_import_on_the_list_screen(client_for, personas):
    html = client_for(personas.coord_a).get("/admin/customer_invitation/").get_data(as_text=True)
    assert "/admin/customer_invitation/template.xlsx" in html and "/admin/customer_invitation/import/" in html
    html = client_for(personas.sa_a).get("/admin/customer_invitation/").get_data(as_text=True)
    assert "template.xlsx" in html and "/import/" not in html
