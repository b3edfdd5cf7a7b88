"""validate_row: one row converted and checked by the form's definition and the model's rules."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from forms.definitions import DEFINITIONS, validate_row
from forms.importer import Context

from .conftest import vin


@pytest.fixture
def context(personas):
    return Context(user=personas.coord_a, dealer_id=personas.dealer_a.id, campaign=personas.campaign)


def check(form: str, context, **values):
    return validate_row(DEFINITIONS[form], values, context)


@pytest.mark.parametrize("values,expected", [
    ({"name": " 张伟 ", "mobile": "+86 138-1234-5678", "plate": "京a 12345", "vin": vin(1).lower()},
     {"name": "张伟", "mobile": "13812345678", "plate": "京A12345", "vin": vin(1)}),
    ({"name": "李娜", "mobile": 13912345678.0, "plate": "粤BD12345", "contact_status": "已预约",
      "booked_at": "2014-01-20 09:30"},
     {"mobile": "13912345678", "contact_status": "booked",
      "booked_at": dt.datetime(2014, 1, 20, 1, 30, tzinfo=dt.UTC)}),
    ({"name": "王芳", "plate": "沪AD12345", "last_visit": 41659, "mileage_km": "12,000"},
     {"last_visit": dt.date(2014, 1, 20), "mileage_km": 12000}),
])
def test_it_accepts_and_normalises_real_looking_rows(context, values, expected):
    clean, errors = check("customer_invitation", context, **values)
    assert errors == []
    for key, value in expected.items():
        assert clean[key] == value


@pytest.mark.parametrize("values,message", [
    ({"mobile": "13812345678"}, "请填写“顾客姓名”"),
    ({"name": "张伟"}, "“手机”与“车牌号”至少填写一项"),
    ({"name": "张伟", "mobile": "010-12345678"}, "不是有效的中国大陆手机号码"),
    ({"name": "张伟", "plate": "京I12345"}, "格式不正确"),
    ({"name": "张伟", "plate": "京A12345", "vin": "LSVAU2180E212345O"}, "不含 I、O、Q"),
    ({"name": "张伟", "plate": "京A12345", "mileage_km": -1}, "“里程 (km)”不能为负数"),
    ({"name": "张伟", "plate": "京A12345", "mileage_km": "12.5"}, "“里程 (km)”应为整数"),
    ({"name": "张伟", "plate": "京A12345", "last_visit": "去年"}, "“上次进厂”日期格式不正确"),
    ({"name": "张伟", "plate": "京A12345", "contact_status": "已到店"}, "“联系状态”应为 未联系、已邀约"),
    ({"name": "张伟", "plate": "京A12345", "contact_status": "已预约"}, "已预约的顾客请填写“预约时间”"),
    ({"name": "张伟", "plate": "京A12345", "contact_status": "已预约", "booked_at": "2014-03-01 10:00"},
     "不在活动“2014车主回娘家”的执行期"),
    ({"name": "张" * 61, "plate": "京A12345"}, "“顾客姓名”最多 60 个字符（填写了 61 个）"),
    ({"name": "张伟", "plate": "京A12345", "mileage_km": "Infinity"}, "“里程 (km)”应为整数"),
    ({"name": "张伟", "plate": "京A12345", "mileage_km": "1e400"}, "“里程 (km)”数值过大"),
    ({"name": "张伟", "plate": "京A12345", "mileage_km": "3000000000"}, "“里程 (km)”数值过大"),
])
def test_it_refuses_bad_values_with_a_chinese_message(context, values, message):
    _, errors = check("customer_invitation", context, **values)
    assert any(message in e for e in errors), errors


def test_it_does_not_report_a_blank_for_a_value_it_could_not_read(context):
    _, errors = check("sign_in", context, name="张伟", arrived_at="下午三点")
    assert errors == ["“到店时间”时间格式不正确（填写的是“下午三点”，应为 2014-01-20 09:30）"]


@pytest.mark.parametrize("raw,expected", [("是", True), ("Y", True), ("√", True), ("否", False),
                                          ("0", False), ("", False)])
def test_it_reads_yes_and_no(context, raw, expected):
    clean, errors = check("preparation_item", context, item="标示贴", ready=raw)
    assert errors == [] and clean["ready"] is (expected if raw else None)


def test_it_reads_money_with_currency_marks(context):
    clean, errors = check("revenue_report", context, period_start="2014-01-15", period_end="2014/2/17",
                          labor_revenue="¥12,345.6元", cost="-1")
    assert clean["labor_revenue"] == Decimal("12345.60")
    assert errors == ["“活动费用 (元)”不能为负数"]


def test_it_checks_the_weekly_summary_week(context):
    _, errors = check("weekly_summary", context, week_start="2014-01-21", visited_on="2014-01-21",
                      customer_name="张伟", plate="京A12345")
    assert errors == ["“周一日期”2014-01-21 不是星期一"]
    _, errors = check("weekly_summary", context, week_start="2014-01-20", visited_on="2014-01-27",
                      customer_name="张伟")
    assert "检测日期 2014-01-27 不在该周（2014-01-20 起）内" in errors
    assert "车牌号与 VIN 车架号至少填写一项" in errors


@pytest.mark.parametrize("raw,message", [("Infinity", "应为数字"), ("NaN", "应为数字"),
                                         ("1e400", "数值过大"), ("9999999999999", "数值过大")])
def test_it_refuses_money_that_is_not_a_finite_amount(context, raw, message):
    _, errors = check("revenue_report", context, period_start="2014-01-15", period_end="2014-02-17",
                      labor_revenue=raw)
    assert any(f"“工时收入 (元)”{message}" in e for e in errors), errors
