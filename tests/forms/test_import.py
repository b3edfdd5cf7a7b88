"""Importing a form's rows from .xlsx / .csv: preview, all-or-nothing, only-valid, bad files."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import AuditLog, Customer, CustomerInvitation, SignIn, Vehicle, WeeklySummary, \
    WeeklySummaryRow, db
from tests.factories import make_row

from .conftest import (INVITATION_HEADINGS, confirm, csv_file, invitation_rows, mobile, plate,
                       read_csv, token_of, upload, vin, with_entry, xlsx_file)

SCREEN = "customer_invitation"


def _count(model, **where) -> int:
    db.session.expire_all()
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return db.session.scalar(stmt)


def test_it_imports_a_valid_xlsx_after_confirmation(client_for, personas):
    client = client_for(personas.coord_a)
    data = xlsx_file(INVITATION_HEADINGS, invitation_rows(3))
    preview = upload(client, SCREEN, data, "名单.xlsx", campaign_id=personas.campaign.id)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:3000]
    assert "有效 <strong>3</strong> 行" in preview.get_data(as_text=True)
    assert _count(CustomerInvitation) == 0  # nothing before confirmation
    done = confirm(client, SCREEN, token_of(preview))
    assert done.status_code == 200
    assert "已导入 <strong>3</strong> 行" in done.get_data(as_text=True)
    rows = db.session.scalars(select(CustomerInvitation).order_by(CustomerInvitation.id)).all()
    assert [r.name for r in rows] == ["顾客1", "顾客2", "顾客3"]
    assert {r.dealer_id for r in rows} == {personas.dealer_a.id}
    assert {r.campaign_id for r in rows} == {personas.campaign.id}
    assert rows[0].source == "dms" and rows[0].contact_status == "not_contacted"
    assert rows[0].vin == vin(1) and rows[0].mileage_km == 1001 and rows[0].version_id == 1
    assert _count(AuditLog, action="import") == 1
    # the same preview cannot be confirmed twice
    again = confirm(client, SCREEN, token_of(preview))
    assert again.status_code == 410 and "已失效" in again.get_data(as_text=True)
    assert _count(CustomerInvitation) == 3


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16", "utf-16-le"])
def test_it_imports_csv_in_utf8_and_gbk(client_for, personas, encoding):
    client = client_for(personas.coord_a)
    # a DMS export: its own headings, a title line above them, GBK text
    headings = ["客户姓名", "手机号码", "车牌", "车架号", "车型名称", "行驶里程", "上次进厂日期"]
    rows = [["张伟", "138 1234 5678", "京a·12345", vin(7).lower(), "朗逸", "35,000", "2013/12/05"],
            ["李娜", "+86 139-1234-5678", "粤BD12345", "", "帕萨特", "", ""]]
    body = csv_file(headings, rows, encoding=encoding, preamble="顾客名单导出\n")
    preview = upload(client, SCREEN, body, "dms.csv", campaign_id=personas.campaign.id)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:3000]
    confirm(client, SCREEN, token_of(preview))
    first, second = db.session.scalars(select(CustomerInvitation).order_by(CustomerInvitation.id)).all()
    assert (first.name, first.mobile, first.plate, first.vin) == ("张伟", "13812345678", "京A12345", vin(7))
    assert first.mileage_km == 35000 and first.last_visit == dt.date(2013, 12, 5)
    assert (second.mobile, second.plate) == ("13912345678", "粤BD12345")


def test_it_lists_every_bad_row_and_writes_nothing(client_for, personas):
    client = client_for(personas.coord_a)
    rows = invitation_rows(6)
    rows[1][1] = "12345"                  # row 3: mobile
    rows[2][2] = "ABC123"                 # row 4: plate
    rows[3][3] = vin(4)[:8] + ("0" if vin(4)[8] != "0" else "1") + vin(4)[9:]  # row 5: check digit
    rows[4][0] = ""                       # row 6: name missing
    rows[5][5] = "很多"                   # row 7: mileage not a number
    preview = upload(client, SCREEN, xlsx_file(INVITATION_HEADINGS, rows), "bad.xlsx",
                     campaign_id=personas.campaign.id)
    assert preview.status_code == 422
    html = preview.get_data(as_text=True)
    assert "有效 <strong>1</strong> 行" in html and "有问题 <strong>5</strong> 行" in html
    for number, reason in [(3, "不是有效的中国大陆手机号码"), (4, "车牌号“ABC123”格式不正确"),
                           (5, "校验位"), (6, "请填写“顾客姓名”"), (7, "“里程 (km)”应为整数")]:
        assert f"第 {number} 行" in html and reason in html
    # confirming everything is refused while bad rows remain
    refused = confirm(client, SCREEN, token_of(preview), mode="all")
    assert refused.status_code == 422 and "未写入任何数据" in refused.get_data(as_text=True)
    assert _count(CustomerInvitation) == 0


def test_it_imports_only_valid_rows_and_returns_the_rejected(client_for, personas):
    client = client_for(personas.coord_a)
    rows = invitation_rows(4)
    rows[2][1] = "=HYPERLINK(\"http://evil\")"  # row 4: a bad mobile that is also a formula
    preview = upload(client, SCREEN, csv_file(INVITATION_HEADINGS, rows), "x.csv",
                     campaign_id=personas.campaign.id)
    token = token_of(preview)
    # issue 14: the button was light grey on white, nearly invisible
    assert 'class="btn btn-outline-danger" href="/admin/customer_invitation/import/rejected.csv' \
        in preview.get_data(as_text=True)
    done = confirm(client, SCREEN, token, mode="valid_only")
    assert done.status_code == 200 and "已导入 <strong>3</strong> 行" in done.get_data(as_text=True)
    assert _count(CustomerInvitation) == 3
    rejected = client.get(f"/admin/{SCREEN}/import/rejected.csv?token={token}")
    assert rejected.status_code == 200
    assert "filename*=UTF-8''" in rejected.headers["Content-Disposition"]
    table = read_csv(rejected.data)
    assert table[0][:3] == ["行号", "错误原因", "顾客姓名"]
    assert table[1][0] == "4" and "手机" in table[1][1]
    assert table[1][3].startswith("'=")  # handed back inert
    # another user cannot fetch it
    assert client_for(personas.coord_b).get(
        f"/admin/{SCREEN}/import/rejected.csv?token={token}").status_code == 404


def test_it_refuses_duplicates_within_the_file_and_against_existing_data(client_for, personas):
    make_row(CustomerInvitation, dealer=personas.dealer_a, campaign=personas.campaign,
             name="老顾客", plate="京A00002", mobile=None)
    db.session.commit()
    client = client_for(personas.coord_a)
    rows = invitation_rows(3) + [invitation_rows(1)[0]]  # row 5 repeats row 2
    preview = upload(client, SCREEN, xlsx_file(INVITATION_HEADINGS, rows), "dup.xlsx",
                     campaign_id=personas.campaign.id)
    assert preview.status_code == 422
    html = preview.get_data(as_text=True)
    assert "第 5 行" in html and "与第 2 行重复" in html
    assert "第 3 行" in html and "车牌号“京A00002”已存在于系统中" in html
    assert _count(CustomerInvitation) == 1


def test_it_refuses_a_customer_of_another_dealer(client_for, personas):
    other = make_row(Customer, dealer=personas.dealer_b, name="乙店顾客")
    make_row(Vehicle, dealer=personas.dealer_b, customer_id=other.id, vin=vin(2), plate="津B11111")
    db.session.commit()
    client = client_for(personas.coord_a)
    preview = upload(client, SCREEN, xlsx_file(INVITATION_HEADINGS, invitation_rows(3)), "x.xlsx",
                     campaign_id=personas.campaign.id)
    assert preview.status_code == 422
    html = preview.get_data(as_text=True)
    assert "第 3 行" in html and f"VIN 车架号“{vin(2)}”属于其他特约店的顾客" in html
    assert "乙店顾客" not in html and personas.dealer_b.name not in html  # no leak of who
    assert confirm(client, SCREEN, token_of(preview)).status_code == 422
    assert _count(CustomerInvitation) == 0


def test_it_never_takes_the_dealer_from_the_request_for_dealer_staff(client_for, personas):
    client = client_for(personas.coord_a)
    data = xlsx_file(INVITATION_HEADINGS, invitation_rows(1))
    response = upload(client, SCREEN, data, "x.xlsx", campaign_id=personas.campaign.id,
                      dealer_id=personas.dealer_b.id)
    assert response.status_code == 404
    assert _count(CustomerInvitation) == 0


def test_it_lets_hq_import_for_a_chosen_dealer_only_if_visible(client_for, personas):
    data = xlsx_file(INVITATION_HEADINGS, invitation_rows(2))
    hq = client_for(personas.hq)
    preview = upload(hq, SCREEN, data, "x.xlsx", campaign_id=personas.campaign.id,
                     dealer_id=personas.dealer_b.id)
    assert preview.status_code == 200
    confirm(hq, SCREEN, token_of(preview))
    assert _count(CustomerInvitation, dealer_id=personas.dealer_b.id) == 2
    missing = upload(hq, SCREEN, data, "x.xlsx", campaign_id=personas.campaign.id)
    assert missing.status_code == 400 and "请选择要导入到哪个特约店" in missing.get_data(as_text=True)


def test_it_does_not_let_another_user_confirm_a_preview(client_for, personas):
    preview = upload(client_for(personas.coord_a), SCREEN,
                     xlsx_file(INVITATION_HEADINGS, invitation_rows(2)), "x.xlsx",
                     campaign_id=personas.campaign.id)
    token = token_of(preview)
    for user in (personas.coord_b, personas.hq):
        assert confirm(client_for(user), SCREEN, token).status_code == 410
    assert _count(CustomerInvitation) == 0


def test_it_refuses_roles_that_cannot_write_the_form(client_for, personas):
    # service advisors read the invitation list but do not maintain it
    client = client_for(personas.sa_a)
    assert client.get(f"/admin/{SCREEN}/import/").status_code == 403
    assert client.get(f"/admin/{SCREEN}/template.xlsx").status_code == 200


@pytest.mark.parametrize("content,filename,status,message", [
    (b"", "empty.xlsx", 400, "0 字节"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls", 415, "旧版 .xls"),
    (b"PK\x03\x04 not really a zip", "broken.xlsx", 400, "无法读取该 Excel 文件"),
    (b"%PDF-1.4 ...", "scan.pdf", 415, "只能导入 .xlsx 或 .csv"),
    ("顧客姓名,手機\n張偉,13812345678\n".encode("big5"), "big5.csv", 400, "编码为 UTF-8 或 GBK"),
    (b"\xff\x81\xfe\x30\xfe\x30 garbage", "bad.csv", 400, "无法识别文件编码"),
    ("名字,电话号\n张伟,13812345678\n".encode(), "wrong.csv", 400, "没有找到可识别的表头"),
    ("手机,车牌号\n13812345678,京A12345\n".encode(), "nocol.csv", 422, "缺少必填列：顾客姓名"),
    ("顾客姓名,手机\n".encode(), "header-only.csv", 422, "没有数据行"),
])
def test_it_refuses_unusable_files_with_a_chinese_message(client_for, personas, content, filename,
                                                          status, message):
    client = client_for(personas.coord_a)
    response = upload(client, SCREEN, content, filename, campaign_id=personas.campaign.id)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert message in response.get_data(as_text=True)
    assert _count(CustomerInvitation) == 0


def test_it_turns_an_oversized_upload_into_a_clear_413(app, client_for, personas):
    client = client_for(personas.coord_a)
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, SCREEN, b"x" * (limit + 1), "huge.csv", campaign_id=personas.campaign.id)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert f"超过 {limit // (1024 * 1024)} MB 的上限" in html and "未导入任何数据" in html
    assert _count(CustomerInvitation) == 0


def test_it_refuses_100001_rows_with_the_configured_limit(app, client_for, personas):
    client = client_for(personas.coord_a)
    body = csv_file(INVITATION_HEADINGS[:2], [[f"顾客{n}", mobile(n)] for n in range(100_001)])
    response = upload(client, SCREEN, body, "big.csv", campaign_id=personas.campaign.id)
    assert response.status_code == 413
    assert "单次最多导入 100,000 行" in response.get_data(as_text=True)
    app.config["IMPORT_MAX_ROWS"] = 10
    try:
        response = upload(client, SCREEN, xlsx_file(INVITATION_HEADINGS, invitation_rows(11)), "x.xlsx",
                          campaign_id=personas.campaign.id)
        assert response.status_code == 413 and "单次最多导入 10 行" in response.get_data(as_text=True)
    finally:
        app.config["IMPORT_MAX_ROWS"] = 50_000
    assert _count(CustomerInvitation) == 0


def test_it_takes_cached_formula_results_and_refuses_formulas_without_one(client_for, personas):
    """Excel saves each formula's last result: that is what the user saw, so it is imported. A
    formula with no stored result (written by a program, never opened in Excel) is refused."""
    from openpyxl import Workbook
    import io
    import zipfile

    book = Workbook()
    sheet = book.active
    sheet.append(INVITATION_HEADINGS)
    sheet.append(["张伟", mobile(1), plate(1), vin(1), "朗逸", "=1000+1"])
    sheet.append(["李娜", mobile(2), plate(2), vin(2), "朗逸", "=1000+2"])
    raw = io.BytesIO()
    book.save(raw)
    # put a cached value on the first formula the way Excel does when it saves: <f>..</f><v>..</v>
    src, out = zipfile.ZipFile(io.BytesIO(raw.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>1000+1</f><v></v>", b"<f>1000+1</f><v>1001</v>") \
                    .replace(b"<f>1000+1</f><v />", b"<f>1000+1</f><v>1001</v>") \
                    .replace(b"<f>1000+1</f>", b"<f>1000+1</f><v>1001</v>", 1) \
                    if b"<v>1001</v>" not in data else data
            dst.writestr(item, data)
    client = client_for(personas.coord_a)
    preview = upload(client, SCREEN, out.getvalue(), "formulas.xlsx", campaign_id=personas.campaign.id)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422, html[:2000]
    assert "个公式单元格，已按 Excel 保存时的计算结果导入" in html
    assert "第 3 行" in html and "“里程 (km)”是公式且没有计算结果" in html
    confirm(client, SCREEN, token_of(preview), mode="valid_only")
    (row,) = db.session.scalars(select(CustomerInvitation)).all()
    assert row.name == "张伟" and row.mileage_km == 1001


def test_it_skips_the_template_example_row_and_reports_it(client_for, personas):
    from forms.definitions import DEFINITIONS

    definition = DEFINITIONS[SCREEN]
    example = definition.example_row(personas.campaign)
    headings = [f.label for f in definition.fields]
    real = dict(example, name="王芳", mobile=mobile(9), plate=plate(9), vin=vin(9))
    rows = [[example[f.name] for f in definition.fields], [real[f.name] for f in definition.fields]]
    client = client_for(personas.coord_a)
    preview = upload(client, SCREEN, xlsx_file(headings, rows), "t.xlsx", campaign_id=personas.campaign.id)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:3000]
    assert "第 2 行是模板中的示例行，已忽略" in preview.get_data(as_text=True)
    confirm(client, SCREEN, token_of(preview))
    assert [r.name for r in db.session.scalars(select(CustomerInvitation))] == ["王芳"]


def test_it_rechecks_duplicates_at_confirmation(client_for, personas):
    client = client_for(personas.coord_a)
    data = xlsx_file(INVITATION_HEADINGS, invitation_rows(2))
    first = upload(client, SCREEN, data, "a.xlsx", campaign_id=personas.campaign.id)
    second = upload(client, SCREEN, data, "b.xlsx", campaign_id=personas.campaign.id)
    assert confirm(client, SCREEN, token_of(first)).status_code == 200
    late = confirm(client, SCREEN, token_of(second))
    assert late.status_code == 409 and "未写入任何数据" in late.get_data(as_text=True)
    assert _count(CustomerInvitation) == 2


# --- the other bulk forms ------------------------------------------------------------------------------
def test_it_imports_customers_with_their_vehicles(client_for, personas):
    existing = make_row(Customer, dealer=personas.dealer_a, name="张伟", mobile=mobile(1))
    db.session.commit()
    headings = ["顾客姓名", "手机", "车牌号", "VIN 车架号", "车型", "里程 (km)", "上次进厂"]
    rows = [["张伟", mobile(1), plate(1), vin(1), "朗逸", 1, "2013-11-02"],   # existing customer
            ["李娜", mobile(2), plate(2), vin(2), "帕萨特", 2, ""],
            ["李娜", mobile(2), plate(3), "", "途观", "", ""],                 # her second car
            ["王芳", mobile(4), "", "", "", "", ""]]                          # no vehicle yet
    client = client_for(personas.coord_a)
    preview = upload(client, "customer", xlsx_file(headings, rows), "c.xlsx")
    assert preview.status_code == 200, preview.get_data(as_text=True)[:3000]
    confirm(client, "customer", token_of(preview))
    customers = {c.name: c for c in db.session.scalars(select(Customer))}
    assert set(customers) == {"张伟", "李娜", "王芳"} and customers["张伟"].id == existing.id
    assert sorted(v.plate for v in customers["李娜"].vehicles) == [plate(2), plate(3)]
    assert [v.vin for v in customers["张伟"].vehicles] == [vin(1)]
    assert {v.dealer_id for v in db.session.scalars(select(Vehicle))} == {personas.dealer_a.id}


def test_it_imports_sign_ins_marking_walk_ins(client_for, personas):
    make_row(CustomerInvitation, dealer=personas.dealer_a, campaign=personas.campaign, name="受邀",
             plate=plate(1))
    db.session.commit()
    headings = ["到店时间", "顾客姓名", "手机", "车牌号", "签到方式", "已送礼品", "已贴标示贴"]
    rows = [["2014-01-20 09:30", "受邀", mobile(1), plate(1), "前台登记", "是", "是"],
            [dt.datetime(2014, 1, 20, 10, 0), "路过", mobile(2), plate(2), "扫码自助签到", "否", "否"],
            ["2014-03-20 10:00", "太晚", mobile(3), plate(3), "", "", ""]]
    client = client_for(personas.sa_a)
    preview = upload(client, "sign_in", xlsx_file(headings, rows), "s.xlsx",
                     campaign_id=personas.campaign.id)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422 and "第 4 行" in html and "不在活动“2014车主回娘家”的执行期" in html
    confirm(client, "sign_in", token_of(preview), mode="valid_only")
    invited, walk_in = db.session.scalars(select(SignIn).order_by(SignIn.arrived_at)).all()
    assert invited.arrived_at == dt.datetime(2014, 1, 20, 1, 30, tzinfo=dt.UTC)  # 09:30 Beijing
    assert (invited.walk_in, invited.gift_given, walk_in.walk_in, walk_in.channel) == \
        (False, True, True, "qr")


def test_it_imports_weekly_summary_rows_into_their_weeks(client_for, personas):
    headings = ["周一日期", "检测日期", "顾客姓名", "手机", "车牌号", "VIN 车架号"]
    rows = [["2014-01-20", "2014-01-21", "张伟", mobile(1), plate(1), vin(1)],
            ["2014-01-20", "2014-01-22", "李娜", mobile(2), plate(2), ""],
            ["2014-01-27", "2014-01-28", "王芳", mobile(3), "", vin(3)],
            ["2014-01-21", "2014-01-21", "周二", mobile(4), plate(4), ""],    # not a Monday
            ["2014-01-27", "2014-02-05", "下周", mobile(5), plate(5), ""]]    # outside its week
    client = client_for(personas.coord_a)
    preview = upload(client, "weekly_summary", xlsx_file(headings, rows), "w.xlsx",
                     campaign_id=personas.campaign.id)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422
    assert "第 5 行" in html and "不是星期一" in html
    assert "第 6 行" in html and "不在该周" in html
    confirm(client, "weekly_summary", token_of(preview), mode="valid_only")
    weeks = {s.week_start: len(s.rows) for s in db.session.scalars(select(WeeklySummary))}
    assert weeks == {dt.date(2014, 1, 20): 2, dt.date(2014, 1, 27): 1}
    assert _count(WeeklySummaryRow) == 3


def test_it_refuses_rows_for_an_already_submitted_week(client_for, personas):
    make_row(WeeklySummary, dealer=personas.dealer_a, campaign=personas.campaign,
             week_start=dt.date(2014, 1, 20), submitted_at=dt.datetime(2014, 1, 27, 8, tzinfo=dt.UTC))
    db.session.commit()
    headings = ["周一日期", "检测日期", "顾客姓名", "车牌号"]
    client = client_for(personas.coord_a)
    preview = upload(client, "weekly_summary",
                     xlsx_file(headings, [["2014-01-20", "2014-01-21", "张伟", plate(1)]]), "w.xlsx",
                     campaign_id=personas.campaign.id)
    done = confirm(client, "weekly_summary", token_of(preview))
    assert done.status_code == 409 and "已提交" in done.get_data(as_text=True)
    assert _count(WeeklySummaryRow) == 0


def test_it_imports_callbacks_and_keeps_verification_to_the_call_center(client_for, personas):
    headings = ["回访类型", "顾客姓名", "手机", "应回访日期", "回访时间", "回访结果", "满意度 (1-5)"]
    rows = [["特约店回访", "张伟", mobile(1), "2014-01-27", "2014-01-27 10:00", "已联系", 5],
            ["呼叫中心核实", "李娜", mobile(2), "2014-01-27", "", "待回访", ""],
            ["特约店回访", "王芳", mobile(3), "2014-01-27", "", "待回访", 6]]
    client = client_for(personas.coord_a)
    preview = upload(client, "callback", xlsx_file(headings, rows), "cb.xlsx",
                     campaign_id=personas.campaign.id)
    html = preview.get_data(as_text=True)
    assert "第 3 行" in html and "“呼叫中心核实”只能由呼叫中心导入" in html
    assert "第 4 行" in html and "“满意度 (1-5)”应在 1 至 5 之间" in html


# --- issue 9: hostile files -------------------------------------------------------------------------
def test_it_refuses_a_shared_strings_bomb_before_opening_it(client_for, personas):
    strings = b"<si><t>a</t></si>" * 400_000  # 6.8 MB of XML in a few KB: ratio ≈ 1,000
    sst = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="400000" '
           b'uniqueCount="400000">' + strings + b"</sst>")
    bomb = with_entry(xlsx_file(INVITATION_HEADINGS, invitation_rows(2)), "xl/sharedStrings.xml", [sst])
    assert len(bomb) < 60_000
    response = upload(client_for(personas.coord_a), SCREEN, bomb, "名单.xlsx", campaign_id=personas.campaign.id)
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and "解压后过大或压缩比异常" in html and "未导入任何数据" in html
    assert _count(CustomerInvitation) == 0


def test_it_refuses_a_workbook_inflating_past_100_mb(client_for, personas, monkeypatch):
    import forms.importer as importer

    monkeypatch.setattr(importer, "MAX_RATIO", 10**6)  # the size bound alone
    bomb = with_entry(xlsx_file(INVITATION_HEADINGS, invitation_rows(2)), "xl/media/image1.png",
                      [b"\0" * 2**20] * 100 + [b"\0"])
    response = upload(client_for(personas.coord_a), SCREEN, bomb, "名单.xlsx", campaign_id=personas.campaign.id)
    assert response.status_code == 413 and "上限 100 MB" in response.get_data(as_text=True)


def test_it_refuses_a_workbook_of_too_many_parts(client_for, personas):
    import io
    import zipfile

    book = io.BytesIO(xlsx_file(INVITATION_HEADINGS, invitation_rows(2)))
    with zipfile.ZipFile(book, "a") as archive:
        for n in range(1_001):
            archive.writestr(f"xl/media/p{n}.bin", b"")
    response = upload(client_for(personas.coord_a), SCREEN, book.getvalue(), "名单.xlsx",
                      campaign_id=personas.campaign.id)
    assert response.status_code == 413


def test_it_refuses_a_csv_with_a_utf16_mark_that_is_not_utf16(client_for, personas):
    body = b"\xff\xfe" + "顾客姓名,手机\n张伟,13812345678\n".encode("utf-8") + b"\x00\xd8"
    response = upload(client_for(personas.coord_a), SCREEN, body, "名单.csv", campaign_id=personas.campaign.id)
    assert response.status_code == 400 and "不是 UTF-16 文本" in response.get_data(as_text=True)


def test_it_says_a_huge_text_field_is_too_large_not_the_upload(client_for, personas):
    from werkzeug.test import encode_multipart

    client = client_for(personas.coord_a)
    url = f"/admin/{SCREEN}/import/"
    boundary, body = encode_multipart({"csrf_token": client.csrf(url), "campaign_id": "x" * (10 * 2**20)})
    response = client.http.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and "每个文本框最多 488 KB" in html and "20 MB" not in html


def test_it_confirms_on_another_web_process_what_one_previewed(app, client_for, personas, tmp_path):
    """N stateless web processes: the preview lives in the database, nothing on the local disk."""
    from app import create_app
    from config import TestConfig
    from tests.conftest import Client

    other = create_app(TestConfig())
    other.instance_path = str(tmp_path / "another-machine")
    preview = upload(client_for(personas.coord_a), SCREEN, xlsx_file(INVITATION_HEADINGS, invitation_rows(2)),
                     "名单.xlsx", campaign_id=personas.campaign.id)
    assert preview.status_code == 200
    assert not (Path(app.instance_path) / "imports").exists()
    done = confirm(Client(other, personas.coord_a), SCREEN, token_of(preview))
    assert "已导入 <strong>2</strong> 行" in done.get_data(as_text=True)
    assert _count(CustomerInvitation) == 2
    assert not Path(other.instance_path).exists()
    with other.app_context():
        db.engine.dispose()  # its pooled connection, closed now rather than by the garbage collector
