"""Spreadsheets going out: each form's .xlsx template, and exports made safe to open in Excel.

Template: one sheet to fill (headings = the form's labels, help as cell comments, an example row,
data validation for choices, yes/no, dates and numbers, text format for mobiles and VINs so Excel
does not turn them into numbers), a sheet of instructions and a hidden sheet of choice lists.

Formula injection: a cell that starts with = + - @ (or a tab / carriage return) is made inert —
in CSV by a leading apostrophe (OWASP), in .xlsx by storing it as a text cell with Excel's own
"quote prefix", so the value itself stays exactly as typed.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from models.forms_rules import LOCAL_TZ

from .definitions import BOOL_LABELS, FormDefinition

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LAST_ROW = 50_001
FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "time": "hh:mm", "str": "@",
           "text": "@", "decimal": "0.00", "int": "0"}
KIND_WORDS = {"str": "文字", "text": "文字（可多行）", "int": "整数", "decimal": "数字（两位小数）",
              "date": "日期，如 2014-01-20", "datetime": "日期时间，如 2014-01-20 09:30（北京时间）",
              "time": "时间，如 09:30", "bool": "是 / 否", "choice": "从下拉列表选择"}
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


# --- formula injection -------------------------------------------------------------------------------
def is_dangerous(text: str) -> bool:
    """Would a spreadsheet read this cell as a formula? Plain numbers such as -5 are left alone."""
    return text.startswith(DANGEROUS) and not _PLAIN_NUMBER.match(text)


def plain(value: Any) -> Any:
    """An exported value as a spreadsheet cell holds it: local naive times, 是/否, text for objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return BOOL_LABELS[0] if value else BOOL_LABELS[1]
    if isinstance(value, dt.datetime):
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, int | float | Decimal | dt.date | dt.time | str):
        return value
    return str(value)


def neutralise_csv(value: Any) -> str:
    value = plain(value)
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    else:
        text = str(value)
    return "'" + text if is_dangerous(text) else text


