"""One generic print context for every record, built from the models' Column.info.

Every column is declared with `field(label, ..., choices=...)` (models/base.py), so the label and
choices the screen shows are the ones printed here; a field added to a model appears on its print
page and its blank paper form without touching a template. Child rows (one-to-many relationships
with cascade delete-orphan: WorkOrder.items, PlanMeeting.goals, …) print as tables.

A blank form is the same definition with no values: every field becomes a line to fill, choices
become □ boxes to tick, child tables get empty rows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Column, Numeric, Text, Time
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import RelationshipProperty

from models.base import UTCDateTime
from web import LOCAL_TZ

CHECKED, UNCHECKED = "■", "□"
SKIPPED_COLUMNS = {"id", "version_id", "created_at", "updated_at"}
HEADER_KEYS = ("campaign", "dealer")  # printed in the page head, not in the field grid
BLANK_CHILD_ROWS = 8
# A long table prints as pieces of this many rows, each with its own header row, each kept on one
# page (page-break-inside: avoid on the piece): wkhtmltopdf's unpatched Qt repeats <thead> only
# now and then and may leave a header alone at the foot of a page.
ROWS_PER_PIECE = 20
SIGN_IN_SHEET_ROWS = 20
SIGN_IN_SHEET_SKIP = {"customer", "walk_in", "channel"}  # linked / derived in the system;
# a paper sheet is by definition the front-desk channel


@dataclass
class PrintField:
    key: str
    label: str
    text: str = ""                      # the value as printed; "" prints as a line to fill
    kind: str = "line"                  # line | text (multi-line) | choice | bool
    options: list[tuple[str, bool]] = field(default_factory=list)  # (label, ticked) for blanks
    help: str | None = None
    unit: str | None = None             # printed after the line, e.g. "mm"
    mark: str = ""                      # e.g. ★ for a safety-critical checklist row

    @property
    def blank(self) -> bool:
        return self.text == ""

    @property
    def wide(self) -> bool:
        return self.kind == "text"


@dataclass
class PrintTable:
    key: str
    label: str
    columns: list[PrintField]           # header cells (label, kind)
    rows: list[list[PrintField]]

    def column(self, key: str) -> PrintField:
        return next(c for c in self.columns if c.key == key)

    @property
    def pieces(self) -> list[list[list[PrintField]]]:
        return pieces(self.rows)


def pieces(rows: list[Any], size: int = ROWS_PER_PIECE) -> list[list[Any]]:
    """`rows` cut into page-sized pieces; an empty table is one empty piece (it still prints)."""
    return [rows[i:i + size] for i in range(0, len(rows), size)] or [[]]


@dataclass
class PrintDocument:
    title: str
    blank: bool
    fields: list[PrintField]
    tables: list[PrintTable]
    header: dict[str, PrintField]
    record_id: int | None = None
    printed_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def field(self, key: str) -> PrintField:
        for f in [*self.header.values(), *self.fields]:
            if f.key == key:
                return f
        raise KeyError(key)

    def table(self, key: str) -> PrintTable:
        return next(t for t in self.tables if t.key == key)

    @property
    def grid(self) -> list[PrintField]:
        return [f for f in self.fields if not f.wide]

    @property
    def wide_fields(self) -> list[PrintField]:
        return [f for f in self.fields if f.wide]


# --- the definition: which columns print, under which label ---------------------------------------
def _relationship_for(mapper: Any, column: Column) -> RelationshipProperty | None:
    for rel in mapper.relationships:
        if rel.direction.name == "MANYTOONE" and column in rel.local_columns:
            return rel
    return None


def printable_columns(model: type, parent_fk: set[str] | None = None) -> list[tuple[str, Column, Any]]:
    """(attribute key, column, many-to-one relationship or None) in declaration order.

    Only labelled columns print (so secrets like password_hash never do); foreign keys print
    through their relationship's str(), and keys without a relationship are skipped.
    """
    mapper = sa_inspect(model)
    out = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if prop.key in SKIPPED_COLUMNS or column.primary_key or "label" not in column.info:
            continue
        if parent_fk and column.key in parent_fk:
            continue
        rel = None
        if column.foreign_keys:
            rel = _relationship_for(mapper, column)
            if rel is None:
                continue
        out.append((rel.key if rel is not None else prop.key, column, rel))
    return out


def child_relationships(model: type) -> list[RelationshipProperty]:
    return [rel for rel in sa_inspect(model).relationships
            if rel.uselist and rel.direction.name == "ONETOMANY" and "delete-orphan" in rel.cascade]


def child_label(rel: RelationshipProperty) -> str:
    return rel.info.get("label") or rel.key


# --- values -----------------------------------------------------------------------------------------
def _kind(column: Column) -> str:
    if "choices" in column.info or "scale" in column.info:
        return "choice"
    if isinstance(column.type, Boolean):
        return "bool"
    if isinstance(column.type, Text):
        return "text"
    return "line"


def format_value(value: Any, column: Column) -> str:
    if value is None or value == "":
        return ""
    choices = column.info.get("choices")
    if choices:
        keys = [k.strip() for k in str(value).split(",") if k.strip()]
        return "、".join(choices.get(k, k) for k in keys)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None or isinstance(column.type, UTCDateTime):
            value = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(LOCAL_TZ)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time) or isinstance(column.type, Time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        scale = getattr(column.type, "scale", None) if isinstance(column.type, Numeric) else None
        return f"{value:,.{scale if scale is not None else 2}f}"
    return str(value)


def _options(column: Column, value: Any) -> list[tuple[str, bool]]:
    if "choices" in column.info:
        picked = {k.strip() for k in str(value or "").split(",")}
        return [(label, key in picked) for key, label in column.info["choices"].items()]
    if "scale" in column.info:
        low, high = column.info["scale"]
        return [(str(n), value == n) for n in range(low, high + 1)]
    if isinstance(column.type, Boolean):
        return [("是", value is True), ("否", value is False)]
    return []


def make_field(key: str, column: Column, value: Any = None, *, blank: bool = False) -> PrintField:
    kind = _kind(column)
    return PrintField(key=key, label=column.info["label"], kind=kind,
                      text="" if blank else format_value(value, column),
                      options=_options(column, None if blank else value),
                      help=column.info.get("help"))


def related_field(obj: Any, path: str, model: type, attr: str, *, key: str | None = None) -> PrintField:
    """A field of a related record (e.g. the work order's vehicle plate) under its own label."""
    column = sa_inspect(model).columns[attr]
    target = getattr(obj, path, None) if obj is not None else None
    return make_field(key or f"{path}.{attr}", column,
                      getattr(target, attr, None) if target is not None else None,
                      blank=target is None)


def _value(obj: Any, key: str, rel: Any) -> Any:
    value = getattr(obj, key, None)
    return str(value) if rel is not None and value is not None else value


def _child_table(rel: RelationshipProperty, parent: Any, blank_rows: int,
                 known: list[dict[str, Any]] | None = None) -> PrintTable:
    """`known`: the rows a blank form already lists (the 6 rating items, the 10 dealer duties)."""
    child = rel.mapper.class_
    parent_fk = {c.key for c in rel.remote_side}
    cols = printable_columns(child, parent_fk)
    header = [make_field(key, column, blank=True) for key, column, _ in cols]
    rows = []
    children = list(getattr(parent, rel.key) or []) if parent is not None else []
    if parent is None and known:
        children, blank_rows = [child(**values) for values in known], 0
    if children and "position" in sa_inspect(child).columns and rel.order_by is False:
        children.sort(key=lambda c: (c.position is None, c.position))
    for row in children:
        rows.append([make_field(key, column, _value(row, key, r)) for key, column, r in cols])
    for _ in range(blank_rows if not children else 0):
        rows.append([make_field(key, column, blank=True) for key, column, _ in cols])
    return PrintTable(key=rel.key, label=child_label(rel), columns=header, rows=rows)


def print_document(model: type, obj: Any = None, *, title: str,
                   defaults: dict[str, Any] | None = None,
                   blank_rows: int = BLANK_CHILD_ROWS) -> PrintDocument:
    """The print context of `obj`, or of a blank `model` form when obj is None.

    `defaults` pre-fills header values of a blank form (the user's dealer, a chosen campaign) and
    lists the rows its child tables already have (inline rows, as the screen's form opens with).
    A blank form leaves out links to other records (签到记录, 工单…): the system makes those, not a pen.
    """
    blank = obj is None
    defaults = defaults or {}
    fields, header = [], {}
    for key, column, rel in printable_columns(model):
        if blank and rel is not None and key not in HEADER_KEYS and rel.mapper.class_.__name__ != "User":
            continue
        if blank and key in defaults and defaults[key] is not None:
            f = make_field(key, column, str(defaults[key]))
        else:
            f = make_field(key, column, None if blank else _value(obj, key, rel), blank=blank)
        if key in HEADER_KEYS:
            header[key] = f
        else:
            fields.append(f)
    tables = [_child_table(rel, obj, blank_rows if blank else 3, defaults.get(rel.key))
              for rel in child_relationships(model)]
    return PrintDocument(title=title, blank=blank, fields=fields, tables=tables, header=header,
                         record_id=None if blank else obj.id,
                         printed_at=dt.datetime.now(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"))


# --- 免费检测报告 (work order): the generic document plus customer/vehicle and checklist ----------------
WORK_ORDER_COPIES = [
    ("第一联", "信息反馈联", "交厂家：作为礼品发放与工时补偿的依据"),
    ("第二联", "特约店留存联", "特约店留存备查"),
    ("第三联", "客户联", "交顾客：您的车辆免费检测报告，附标准对比"),
]


def work_order_document(obj: Any = None, *, title: str = "免费检测报告",
                        campaign: Any = None, defaults: dict[str, Any] | None = None) -> PrintDocument:
    from models import Customer, Vehicle, WorkOrder
    from models.checklists import DEFAULT_21, REFERENCES

    doc = print_document(WorkOrder, obj, title=title, defaults=defaults, blank_rows=0)
    doc.extra["customer"] = [related_field(obj, "customer", Customer, "name"),
                             related_field(obj, "customer", Customer, "mobile")]
    doc.extra["vehicle"] = [related_field(obj, "vehicle", Vehicle, attr)
                            for attr in ("plate", "vin", "model")]
    doc.extra["copies"] = WORK_ORDER_COPIES
    items = doc.table("items")
    campaign = campaign if campaign is not None else getattr(obj, "campaign", None)
    template = getattr(campaign, "checklist_template", None)
    if obj is None or not items.rows or all(r[0].blank for r in items.rows):
        # a paper form lists the campaign's checklist (its template version, else the default 21+1)
        entries = [(i.name, i.unit, i.safety_critical) for i in template.items] if template \
            else list(DEFAULT_21)
        cols = {c.key: c for c in items.columns}
        items.rows = []
        for position, (name, unit, safety) in enumerate(entries, start=1):
            row = []
            for key, col in cols.items():
                cell = PrintField(key=key, label=col.label, kind=col.kind, options=list(col.options))
                if key == "position":
                    cell.text = str(position)
                elif key == "name":
                    cell.text = name
                elif key == "safety_critical":
                    cell.text, cell.options = ("是" if safety else "否"), []
                elif key == "measured":
                    cell.unit = unit
                row.append(cell)
            items.rows.append(row)
    units = {i.name: i.unit for i in template.items} if template else {n: u for n, u, _ in DEFAULT_21}
    # a template from before references existed falls back to the defaults for its items' names
    references = {i.name: i.reference or REFERENCES.get(i.name) for i in template.items} if template \
        else REFERENCES
    items.columns.append(PrintField(key="reference", label="标准对比"))
    for row in items.rows:
        cells = {c.key: c for c in row}
        row.append(PrintField(key="reference", label="标准对比",
                              text=references.get(cells["name"].text if "name" in cells else "") or ""))
        if "safety_critical" in cells and cells["safety_critical"].text == "是":
            cells["name"].mark = "★"
        if "measured" in cells and cells["measured"].unit is None and "name" in cells:
            unit = units.get(cells["name"].text)
            if unit and not (cells["measured"].text or "").endswith(unit):
                cells["measured"].unit = unit
    return doc
