"""One definition per form: the fields of each form as the screen, the Excel template and the import
see them, derived from the models' Column.info (label, choices, help) and nullability.

A FormDefinition lists the fields in template order, which model ("part") each one lands in, and the
import-only rules. Record rules are not repeated here: `validate_row` builds the record(s) the row
would create and asks the model's own `form_rules` (models/forms_rules.py), so a rule added to a
model applies to the screen and the import alike.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Boolean, Date, Integer, Numeric, String, Text, Time
from sqlalchemy import inspect as sa_inspect

from models import (Callback, ClosingMeeting, CoachingVisit, Complaint, Customer, CustomerInvitation,
                    DailyFlow, Feedback, PlanMeeting, PreparationItem, RevenueReport, SignIn,
                    TrainingSession, Vehicle, WeeklySummary, WeeklySummaryRow, WorkOrder)
from models.base import UTCDateTime
from models.certify import callback_kind_for
from models.forms_rules import LOCAL_TZ, Rule, unique_keys_of, valid_mobile, valid_plate, valid_vin
from models.validators import normalize_mobile, normalize_plate, with_check_digit

from .dates import parse_date, parse_time

SYSTEM_COLUMNS = {"id", "created_at", "updated_at", "version_id", "dealer_id", "campaign_id"}
TEXT_LIMIT = 2000  # a Text column typed into one spreadsheet cell
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有", "已", "对"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "✗", "✘", "无", "未", "不"}
BOOL_LABELS = ("是", "否")

# Column headings that dealer DMS exports use for our fields (the label itself always works).
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("客户姓名", "客户名称", "车主姓名", "姓名"),
    "customer_name": ("客户姓名", "客户名称", "车主姓名", "姓名"),
    "mobile": ("手机号", "手机号码", "移动电话", "联系电话", "电话"),
    "plate": ("车牌", "车牌号码", "牌照号"),
    "vin": ("VIN", "车架号", "VIN码", "底盘号"),
    "model": ("车型名称", "车系"),
    "mileage_km": ("里程", "行驶里程", "公里数"),
    "last_visit": ("上次进厂日期", "最近进厂日期", "上次维修日期"),
}
EXAMPLE_VIN = with_check_digit("LSVAU2180E2123456")
EXAMPLES: dict[str, Any] = {
    "name": "张伟", "customer_name": "张伟", "mobile": "13812345678", "plate": "京A12345",
    "vin": EXAMPLE_VIN, "model": "朗逸", "mileage_km": 35000, "leader": "王强", "deputy": "李娜",
    "trainer": "刘老师", "item": "车主回娘家标示贴", "quantity": 200, "owner": "陈静",
    "description": "等候时间过长", "technician": "赵师傅", "number": "A01-20140120-001",
    "satisfaction": 5, "nps": 9, "organization_score": 90, "score": 90,
}


# --- the definition ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldDef:
    name: str
    label: str
    kind: str  # str text int decimal date datetime time bool choice
    required: bool = False
    choices: dict[str, str] | None = None
    help: str | None = None
    max_length: int | None = None
    part: str = "main"
    aliases: tuple[str, ...] = ()
    example: Any = None
    normalize: Callable[[str], str] | None = None

    @property
    def headings(self) -> tuple[str, ...]:
        return (self.label, self.name, *self.aliases)


@dataclass(frozen=True)
class Part:
    """A model one row writes into; optional parts are skipped when none of their fields is filled."""

    model: type
    optional: bool = False
    placeholders: dict[str, Any] = field(default_factory=dict)  # parent ids not known before insert
    rules: tuple[Rule, ...] = ()  # rules of this part that its model does not declare itself


RowRule = Callable[[dict[str, Any], Any], str | None]


@dataclass(frozen=True)
class FormDefinition:
    key: str  # the admin endpoint (the main model's table)
    title: str
    fields: tuple[FieldDef, ...]
    parts: dict[str, Part]
    importable: bool = True
    row_rules: tuple[RowRule, ...] = ()
    # Columns whose values identify a row: a repeat within the file or of existing data is refused.
    unique_keys: tuple[tuple[str, ...], ...] = ()
    # Columns that identify a vehicle; a value held by another dealer's customer is refused.
    foreign_keys_check: tuple[str, ...] = ()
    note: str | None = None

    @property
    def model(self) -> type:
        return self.parts["main"].model

    @property
    def needs_campaign(self) -> bool:
        return any("campaign_id" in sa_inspect(p.model).columns for p in self.parts.values())

    def field(self, name: str) -> FieldDef:
        return next(f for f in self.fields if f.name == name)

    def example_row(self, campaign: Any = None) -> dict[str, Any]:
        day = getattr(campaign, "starts_on", None) or dt.date.today()
        values = {}
        for f in self.fields:
            if f.example is not None:
                values[f.name] = f.example
            elif f.kind == "choice":
                values[f.name] = next(iter(f.choices.values()))
            elif f.kind == "bool":
                values[f.name] = "否"
            elif f.kind == "date" and f.name == "week_start":
                values[f.name] = day - dt.timedelta(days=day.weekday())
            elif f.kind == "date":
                values[f.name] = day
            elif f.kind == "datetime":
                values[f.name] = dt.datetime.combine(day, dt.time(9, 30))
            elif f.kind == "time":
                values[f.name] = dt.time(9, 0)
            elif f.kind in ("int", "decimal"):
                values[f.name] = 0
            else:
                values[f.name] = f"（{f.label}）"
        return values


def _kind(column: Any) -> str:
    if "choices" in column.info:
        return "choice"
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "datetime"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Time):
        return "time"
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, Numeric):
        return "decimal"
    if isinstance(kind, Text):
        return "text"
    if isinstance(kind, String):
        return "str"
    raise TypeError(f"no import kind for {column}")


NORMALIZERS: dict[str, Callable[[str], str]] = {
    "mobile": normalize_mobile, "plate": normalize_plate,
    "vin": lambda v: re.sub(r"\s", "", v).upper()}


def fields_of(model: type, *, part: str = "main", exclude: Iterable[str] = (),
              required: Iterable[str] = (), examples: dict[str, Any] | None = None) -> list[FieldDef]:
    """The importable columns of `model` in declaration order, described by their Column.info."""
    skip, must = set(exclude) | SYSTEM_COLUMNS, set(required)
    examples = {**EXAMPLES, **(examples or {})}
    result = []
    for prop in sa_inspect(model).column_attrs:
        column = prop.columns[0]
        if prop.key in skip or column.primary_key or column.foreign_keys or "label" not in column.info:
            continue
        kind = _kind(column)
        length = getattr(column.type, "length", None) if kind == "str" else \
            TEXT_LIMIT if kind == "text" else None
        result.append(FieldDef(
            name=prop.key, label=column.info["label"], kind=kind, part=part,
            required=prop.key in must or (not column.nullable and column.default is None
                                          and column.server_default is None),
            choices=column.info.get("choices"), help=column.info.get("help"), max_length=length,
            aliases=ALIASES.get(prop.key, ()), example=examples.get(prop.key),
            normalize=NORMALIZERS.get(prop.key)))
    return result


def flat(model: type, title: str, *, exclude: Iterable[str] = (), required: Iterable[str] = (),
         importable: bool = True, note: str | None = None, **options: Any) -> FormDefinition:
    return FormDefinition(key=model.__tablename__, title=title,
                          fields=tuple(fields_of(model, exclude=exclude, required=required)),
                          parts={"main": Part(model)}, importable=importable, note=note, **options)


# --- import-only rules (small functions of the converted row and the import context) ----------
def within_week(key: str, week: str) -> RowRule:
    def rule(values: dict[str, Any], ctx: Any) -> str | None:
        day, start = values.get(key), values.get(week)
        if day and start and not start <= day <= start + dt.timedelta(days=6):
            return f"检测日期 {day:%Y-%m-%d} 不在该周（{start:%Y-%m-%d} 起）内"
        return None
    return rule


def in_campaign_window(key: str, label: str) -> RowRule:
    def rule(values: dict[str, Any], ctx: Any) -> str | None:
        day, campaign = values.get(key), ctx.campaign
        if day is None or campaign is None:
            return None
        if not campaign.starts_on <= day <= campaign.ends_on:
            return (f"“{label}” {day:%Y-%m-%d} 不在活动“{campaign.name}”的执行期"
                    f"（{campaign.starts_on:%Y-%m-%d} 至 {campaign.ends_on:%Y-%m-%d}）内")
        return None
    return rule


def kind_of_caller(values: dict[str, Any], ctx: Any) -> str | None:
    """The file's 回访类型 must be the importer's own (models.certify.callback_kind_for)."""
    if (values.get("kind") or "dealer") != callback_kind_for(ctx.user):
        return "“呼叫中心核实”只能由呼叫中心导入" if values.get("kind") == "verification" \
            else "呼叫中心只能导入“呼叫中心核实”"
    return None


def identified(values: dict[str, Any], ctx: Any) -> str | None:
    return None if values.get("plate") or values.get("vin") else "车牌号与 VIN 车架号至少填写一项"


# --- the forms -----------------------------------------------------------------------------------
def _customer() -> FormDefinition:
    fields = fields_of(Customer) + fields_of(Vehicle, part="vehicle")
    return FormDefinition(
        key="customer", title="顾客及车辆", fields=tuple(fields),
        parts={"main": Part(Customer),
               "vehicle": Part(Vehicle, optional=True, placeholders={"customer_id": 0})},
        unique_keys=(("vin",), ("plate",)), foreign_keys_check=("vin",),
        note="同一姓名与手机的多行合并为一位顾客的多辆车；已有同名同手机的顾客时车辆加到该顾客名下。")


def _weekly_summary() -> FormDefinition:
    fields = fields_of(WeeklySummary, part="summary", exclude={"submitted_at", "late", "note"}) + \
        fields_of(WeeklySummaryRow)
    return FormDefinition(
        key="weekly_summary", title="免费检测客户信息汇总表", fields=tuple(fields),
        parts={"main": Part(WeeklySummaryRow, rules=(valid_mobile("mobile"), valid_plate("plate"),
                                                     valid_vin("vin"))),
               "summary": Part(WeeklySummary)},
        row_rules=(within_week("visited_on", "week_start"), identified,
                   in_campaign_window("visited_on", "检测日期")),
        unique_keys=(("week_start", "vin"), ("week_start", "plate")),
        note="每行一位当周检测的顾客；同一“周一日期”的行归入同一张周汇总表（已提交的周不能再导入）。")


def _build() -> dict[str, FormDefinition]:
    defs = [
        flat(CustomerInvitation, "顾客名单", exclude={"source"},
             unique_keys=unique_keys_of(CustomerInvitation), foreign_keys_check=("vin", "plate"),
             note="来源自动记为“DMS 导入”；同一车牌号、同一手机或同一 VIN 在本店本活动的名单中只能出现一次。"),
        _customer(),
        flat(SignIn, "顾客签到表", exclude={"walk_in"}, required={"arrived_at"},
             unique_keys=(("plate", "arrived_at"),),
             note="不在顾客名单上的顾客照常导入，并自动标记为“非邀约到店”。"),
        flat(Callback, "100%服务回访", row_rules=(kind_of_caller,),
             unique_keys=(("kind", "mobile", "due_on"),)),
        _weekly_summary(),
        flat(PreparationItem, "现场物品准备清单", unique_keys=(("item",),)),
        flat(RevenueReport, "营业收入状况分析表", exclude={"submitted_at"},
             unique_keys=(("period_start", "period_end"),)),
        flat(DailyFlow, "活动每日流程工作", unique_keys=(("day",),),
             note="时间段明细请在系统中逐条填写。"),
        flat(Complaint, "投诉", exclude={"status", "acknowledged_at", "resolved_at", "verified_at",
                                          "escalated_at", "root_cause", "resolution"}),
        flat(ClosingMeeting, "活动结束会议表", unique_keys=(("held_on",),)),
        # Forms whose substance is their inline rows: template and export only.
        flat(PlanMeeting, "活动计划会议表", importable=False),
        flat(TrainingSession, "活动培训项目", importable=False),
        flat(Feedback, "顾客信息回馈表", importable=False),
        flat(WorkOrder, "免费检测报告(工单)", importable=False),
        flat(CoachingVisit, "现场辅导", importable=False),
    ]
    return {d.key: d for d in defs}


DEFINITIONS: dict[str, FormDefinition] = _build()


def definition_for(model: type) -> FormDefinition | None:
    return DEFINITIONS.get(getattr(model, "__tablename__", ""))


# --- reading one cell ------------------------------------------------------------------------------
class Problem(ValueError):
    pass


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # 13812345678 typed into a number cell
    if isinstance(raw, dt.datetime):
        return raw.strftime("%Y-%m-%d %H:%M")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw).strip()


def _date(raw: Any, f: FieldDef) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and 20000 < raw < 80000:  # an Excel serial day
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(raw))
    value = parse_date(_text(raw).split(" ")[0].split("T")[0])
    if value is not None:
        return value
    raise Problem(f"“{f.label}”日期格式不正确（填写的是“{_text(raw)}”，应为 2014-01-20）")


def _time(raw: Any, f: FieldDef) -> dt.time:
    if isinstance(raw, dt.datetime):
        return raw.time()
    if isinstance(raw, dt.time):
        return raw
    if isinstance(raw, float) and 0 <= raw < 1:
        return (dt.datetime.min + dt.timedelta(days=raw)).time().replace(microsecond=0)
    value = parse_time(_text(raw))
    if value is not None:
        return value
    raise Problem(f"“{f.label}”时间格式不正确（填写的是“{_text(raw)}”，应为 09:30）")


def _datetime(raw: Any, f: FieldDef) -> dt.datetime:
    """What people type is Asia/Shanghai wall-clock time; stored as aware UTC."""
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, dt.date):
        value = dt.datetime.combine(raw, dt.time())
    else:
        text = re.sub(r"\s+", " ", _text(raw).replace("T", " "))
        day, _, clock = text.partition(" ")
        try:
            value = dt.datetime.combine(_date(day, f), _time(clock, f) if clock else dt.time())
        except Problem:
            raise Problem(f"“{f.label}”时间格式不正确（填写的是“{_text(raw)}”，"
                          "应为 2014-01-20 09:30）") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(dt.UTC)


def convert(f: FieldDef, raw: Any) -> Any:
    """The typed value of one cell, None when blank; Problem with a Chinese message when unreadable."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if f.kind in ("str", "text"):
        text = _text(raw)
        if f.normalize:
            text = f.normalize(text)
        if f.max_length and len(text) > f.max_length:
            raise Problem(f"“{f.label}”最多 {f.max_length} 个字符（填写了 {len(text)} 个）")
        return text
    if f.kind == "int":
        text = _text(raw).replace(",", "").replace("，", "")
        try:
            number = Decimal(text)
            if not number.is_finite() or number != number.to_integral_value():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            raise Problem(f"“{f.label}”应为整数（填写的是“{_text(raw)}”）") from None
        if abs(number) >= 2**31:  # the database column is a 32-bit integer
            raise Problem(f"“{f.label}”数值过大（{_text(raw)}）")
        return int(number)
    if f.kind == "decimal":
        text = re.sub(r"[,，¥￥元\s]", "", _text(raw))
        try:
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation
            if abs(number) < Decimal("1e12"):
                number = number.quantize(Decimal("0.01"))
        except InvalidOperation:
            raise Problem(f"“{f.label}”应为数字（填写的是“{_text(raw)}”）") from None
        if abs(number) >= Decimal("1e12"):
            raise Problem(f"“{f.label}”数值过大（{text}）")
        return number
    if f.kind == "date":
        return _date(raw, f)
    if f.kind == "datetime":
        return _datetime(raw, f)
    if f.kind == "time":
        return _time(raw, f)
    if f.kind == "bool":
        word = _text(raw).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise Problem(f"“{f.label}”请填写“是”或“否”（填写的是“{_text(raw)}”）")
    if f.kind == "choice":
        word = _text(raw)
        for code, text in f.choices.items():
            if word in (text, code) or word.lower() == code.lower():
                return code
        raise Problem(f"“{f.label}”应为 {'、'.join(f.choices.values())} 之一（填写的是“{word}”）")
    raise TypeError(f.kind)