def xlsx_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    value = plain(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and is_dangerous(value):
        cell.data_type = "s"  # openpyxl would otherwise write "=..." as a live formula
        cell.quotePrefix = True
    elif isinstance(value, dt.datetime):
        cell.number_format = FORMATS["datetime"]
    elif isinstance(value, dt.date):
        cell.number_format = FORMATS["date"]
    return cell


# --- exports ------------------------------------------------------------------------------------------------
def csv_chunks(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """A CSV as UTF-8 with BOM (Excel on Chinese Windows then shows the text right), streamed."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow([neutralise_csv(h) for h in headers])
    yield b"\xef\xbb\xbf" + flush()
    for n, row in enumerate(rows, start=1):
        writer.writerow([neutralise_csv(v) for v in row])
        if n % 500 == 0:
            yield flush()
    yield flush()


def xlsx_bytes(title: str, headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    return xlsx_book([(title, headers, rows)])


def xlsx_book(sheets: Iterable[tuple[str, list[str], Iterable[list[Any]]]]) -> bytes:
    """One workbook, a formula-safe sheet per (title, headers, rows)."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(_sheet_name(title))
        sheet.freeze_panes = "A2"
        head = []
        for h in headers:
            cell = xlsx_cell(sheet, h)
            cell.font = bold
            head.append(cell)
        sheet.append(head)
        for row in rows:
            sheet.append([xlsx_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def attachment(filename: str) -> str:
    """Content-Disposition naming a Chinese file name (RFC 6266/5987) with an ASCII fallback."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _sheet_name(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "Sheet1"


# --- the template -------------------------------------------------------------------------------------------
def _comment(f: Any) -> str:
    parts = ["必填" if f.required else "选填", KIND_WORDS[f.kind]]
    if f.max_length and f.kind == "str":
        parts.append(f"最多 {f.max_length} 个字")
    if f.choices:
        parts.append("可选：" + "、".join(f.choices.values()))
    if f.help:
        parts.append(f.help)
    return "\n".join(parts)


def _validation(f: Any, column: str, lists: dict[str, str]) -> DataValidation | None:
    options: dict[str, Any] = {"allow_blank": not f.required, "showErrorMessage": True,
                               "errorTitle": f.label, "showInputMessage": bool(f.help),
                               "promptTitle": f.label[:32], "prompt": (f.help or "")[:255]}
    if f.kind == "choice":
        dv = DataValidation(type="list", formula1=lists[f.name],
                            error=f"请从下拉列表中选择：{'、'.join(f.choices.values())}"[:255], **options)
    elif f.kind == "bool":
        dv = DataValidation(type="list", formula1=f'"{",".join(BOOL_LABELS)}"', error="请填写“是”或“否”",
                            **options)
    elif f.kind in ("date", "datetime"):
        dv = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                            formula2="DATE(2099,12,31)", error="请填写日期，如 2014-01-20", **options)
    elif f.kind == "int":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                            error="请填写不小于 0 的整数", **options)
    elif f.kind == "decimal":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            error="请填写不小于 0 的数字", **options)
    elif f.kind == "str" and f.max_length:
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(f.max_length),
                            error=f"最多 {f.max_length} 个字", **options)
    else:
        return None
    dv.add(f"{column}2:{column}{LAST_ROW}")
    return dv


def template_bytes(definition: FormDefinition, campaign: Any = None) -> bytes:
    """The .xlsx template of one form (see the module docstring)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_name(definition.title)
    help_sheet = book.create_sheet("填写说明")
    lists_sheet = book.create_sheet("选项")
    lists_sheet.sheet_state = "hidden"

    lists: dict[str, str] = {}
    for n, f in enumerate([f for f in definition.fields if f.choices], start=1):
        letter = get_column_letter(n)
        lists_sheet.cell(row=1, column=n, value=f.label)
        for i, text in enumerate(f.choices.values(), start=2):
            lists_sheet.cell(row=i, column=n, value=text)
        lists[f.name] = f"{quote_sheetname('选项')}!${letter}$2:${letter}${len(f.choices) + 1}"

    required_font, head_fill = Font(bold=True, color="C00000"), PatternFill("solid", fgColor="DDEBF7")
    example_font = Font(italic=True, color="808080")
    example = definition.example_row(campaign)
    for n, f in enumerate(definition.fields, start=1):
        letter = get_column_letter(n)
        head = sheet.cell(row=1, column=n, value=f.label)
        head.font = required_font if f.required else Font(bold=True)
        head.fill = head_fill
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.comment = Comment(_comment(f), "服务活动管理台", width=260, height=140)
        value = example[f.name]
        if f.kind == "bool":
            value = value if isinstance(value, str) else BOOL_LABELS[0 if value else 1]
        cell = sheet.cell(row=2, column=n, value=value)
        cell.font = example_font
        if f.kind in FORMATS:
            cell.number_format = FORMATS[f.kind]
            sheet.column_dimensions[letter].number_format = FORMATS[f.kind]
        sheet.column_dimensions[letter].width = max(12, min(40, len(f.label) * 2 + 4,
                                                            (f.max_length or 0) + 4))
        dv = _validation(f, letter, lists)
        if dv is not None:
            sheet.add_data_validation(dv)
    sheet.freeze_panes = "A2"

    help_sheet.append([f"{definition.title} — 导入模板"])
    help_sheet["A1"].font = Font(bold=True, size=14)
    lines = ["第 1 行是列名，请勿修改；红色列名为必填。",
             "第 2 行（灰色斜体）是示例，导入时如未修改会自动忽略；可直接覆盖为真实数据。",
             "可导入 .xlsx，或 UTF-8 / GBK 编码的 .csv；每行一条记录。",
             "日期写成 2014-01-20，时间写成 2014-01-20 09:30（北京时间）；是/否列填“是”或“否”。",
             "含公式的单元格按 Excel 保存时的计算结果导入。"]
    if campaign is not None:
        lines.append(f"活动：{campaign.name}（执行期 {campaign.starts_on:%Y-%m-%d} 至 {campaign.ends_on:%Y-%m-%d}）")
    if definition.note:
        lines.append(definition.note)
    for line in lines:
        help_sheet.append([line])
    help_sheet.append([])
    help_sheet.append(["列名", "必填", "格式", "可选值", "说明"])
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = Font(bold=True)
    for f in definition.fields:
        help_sheet.append([f.label, "是" if f.required else "", KIND_WORDS[f.kind],
                           "、".join(f.choices.values()) if f.choices else "", f.help or ""])
    for letter, width in zip("ABCDE", (24, 8, 36, 40, 50)):
        help_sheet.column_dimensions[letter].width = width

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
