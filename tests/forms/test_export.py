"""Export of any (filtered) list to .csv and .xlsx, with formula injection made inert."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from admin.views import SCREENS
from models import CustomerInvitation, db
from tests.factories import make_row

from .conftest import read_csv

ATTACKS = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.fixture
def invitations(personas):
    rows = [make_row(CustomerInvitation, dealer=personas.dealer_a, campaign=personas.campaign,
                     name=attack) for attack in ATTACKS]
    rows.append(make_row(CustomerInvitation, dealer=personas.dealer_b, campaign=personas.campaign,
                         name="乙店的顾客"))
    db.session.commit()
    return rows


def test_it_exports_csv_with_formulas_made_inert(client_for, personas, invitations):
    response = client_for(personas.coord_a).get("/admin/customer_invitation/export/csv/")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese right
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    table = read_csv(response.data)
    assert "顾客姓名" in table[0] and "联系状态" in table[0]
    column = table[0].index("顾客姓名")
    names = [row[column] for row in table[1:]]
    assert sorted(names) == sorted("'" + attack for attack in ATTACKS)
    assert "乙店的顾客" not in names  # dealer scope holds on export
    status = table[1][table[0].index("联系状态")]
    assert status == "未联系"  # choices exported as their Chinese labels


def test_it_exports_xlsx_with_formulas_stored_as_text(client_for, personas, invitations):
    response = client_for(personas.coord_a).get("/admin/customer_invitation/export/xlsx/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    headings = [c.value for c in sheet[1]]
    name_col = headings.index("顾客姓名")
    cells = [row[name_col] for row in sheet.iter_rows(min_row=2)]
    # the exact text (XML turns a stored CR into LF, as Excel's own files do)
    assert sorted(c.value for c in cells) == sorted(a.replace("\r", "\n") for a in ATTACKS)
    for cell in cells:
        assert cell.data_type == "s" and cell.quotePrefix
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_it_exports_only_the_filtered_rows(client_for, personas, invitations):
    response = client_for(personas.hq).get("/admin/customer_invitation/export/csv/?search=乙店")
    table = read_csv(response.data)
    assert len(table) == 2 and "乙店的顾客" in table[1]


def test_it_keeps_another_dealers_rows_out_of_every_export(client_for, personas, invitations):
    for export_type in ("csv", "xlsx"):
        response = client_for(personas.coord_b).get(f"/admin/customer_invitation/export/{export_type}/")
        data = response.data
        text = data.decode("utf-8-sig") if export_type == "csv" else \
            " ".join(str(c.value) for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows()
                     for c in row)
        assert "乙店的顾客" in text and "calc" not in text


READABLE = [(view, model) for view, model, _, _ in SCREENS if "hq_admin" in view.read_roles]


@pytest.mark.parametrize("view,model", READABLE, ids=[m.__tablename__ for _, m in READABLE])
def test_it_exports_every_screen_in_both_formats(client_for, personas, view, model):
    client = client_for(personas.hq)
    for export_type in ("csv", "xlsx"):
        response = client.get(f"/admin/{model.__tablename__}/export/{export_type}/")
        assert response.status_code == 200, (model.__tablename__, export_type)
    assert load_workbook(io.BytesIO(response.data)).worksheets[0].max_row >= 1


def test_it_leaves_numbers_numbers(client_for, personas):
    from decimal import Decimal

    from models import RevenueReport

    make_row(RevenueReport, dealer=personas.dealer_a, campaign=personas.campaign, visits=-3,
             labor_revenue=Decimal("1234.50"))
    db.session.commit()
    client = client_for(personas.coord_a)
    sheet = load_workbook(io.BytesIO(client.get("/admin/revenue_report/export/xlsx/").data)).worksheets[0]
    headings = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[headings.index("进厂台次")] == -3 and row[headings.index("工时收入 (元)")] == 1234.5
    table = read_csv(client.get("/admin/revenue_report/export/csv/").data)
    assert table[1][table[0].index("进厂台次")] == "-3"  # a plain negative number is not escaped