# --- one row ------------------------------------------------------------------------------------------
def _unique(messages: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(messages))


def _records(definition: FormDefinition, clean: dict[str, Any], context: Any) -> Iterator[Any]:
    """The transient record(s) the row would create, never added to the session."""
    for key, part in definition.parts.items():
        names = [f.name for f in definition.fields if f.part == key]
        if part.optional and all(clean.get(n) is None for n in names):
            continue
        columns = sa_inspect(part.model).columns
        values = {n: clean.get(n) for n in names}
        if "dealer_id" in columns:
            values["dealer_id"] = context.dealer_id
        if "campaign_id" in columns:
            values["campaign_id"] = context.campaign_id
        # the values go straight into the new instance's state: the constructor's per-attribute
        # events cost a third of a 100,000-row check, and a record never stored needs none of them
        record = sa_inspect(part.model).class_manager.new_instance()
        record.__dict__.update(values, **part.placeholders)
        if "campaign_id" in columns and context.campaign is not None:
            record.campaign = context.campaign  # spares each rule a lookup; no backref, no cascade
        yield part, record


def validate_row(definition: FormDefinition, values: dict[str, Any], context: Any
                 ) -> tuple[dict[str, Any], list[str]]:
    """Convert one row's raw values and check them against the form's rules.

    `values` maps field names to what the file holds (text, numbers, dates); `context` carries
    `user`, `dealer_id`, `campaign` and `campaign_id`. Returns the typed values (field name →
    value, None for blank) and the Chinese messages, empty when the row is valid.
    """
    clean: dict[str, Any] = {}
    errors: list[str] = []
    unreadable: set[str] = set()
    for f in definition.fields:
        try:
            clean[f.name] = convert(f, values.get(f.name))
        except Problem as problem:
            clean[f.name] = None
            errors.append(str(problem))
            unreadable.add(f"请填写“{f.label}”")
            continue
        part = definition.parts[f.part]
        if clean[f.name] is None and f.required and not part.optional:
            errors.append(f"请填写“{f.label}”")
    for part, record in _records(definition, clean, context):
        if hasattr(record, "validation_problems"):
            errors.extend(m for m in record.validation_problems() if m not in unreadable)
        errors.extend(m for rule in part.rules for m in rule(record))
    for row_rule in definition.row_rules:
        message = row_rule(clean, context)
        if message:
            errors.append(message)
    return clean, _unique(errors)
