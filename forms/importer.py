"""Import of .xlsx and .csv files into one form: read, check every row, then write all rows in one
transaction — or nothing.

read_table()  the rows of an upload (xlsx read by calamine, or openpyxl read_only when it has
              formulas; csv in UTF-8 or GBK)
check_file()  every row converted and validated (validate_row), duplicates within the file and
              against existing data, vehicles of another dealer's customers → a Preview
write_rows()  one INSERT ... executemany per model, in the caller's transaction
Stash         the checked rows kept in the database between preview and confirmation
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import secrets
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook, SheetTypeEnum
from sqlalchemy import delete, insert, select, text, update

from models import (Customer, CustomerInvitation, ImportJob, SignIn, Vehicle, WeeklySummary,
                    WeeklySummaryRow)
from models.audit import AuditLog
from models.base import utcnow
from models.preparation import new_token
from models.services import customer_for_visit

from .definitions import FormDefinition, _text, validate_row

DEFAULT_MAX_ROWS = 50_000
HEADER_SCAN_ROWS = 10  # a DMS export may put a title line or two above the headings
IN_CHUNK = 2_000  # values per IN (...) lookup, well under SQLite's and PostgreSQL's limits
# a zip bomb's bounds (check_archive); a 50,000-row workbook inflates to about 20 MB at ratio 12
MAX_UNCOMPRESSED = 100 * 2**20
MAX_RATIO = 100
MAX_ENTRIES = 1_000
PROGRESS_EVERY = 5_000  # rows between two progress reports of a background import
MAX_SECONDS = 120  # reading and checking one file; a worker is not held longer
ENCODING_HINT = "如为 CSV 文件，请确认编码为 UTF-8 或 GBK（在 Excel 中“另存为 CSV UTF-8”即可）"


Progress = Callable[[int, int], None]


class ImportRefused(Exception):
    """The whole file is refused; nothing was written. `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass
class Context:
    user: Any
    dealer_id: int | None
    campaign: Any | None

    @property
    def campaign_id(self) -> int | None:
        return getattr(self.campaign, "id", None)


# --- reading ------------------------------------------------------------------------------------
def _clean_heading(value: Any) -> str:
    text = _text(value) if value is not None else ""
    text = re.sub(r"[\s\u3000]+", "", text)
    text = re.sub(r"^\*|\*$|[（(]必填[)）]$", "", text)
    return text.casefold()


def heading_map(definition: FormDefinition) -> dict[str, str]:
    """Every accepted column heading (label, field name, DMS alias) → field name; labels win."""
    mapping: dict[str, str] = {}
    for f in definition.fields:
        for alias in f.aliases:
            mapping.setdefault(_clean_heading(alias), f.name)
    for f in definition.fields:
        mapping[_clean_heading(f.name)] = f.name
    for f in definition.fields:
        mapping[_clean_heading(f.label)] = f.name
    return mapping


@dataclass
class Formula:
    """A formula cell; replaced by Excel's cached result when the file has one."""

    coordinate: str


def _unreadable(exc: Exception) -> ImportRefused:
    return ImportRefused(f"无法读取该 Excel 文件（{type(exc).__name__}），请确认是 .xlsx 格式且未损坏", 400)


def check_archive(data: bytes) -> None:
    """Refuse a zip bomb before openpyxl inflates anything. zipfile never inflates an entry past the
    size the zip directory declares (a liar fails its CRC), so bounding the declared sizes bounds
    the work; a real workbook inflates about 12 times (50,000 rows: 1.7 MB → 20 MB)."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _unreadable(exc) from None
    total = sum(e.file_size for e in entries)
    ratio = max((e.file_size / max(e.compress_size, 1) for e in entries), default=0)
    if len(entries) > MAX_ENTRIES or total > MAX_UNCOMPRESSED or ratio > MAX_RATIO:
        raise ImportRefused(f"该 Excel 文件解压后过大或压缩比异常（解压后 {total / 2**20:,.0f} MB，压缩比 "
                            f"{ratio:,.0f} 倍；上限 {MAX_UNCOMPRESSED // 2**20} MB、{MAX_RATIO} 倍），"
                            "未导入任何数据。请在 Excel 中删除多余内容后另存，或拆分成几个文件导入", 413)


# a formula element in any part: <f>, <f t="shared" …/>, <x:f>, and a chart's <c:f> (then openpyxl reads)
_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s/>]")
_SAFE_INTEGER = 2**53  # integral floats below this are what openpyxl reads as int


def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(_FORMULA_ELEMENT.search(archive.read(entry)) for entry in archive.infolist()
                   if entry.filename.endswith(".xml"))


def _calamine_cell(value: Any) -> Any:
    """A calamine cell as openpyxl gives it: None for empty, int for an integral number,
    datetime for a date-formatted number."""
    if value == "":
        return None
    if type(value) is float and value.is_integer() and abs(value) < _SAFE_INTEGER:
        return int(value)
    if type(value) is dt.date:
        return dt.datetime.combine(value, dt.time())
    return value


def _calamine_rows(data: bytes) -> list[list[Any]] | None:
    """The first worksheet's rows read by calamine (Rust; about 20 times openpyxl's speed), or None
    when openpyxl must read the file: formulas (their cached results and the refusal of those
    without one are openpyxl's), or anything calamine does not read (openpyxl then says why)."""
    try:
        if _has_formulas(data):
            return None
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            first = next(m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet)
            rows = book.get_sheet_by_name(first).to_python(skip_empty_area=False)
        finally:
            book.close()
    except Exception:  # noqa: BLE001 — any failure: openpyxl reads it, or refuses it in Chinese
        return None
    out = []
    for row in rows:
        cells = [_calamine_cell(v) for v in row]
        while cells and cells[-1] is None:  # openpyxl's row ends at its last cell
            cells.pop()
        out.append(cells)
    return out


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    check_archive(data)
    fast = _calamine_rows(data)
    if fast is not None:
        yield from enumerate(fast, start=1)
        return
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _unreadable(exc) from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # trust the rows, not a possibly stale <dimension>
        for number, row in enumerate(sheet.iter_rows(), start=1):
            yield number, [Formula(c.coordinate) if getattr(c, "data_type", None) == "f" else c.value
                           for c in row]
    except (zipfile.BadZipFile, ValueError, OSError, SyntaxError) as exc:  # bad CRC, broken XML
        raise _unreadable(exc) from None
    finally:
        book.close()


def _cached_values(data: bytes, wanted: set[str]) -> dict[str, Any]:
    """Excel's last computed results of the formula cells (what the user saw when saving)."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        rows = {int(re.sub(r"\D", "", c)) for c in wanted}
        found = {}
        for number, row in enumerate(sheet.iter_rows(), start=1):
            if number in rows:
                found.update({c.coordinate: c.value for c in row
                              if hasattr(c, "coordinate") and c.coordinate in wanted})
            if number > max(rows):
                break
        return found
    finally:
        book.close()


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")  # Excel's "Unicode text"
        except UnicodeDecodeError:
            raise ImportRefused(f"文件以 UTF-16 标记开头，但内容不是 UTF-16 文本。{ENCODING_HINT}", 400) from None
    if b"\x00" in data[:4096] and len(data) % 2 == 0:  # UTF-16 without its BOM
        for encoding in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text and ("," in text or "\t" in text):
                return text
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 ⊃ GBK ⊃ GB2312: what DMS exports use
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(f"无法识别文件编码。{ENCODING_HINT}", 400)


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = _decode(data)
    if "\x00" in text:
        raise ImportRefused("文件含有二进制内容，不是 CSV 文本文件", 415)
    first = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            yield number, row
    except csv.Error as exc:
        raise ImportRefused(f"CSV 文件第 {number + 1} 行无法解析（{exc}）", 400) from None


def read_table(filename: str, data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(row number as Excel shows it, cell values) of the file's first sheet."""
    if not data:
        raise ImportRefused("上传的文件是空的（0 字节），请选择填写好的 .xlsx 或 .csv 文件", 400)
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused("不支持旧版 .xls 或加密的 Excel 文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入",
                            415)
    if name.endswith((".xlsx", ".xlsm")):
        raise ImportRefused("该文件扩展名为 .xlsx，但内容不是 Excel 文件", 400)
    if data.startswith(b"%PDF") or not name.endswith((".csv", ".txt", ".tsv")) and b"\x00" in data[:4096]:
        raise ImportRefused("只能导入 .xlsx 或 .csv 文件", 415)
    return _csv_rows(data)


# --- checking -------------------------------------------------------------------------------------
@dataclass
class Preview:
    definition: FormDefinition
    filename: str
    columns: list[str]  # field names in file order
    valid: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    rejected: list[tuple[int, list[Any], list[str]]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)  # the file's own headings, for rejected.csv
    cells: dict[int, list[Any]] = field(default_factory=dict)  # valid rows as sent, by row number

    @property
    def total(self) -> int:
        return len(self.valid) + len(self.rejected)


def _locate_header(rows: Iterator[tuple[int, list[Any]]], mapping: dict[str, str]
                   ) -> tuple[int, list[Any], list[tuple[int, list[Any]]]]:
    seen: list[tuple[int, list[Any]]] = []
    for number, cells in rows:
        if any(c not in (None, "") for c in cells):
            seen.append((number, cells))
        if len(seen) >= HEADER_SCAN_ROWS:
            break
    scored = [(sum(_clean_heading(c) in mapping for c in cells if c is not None), i)
              for i, (_, cells) in enumerate(seen)]
    best = max(scored, default=(0, 0))
    if best[0] == 0:
        raise ImportRefused(f"没有找到可识别的表头（第一行应为字段名称，如“{next(iter(mapping))}”）。"
                            f"请使用本页下载的模板填写。{ENCODING_HINT}", 400)
    number, cells = seen[best[1]]
    return number, cells, seen[best[1] + 1:]


def _is_example(definition: FormDefinition, values: dict[str, Any]) -> bool:
    """The template's example row left in place (dates aside, they follow the campaign)."""
    example = definition.example_row()
    return all(values.get(f.name) is not None and _text(values[f.name]) == _text(example[f.name])
               for f in definition.fields if f.kind not in ("date", "datetime", "time"))


def check_file(definition: FormDefinition, filename: str, data: bytes, context: Context, *,
               max_rows: int = DEFAULT_MAX_ROWS, progress: Progress | None = None) -> Preview:
    """Every row of the file checked; raises ImportRefused when the file as a whole is unusable.
    `progress(done, total)` hears every PROGRESS_EVERY rows: total 0 while reading, then checking."""
    mapping = heading_map(definition)
    rows = read_table(filename, data)
    header_number, header, after = _locate_header(rows, mapping)
    columns: list[str | None] = []
    for cell in header:
        name = mapping.get(_clean_heading(cell)) if cell is not None else None
        if name is not None and name in columns:
            raise ImportRefused(f"第 {header_number} 行表头中“{definition.field(name).label}”出现了两次",
                                422)
        columns.append(name)
    missing = [f.label for f in definition.fields
               if f.required and not definition.parts[f.part].optional and f.name not in columns]
    if missing:
        raise ImportRefused(f"缺少必填列：{'、'.join(missing)}。请使用本页下载的模板。", 422)
    preview = Preview(definition, filename, [c for c in columns if c],
                      headings=[_text(c) if c is not None else "" for c in header])
    ignored = [_text(c) for c, n in zip(header, columns) if n is None and c not in (None, "")]
    if ignored:
        preview.notices.append(f"以下列未能识别，已忽略：{'、'.join(ignored)}")

    raw_rows: list[tuple[int, list[Any]]] = []
    formulas: set[str] = set()
    deadline = time.monotonic() + MAX_SECONDS
    for number, cells in _chain(after, rows):
        if number % 1000 == 0 and time.monotonic() > deadline:
            raise ImportRefused(f"文件处理超过 {MAX_SECONDS} 秒，已停止，未导入任何数据。"
                                "请拆分成几个较小的文件分批导入", 413)
        if not any(c not in (None, "") for c in cells):
            continue
        raw_rows.append((number, cells))
        if progress and len(raw_rows) % PROGRESS_EVERY == 0:
            progress(len(raw_rows), 0)
        formulas.update(c.coordinate for c in cells if isinstance(c, Formula))
        if len(raw_rows) > max_rows:
            raise ImportRefused(f"文件超过 {max_rows:,} 行数据，单次最多导入 {max_rows:,} 行，"
                                "请拆分成几个文件分批导入", 413)
    if formulas:
        # Excel stores the result of every formula when it saves; that is what the user saw, so
        # we take it. A formula without a stored result (file written by a program) is refused.
        cached = _cached_values(data, formulas)
        preview.notices.append(f"文件中有 {len(formulas)} 个公式单元格，已按 Excel 保存时的计算结果导入")
        raw_rows = [(n, [_result(c, cached) for c in cells]) for n, cells in raw_rows]

    for index, (number, cells) in enumerate(raw_rows):
        if progress and index % PROGRESS_EVERY == 0:
            progress(index, len(raw_rows))
        values = {name: cells[i] for i, name in enumerate(columns) if name and i < len(cells)}
        pending = [f"“{definition.field(name).label}”是公式且没有计算结果，请在 Excel 中打开并保存，"
                   "或改为直接填写数值" for name, v in values.items() if isinstance(v, Formula)]
        values = {k: (None if isinstance(v, Formula) else v) for k, v in values.items()}
        if index == 0 and number == header_number + 1 and _is_example(definition, values):
            preview.notices.append(f"第 {number} 行是模板中的示例行，已忽略")
            continue
        clean, errors = validate_row(definition, values, context)
        errors = pending + errors
        if errors:
            preview.rejected.append((number, _raw(cells), errors))
        else:
            preview.valid.append((number, clean))
            preview.cells[number] = _raw(cells)
    if not preview.total:
        raise ImportRefused("文件中没有数据行（只有表头或示例行）", 422)
    refuse_conflicts(preview, context)
    return preview


def _result(cell: Any, cached: dict[str, Any]) -> Any:
    if not isinstance(cell, Formula):
        return cell
    value = cached.get(cell.coordinate)
    return cell if value is None or value == "" else value


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _raw(cells: list[Any]) -> list[Any]:
    return ["" if c is None or isinstance(c, Formula) else _text(c) for c in cells]


# --- duplicates and other dealers' customers -------------------------------------------------------
def _key(clean: dict[str, Any], spec: tuple[str, ...]) -> tuple | None:
    values = tuple(clean.get(n) for n in spec)
    return None if any(v is None or v == "" for v in values) else values


def _show(definition: FormDefinition, spec: tuple[str, ...], key: tuple) -> str:
    return "、".join(f"{definition.field(n).label}“{_text(v)}”" for n, v in zip(spec, key))


def existing_keys(definition: FormDefinition, spec: tuple[str, ...], context: Context) -> set[tuple]:
    """The values of `spec` already stored for this dealer (and campaign), normalised like input."""
    from models import db

    model = definition.model
    if definition.key == "customer":
        model = Vehicle
    if definition.key == "weekly_summary":
        cols = [WeeklySummary.week_start if n == "week_start" else getattr(WeeklySummaryRow, n)
                for n in spec]
        stmt = select(*cols).join(WeeklySummary, WeeklySummaryRow.summary_id == WeeklySummary.id) \
            .where(WeeklySummary.dealer_id == context.dealer_id,
                   WeeklySummary.campaign_id == context.campaign_id)
    else:
        stmt = select(*[getattr(model, n) for n in spec]).where(model.dealer_id == context.dealer_id)
        if hasattr(model, "campaign_id"):
            stmt = stmt.where(model.campaign_id == context.campaign_id)
    found = set()
    for row in db.session.execute(stmt):
        values = []
        for n, v in zip(spec, row):
            f = definition.field(n)
            values.append(f.normalize(v) if f.normalize and isinstance(v, str) else v)
        found.add(tuple(values))
    return found


def foreign_values(definition: FormDefinition, name: str, values: set[str], context: Context) -> set[str]:
    """Which of these VINs/plates belong to another dealer's customers (or invitation list)."""
    from models import db

    hits: set[str] = set()
    ordered = sorted(values)
    for start in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[start:start + IN_CHUNK]
        column = getattr(Vehicle, name)
        hits.update(db.session.scalars(select(column).where(
            column.in_(chunk), Vehicle.dealer_id != context.dealer_id)))
        if context.campaign_id is not None and hasattr(CustomerInvitation, name):
            column = getattr(CustomerInvitation, name)
            hits.update(db.session.scalars(select(column).where(
                column.in_(chunk), CustomerInvitation.campaign_id == context.campaign_id,
                CustomerInvitation.dealer_id != context.dealer_id)))
    return hits


def refuse_conflicts(preview: Preview, context: Context) -> list[int]:
    """Move rows that repeat another row or existing data, or name another dealer's vehicle, to
    `rejected`. Run at preview and again, inside the writing transaction, at confirmation."""
    definition = preview.definition
    reasons: dict[int, list[str]] = {}
    for spec in definition.unique_keys:
        first_seen: dict[tuple, int] = {}
        stored = existing_keys(definition, spec, context)
        for number, clean in preview.valid:
            key = _key(clean, spec)
            if key is None:
                continue
            if key in stored:
                reasons.setdefault(number, []).append(
                    f"{_show(definition, spec, key)}已存在于系统中（{definition.title}），不能重复导入")
            elif key in first_seen:
                reasons.setdefault(number, []).append(
                    f"与第 {first_seen[key]} 行重复（{_show(definition, spec, key)}）")
            else:
                first_seen[key] = number
    for name in definition.foreign_keys_check:
        wanted = {clean[name] for _, clean in preview.valid if clean.get(name)}
        foreign = foreign_values(definition, name, wanted, context) if wanted else set()
        for number, clean in preview.valid:
            if clean.get(name) in foreign:
                reasons.setdefault(number, []).append(
                    f"{definition.field(name).label}“{clean[name]}”属于其他特约店的顾客，不能导入本店")
    if reasons:
        preview.rejected.extend((n, preview.cells.get(n, []), reasons[n]) for n, _ in preview.valid
                                if n in reasons)
        preview.rejected.sort(key=lambda r: r[0])
        preview.valid = [(n, c) for n, c in preview.valid if n not in reasons]
    return sorted(reasons)


# --- writing --------------------------------------------------------------------------------------------
def _defaults(model: type) -> dict[str, Any]:
    result = {}
    for column in model.__table__.columns:
        default = column.default
        if default is not None and column.key not in ("id", "version_id", "created_at", "updated_at"):
            result[column.key] = default.arg(None) if default.is_callable else default.arg
    return result


def _rows_for(definition: FormDefinition, part: str, clean_rows: list[dict[str, Any]],
              context: Context) -> list[dict[str, Any]]:
    model = definition.parts[part].model
    names = [f.name for f in definition.fields if f.part == part]
    columns = model.__table__.columns
    defaults = _defaults(model)
    owner = {}
    if "dealer_id" in columns:
        owner["dealer_id"] = context.dealer_id
    if "campaign_id" in columns:
        owner["campaign_id"] = context.campaign_id
    rows = []
    for clean in clean_rows:
        row = {**defaults, **owner}
        for n in names:
            if clean.get(n) is not None or n not in defaults:
                row[n] = clean.get(n)
        rows.append(row)
    return rows


def write_rows(session: Any, definition: FormDefinition, clean_rows: list[dict[str, Any]],
               context: Context) -> int:
    """Insert the checked rows with one executemany per model; the caller commits or rolls back."""
    if not clean_rows:
        return 0
    writer = {"customer": _write_customers, "weekly_summary": _write_weekly}.get(definition.key)
    if writer is not None:
        return writer(session, definition, clean_rows, context)
    rows = _rows_for(definition, "main", clean_rows, context)
    if definition.model is CustomerInvitation:
        _link_customers(session, rows, context)
        for row in rows:
            row["source"] = "dms"
            row["token"] = new_token()  # an executemany would give every row the same default
    if definition.model is SignIn:
        _mark_walk_ins(session, rows, context)
        for row in rows:  # the customer chain, as on the screen (models.services.customer_for_visit)
            row["feedback_token"] = new_token()
            arrival = SignIn(campaign_id=context.campaign_id, name=row["name"], mobile=row.get("mobile"),
                             plate=row.get("plate"))
            customer = customer_for_visit(arrival, context.dealer_id)
            session.flush()
            row["customer_id"] = customer.id
    insert_rows(session, definition.model, rows)
    return len(rows)


def _link_customers(session: Any, rows: list[dict[str, Any]], context: Context) -> None:
    """An invitation names the dealer's customer record when the VIN, plate or mobile matches one."""
    by = {"vin": {}, "plate": {}, "mobile": {}}
    for vin, plate, customer_id in session.execute(select(Vehicle.vin, Vehicle.plate, Vehicle.customer_id)
                                                   .where(Vehicle.dealer_id == context.dealer_id)):
        by["vin"].setdefault(vin, customer_id)
        by["plate"].setdefault(plate, customer_id)
    for mobile, customer_id in session.execute(select(Customer.mobile, Customer.id)
                                               .where(Customer.dealer_id == context.dealer_id)):
        by["mobile"].setdefault(mobile, customer_id)
    for row in rows:
        row["customer_id"] = next((by[k][row[k]] for k in ("vin", "plate", "mobile")
                                   if row.get(k) and row[k] in by[k]), None)


def _mark_walk_ins(session: Any, rows: list[dict[str, Any]], context: Context) -> None:
    """A customer not on the campaign's invitation list is welcome, and counted as a walk-in."""
    plates, mobiles = set(), set()
    for plate, mobile in session.execute(select(CustomerInvitation.plate, CustomerInvitation.mobile).where(
            CustomerInvitation.campaign_id == context.campaign_id,
            CustomerInvitation.dealer_id == context.dealer_id)):
        plates.add(plate)
        mobiles.add(mobile)
    for row in rows:
        row["walk_in"] = not ((row.get("plate") and row["plate"] in plates)
                              or (row.get("mobile") and row["mobile"] in mobiles))


def insert_rows(session: Any, model: type, rows: list[dict[str, Any]], *, ids: bool = False
                ) -> list[int]:
    """Insert the rows in the session's transaction; with `ids`, their new ids in the order of `rows`.

    PostgreSQL: ids taken from the table's sequence in one round trip, then one COPY — an INSERT
    … VALUES executemany of 100,000 rows costs seconds of statement building and per-row server
    round trips (_copy_rows). SQLite would run RETURNING one row per statement (15 s for 100,000
    customers); but a writing SQLite transaction holds the database's only write lock, so the
    last len(rows) ids of the table are ours, in insertion order."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _copy_rows(session, model, rows, ids=ids)
    session.execute(insert(model), rows)
    if not ids:
        return []
    new = session.scalars(select(model.id).order_by(model.id.desc()).limit(len(rows))).all()
    return new[::-1]


def _copy_rows(session: Any, model: type, rows: list[dict[str, Any]], *, ids: bool) -> list[int]:
    """COPY … FROM STDIN through psycopg, with the values SQLAlchemy's INSERT would have sent: the
    columns' Python defaults for what a row leaves out (callables once per row, as an executemany
    does) and each column type's bind processing (UTCDateTime stores naive UTC)."""
    table, dialect = model.__table__, session.get_bind().dialect
    given = [table.c[key] for key in dict.fromkeys(k for row in rows for k in row)]
    filled = [c for c in table.columns if c not in given and c.default is not None and not c.primary_key]
    callables = [c for c in filled if c.default.is_callable]
    scalars = [c for c in filled if not c.default.is_callable]
    session.flush()  # as session.execute(insert(...)) would: pending records go first
    new_ids: list[int] = []
    if ids:
        new_ids = sorted(session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": len(rows)}))
    columns = ([table.c.id] if ids else []) + given + callables + scalars
    processors = [(i, p) for i, c in enumerate(columns)
                  if (p := c.type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    constants = [c.default.arg for c in scalars]
    quote = dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) FROM STDIN"
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor, cursor.copy(statement) as copy:
        for n, row in enumerate(rows):
            values = ([new_ids[n]] if ids else []) + [row.get(c.key) for c in given] + [
                c.default.arg(None) for c in callables] + constants
            for i, process in processors:
                values[i] = process(values[i])
            copy.write_row(values)
    return new_ids


def _write_customers(session: Any, definition: FormDefinition, clean_rows: list[dict[str, Any]],
                     context: Context) -> int:
    """One customer per (name, mobile) with each of their vehicles; existing customers are reused."""
    known = {(name, mobile): cid for name, mobile, cid in session.execute(
        select(Customer.name, Customer.mobile, Customer.id).where(Customer.dealer_id == context.dealer_id))}
    people: dict[tuple, int | None] = {}
    for clean in clean_rows:
        person = (clean["name"], clean.get("mobile"))
        people.setdefault(person, known.get(person) if person[1] else None)
    new = [p for p, cid in people.items() if cid is None]
    fresh = [{"name": n, "mobile": m} for n, m in new]
    customer_rows = _rows_for(definition, "main", fresh, context)
    if customer_rows:
        ids = insert_rows(session, Customer, customer_rows, ids=True)
        people.update(zip(new, ids))
    with_vehicle = [c for c in clean_rows if any(c.get(f.name) is not None for f in definition.fields
                                                 if f.part == "vehicle")]
    vehicles = _rows_for(definition, "vehicle", with_vehicle, context)
    for row, clean in zip(vehicles, with_vehicle):
        row["customer_id"] = people[(clean["name"], clean.get("mobile"))]
    insert_rows(session, Vehicle, vehicles)
    return len(clean_rows)


def _write_weekly(session: Any, definition: FormDefinition, clean_rows: list[dict[str, Any]],
                  context: Context) -> int:
    weeks = sorted({c["week_start"] for c in clean_rows})
    summaries = {s.week_start: s for s in session.scalars(select(WeeklySummary).where(
        WeeklySummary.campaign_id == context.campaign_id, WeeklySummary.dealer_id == context.dealer_id,
        WeeklySummary.week_start.in_(weeks)))}
    for week in weeks:
        if week in summaries and summaries[week].submitted_at is not None:
            raise ImportRefused(f"{week:%Y-%m-%d} 那一周的汇总表已提交，不能再导入该周的顾客", 409)
    missing = [w for w in weeks if w not in summaries]
    if missing:
        new = _rows_for(definition, "summary", [{"week_start": w} for w in missing], context)
        ids = insert_rows(session, WeeklySummary, new, ids=True)
        summary_ids = {**{w: s.id for w, s in summaries.items()}, **dict(zip(missing, ids))}
    else:
        summary_ids = {w: s.id for w, s in summaries.items()}
    rows = _rows_for(definition, "main", clean_rows, context)
    for row, clean in zip(rows, clean_rows):
        row["summary_id"] = summary_ids[clean["week_start"]]
    insert_rows(session, WeeklySummaryRow, rows)
    return len(rows)


@dataclass
class Confirmed:
    """What a confirmation did: rows written (then status 200), or why nothing was."""

    written: int
    preview: Preview
    status: int = 200
    message: str = ""


def confirm_rows(session: Any, definition: FormDefinition, payload: dict[str, Any], context: Context,
                 *, only_valid: bool) -> Confirmed:
    """Write the stashed rows in the session's transaction, re-checked against the data as it is
    now; the caller commits (or rolls back on ImportRefused, a refusal of the whole file)."""
    preview = preview_from_stash(definition, payload)
    changed = refuse_conflicts(preview, context)  # data may have changed since the preview
    if preview.rejected and not only_valid:
        session.rollback()
        note = "（其中部分行在预览之后才与系统中的数据重复）" if changed else ""
        return Confirmed(0, preview, 409 if changed else 422,
                         f"文件中有 {len(preview.rejected)} 行有问题{note}，未写入任何数据。"
                         "请修正后重新上传，或选择“仅导入有效行”。")
    if not preview.valid:
        session.rollback()
        return Confirmed(0, preview, 422, "没有可导入的有效行，未写入任何数据。")
    count = write_rows(session, definition, [clean for _, clean in preview.valid], context)
    audit_import(session, definition, context, written=count, rejected=len(preview.rejected),
                 filename=preview.filename)
    return Confirmed(count, preview)


def audit_import(session: Any, definition: FormDefinition, context: Context, *, written: int,
                 rejected: int, filename: str) -> None:
    session.add(AuditLog(user_id=getattr(context.user, "id", None), action="import",
                         entity=definition.model.__name__, dealer_id=context.dealer_id,
                         detail=f"导入 {written} 行（文件 {filename}，拒绝 {rejected} 行）", at=utcnow()))


# --- the stash between preview and confirmation --------------------------------------------------
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
STASH_HOURS = 6


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    return {"date": dt.date.fromisoformat, "datetime": dt.datetime.fromisoformat,
            "time": dt.time.fromisoformat, "decimal": Decimal}.get(kind, lambda v: v)(value)


class Stash:
    """Checked rows kept in the database (models.imports.ImportJob), named by an unguessable token,
    so that whichever web process gets the confirmation finds them.

    Only the uploading user can use a token; it is consumed on confirmation (a second confirm of
    the same preview finds nothing), and jobs older than STASH_HOURS are swept away. Each method
    commits its own change: the stash outlives the request's transaction, whatever that does.
    """

    def __init__(self, session: Any) -> None:
        self.session = session

    def job(self, token: str, user_id: int | None) -> Any:
        if not _TOKEN.match(token or "") or user_id is None:
            return None
        return self.session.scalar(select(ImportJob).where(ImportJob.token == token,
                                                           ImportJob.user_id == user_id))

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)

    def put(self, preview: Preview, context: Context) -> str:
        self.sweep()
        job = ImportJob(token=self.new_token(), user_id=getattr(context.user, "id", None),
                        form=preview.definition.key, dealer_id=context.dealer_id,
                        campaign_id=context.campaign_id)
        self.save(job, preview)
        self.session.add(job)
        self.session.commit()
        return job.token

    @staticmethod
    def save(job: Any, preview: Preview) -> None:
        """The checked rows onto the job, ready for confirmation."""
        payload = {
            "filename": preview.filename, "headings": preview.headings, "notices": preview.notices,
            "valid": [[n, {k: _encode(v) for k, v in clean.items()}, preview.cells.get(n, [])]
                      for n, clean in preview.valid],
            "rejected": [[n, cells, reasons] for n, cells, reasons in preview.rejected],
        }
        job.filename, job.state, job.upload = preview.filename, "ready", None
        job.done = job.total = preview.total
        job.payload = _pack(payload)

    @staticmethod
    def payload(job: Any) -> dict[str, Any]:
        return {**_unpack(job.payload), "form": job.form, "user_id": job.user_id,
                "dealer_id": job.dealer_id, "campaign_id": job.campaign_id}

    def get(self, token: str, user_id: int) -> dict[str, Any] | None:
        """The job's rows: all of them while it waits for confirmation, the refused ones once done."""
        job = self.job(token, user_id)
        if job is None or job.state not in ("ready", "done") or job.payload is None:
            return None
        return self.payload(job)

    def claim(self, token: str, user_id: int) -> dict[str, Any] | None:
        """Take the stash for writing; a concurrent or repeated confirmation gets None."""
        payload = self.get(token, user_id)
        if payload is None or "valid" not in payload:
            return None
        taken = self.session.execute(update(ImportJob).where(
            ImportJob.token == token, ImportJob.state == "ready").values(state="claimed", updated_at=utcnow()))
        self.session.commit()
        return payload if taken.rowcount == 1 else None

    @staticmethod
    def keep_rejected(job: Any, payload: dict[str, Any]) -> None:
        """Written: keep only the refused rows (for rejected.csv), in the writing transaction."""
        job.state = "done"
        job.payload = _pack({k: payload[k] for k in ("filename", "headings", "rejected")})

    def finish(self, token: str, payload: dict[str, Any], *, written: bool) -> None:
        """After writing keep only the refused rows; after a failure, make it confirmable again."""
        job = self.session.scalar(select(ImportJob).where(ImportJob.token == token))
        if written:
            self.keep_rejected(job, payload)
        else:
            job.state = "ready"
        self.session.commit()

    def sweep(self) -> None:
        limit = utcnow() - dt.timedelta(hours=STASH_HOURS)
        self.session.execute(delete(ImportJob).where(ImportJob.updated_at < limit))


def _pack(payload: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(payload, ensure_ascii=False).encode("utf-8"), 1)


def _unpack(data: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(data).decode("utf-8"))


def preview_from_stash(definition: FormDefinition, payload: dict[str, Any]) -> Preview:
    kinds = {f.name: f.kind for f in definition.fields}
    preview = Preview(definition, payload["filename"], [], headings=payload["headings"],
                      notices=payload["notices"])
    preview.valid = [(n, {k: _decode_value(kinds[k], v) for k, v in clean.items()})
                     for n, clean, _ in payload["valid"]]
    preview.cells = {n: cells for n, _, cells in payload["valid"]}
    preview.rejected = [(n, cells, reasons) for n, cells, reasons in payload["rejected"]]
    return preview


def rejected_csv(headings: list[str], rejected: list[list[Any]]) -> bytes:
    """The refused rows as the user sent them plus 行号 and 错误原因, UTF-8 with BOM for Excel."""
    from .excel import neutralise_csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["行号", "错误原因", *headings])
    for number, cells, reasons in rejected:
        writer.writerow([number, "；".join(reasons), *(neutralise_csv(c) for c in cells)])
    return out.getvalue().encode("utf-8-sig")


__all__ = ["Confirmed", "Context", "ImportRefused", "Preview", "Stash", "check_file", "confirm_rows",
           "write_rows", "read_table",
           "refuse_conflicts", "rejected_csv", "preview_from_stash", "audit_import"]
