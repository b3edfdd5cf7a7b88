"""Field rules of every form, declared once on the model (`form_rules`), read by the screen
and the import alike. Each rule takes a record and yields Chinese messages; labels come from
Column.info, so a message names the field exactly as the screen and the Excel template do.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import inspect

from .base import LOCAL_TZ, local_date, local_today  # noqa: F401  (re-exported)
from .validators import mobile_problem, plate_problem, vin_problem

Rule = Callable[[Any], Iterator[str]]


class Problem(str):
    """A rule's message that knows the field it belongs to (`field`, a form field name such as
    "plate" or, in an inline row, "items-0-name"); it is still the plain Chinese text everywhere
    else (the importer, validation_problem()), only the screen reads `field` to show it under it."""

    field: str | None

    def __new__(cls, message: str, field: str | None = None) -> Problem:
        problem = super().__new__(cls, message)
        problem.field = field
        return problem


def field_of(message: str) -> str | None:
    return getattr(message, "field", None)


def label(obj: Any, key: str) -> str:
    return _label(obj if isinstance(obj, type) else type(obj), key)


@functools.cache  # a bulk import asks once per row and field
def _label(model: type, key: str) -> str:
    columns = inspect(model).columns
    column = columns.get(key) if key in columns else columns.get(f"{key}_id")
    return column.info.get("label", key) if column is not None else key


def _value(obj: Any, key: str) -> Any:
    value = getattr(obj, key, None)
    if value is None and hasattr(obj, f"{key}_id"):  # a relation given by id (import, tests)
        value = getattr(obj, f"{key}_id")
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def campaign_of(obj: Any) -> Any:
    campaign = getattr(obj, "campaign", None)
    if campaign is None and getattr(obj, "campaign_id", None) is not None:
        from . import Campaign, db

        campaign = db.session.get(Campaign, obj.campaign_id)
    return campaign


# --- rules ------------------------------------------------------------------------------------
def required(*keys: str) -> Rule:
    def rule(obj: Any) -> Iterator[str]:
        for key in keys:
            if _blank(_value(obj, key)):
                yield Problem(f"请填写“{label(obj, key)}”", key)
    return rule


def _per_value(problem: Callable[[str], str | None], keys: tuple[str, ...]) -> Rule:
    def rule(obj: Any) -> Iterator[str]:
        for key in keys:
            value = getattr(obj, key, None)
            if not _blank(value) and (message := problem(value)):
                yield Problem(message, key)
    return rule


def valid_mobile(*keys: str) -> Rule:
    return _per_value(mobile_problem, keys)


def valid_plate(*keys: str) -> Rule:
    return _per_value(plate_problem, keys)


def valid_vin(*keys: str) -> Rule:
    return _per_value(vin_problem, keys)


def between(key: str, low: int | Decimal, high: int | Decimal) -> Rule:
    def rule(obj: Any) -> Iterator[str]:
        value = getattr(obj, key, None)
        if value is not None and not low <= value <= high:
            yield Problem(f"“{label(obj, key)}”应在 {low} 至 {high} 之间（填写的是 {value}）", key)
    return rule


def non_negative(*keys: str) -> Rule:
    def rule(obj: Any) -> Iterator[str]:
        for key in keys:
            value = getattr(obj, key, None)
            if value is not None and value < 0:
                yield Problem(f"“{label(obj, key)}”不能为负数", key)
    return rule


def ordered(start: str, end: str, *, strict: bool = False) -> Rule:
    """`end` not before `start` (strictly after when `strict`, e.g. a time slot)."""
    def rule(obj: Any) -> Iterator[str]:
        first, last = getattr(obj, start, None), getattr(obj, end, None)
        if first is not None and last is not None and (last <= first if strict else last < first):
            word = "必须晚于" if strict else "不能早于"
            yield Problem(f"“{label(obj, end)}”{word}“{label(obj, start)}”", end)
    return rule


def in_window(key: str, *, grace_days: int = 0) -> Rule:
    """The date lies inside the campaign's execution window (plus `grace_days` after its end)."""
    def rule(obj: Any) -> Iterator[str]:
        value, campaign = getattr(obj, key, None), campaign_of(obj)
        if value is None or campaign is None or not campaign.starts_on or not campaign.ends_on:
            return
        day, last = local_date(value), campaign.ends_on + dt.timedelta(days=grace_days)
        if not campaign.starts_on <= day <= last:
            yield Problem(f"“{label(obj, key)}” {day:%Y-%m-%d} 不在活动“{campaign.name}”的执行期"
                          f"（{campaign.starts_on:%Y-%m-%d} 至 {last:%Y-%m-%d}）内", key)
    return rule


def _normalized(key: str, value: Any) -> Any:
    from .validators import normalize_mobile, normalize_plate

    normalize = {"mobile": normalize_mobile, "plate": normalize_plate,
                 "vin": lambda v: v.strip().upper()}.get(key)
    return normalize(value) if normalize and isinstance(value, str) else value


def stored_rows(obj: Any, **values: Any) -> Any:
    """A select of the other stored rows of obj's model with these column values."""
    from sqlalchemy import select

    model = type(obj)
    stmt = select(model).where(*[getattr(model, k) == v for k, v in values.items()])
    if getattr(obj, "id", None) is not None:
        stmt = stmt.where(model.id != obj.id)
    return stmt.order_by(model.id)


def unique_per_dealer_campaign(*keys: str | tuple[str, ...], list_name: str) -> Rule:
    """No two rows of one dealer in one campaign share any of these values (e.g. a plate, a mobile);
    the message names the row already there.

    The same keys drive the import's duplicate check (`rule.unique_keys`, read by
    forms.definitions), which checks a whole file against stored rows at once; so this rule only
    runs for a record about to be stored (in the session), never for an import row in preview.
    """
    specs = tuple((k,) if isinstance(k, str) else tuple(k) for k in keys)

    def rule(obj: Any) -> Iterator[str]:
        from . import db

        from .ownership import current_id

        dealer, campaign = current_id(obj, "dealer"), current_id(obj, "campaign")
        if dealer is None or campaign is None or inspect(obj).session is None:
            return
        for spec in specs:
            values = {k: _normalized(k, getattr(obj, k, None)) for k in spec}
            if any(_blank(v) for v in values.values()):
                continue
            existing = db.session.scalar(stored_rows(obj, dealer_id=dealer, campaign_id=campaign,
                                                     **values).limit(1))
            if existing is not None:
                shown = "、".join(f"{label(obj, k)}“{v}”" for k, v in values.items())
                yield Problem(f"{shown}已在本店本活动的{list_name}中：{existing}（编号 {existing.id}），"
                              f"不能重复登记", spec[-1])

    rule.unique_keys = specs  # type: ignore[attr-defined]
    return rule


def unique_keys_of(model: type) -> tuple[tuple[str, ...], ...]:
    """The keys of the model's unique_per_dealer_campaign rule(s), for the import."""
    return tuple(spec for rule in model.form_rules for spec in getattr(rule, "unique_keys", ()))


def stored_value(obj: Any, key: str) -> Any:
    """The value of column `key` as stored in the database (None for a record not yet stored)."""
    state = inspect(obj)
    if state.transient or state.pending:
        return None
    history = state.attrs[key].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else getattr(obj, key, None)


def each_row(relation: str, *rules: Rule, row_name: str = "第{n}行") -> Rule:
    """Apply `rules` to every inline row; messages say which row."""
    def rule(obj: Any) -> Iterator[str]:
        for n, row in enumerate(getattr(obj, relation, None) or [], start=1):
            for child_rule in rules:
                for message in child_rule(row):
                    child = field_of(message)
                    yield Problem(f"{row_name.format(n=n, row=row)}：{message}",
                                  f"{relation}-{n - 1}-{child}" if child else relation)
    return rule


def check(method: Callable[[Any], Iterator[str] | str | None], field: str | None = None) -> Rule:
    """A model-specific rule written as a method yielding (or returning) messages; `field` names
    the form field its messages belong to (a message that is already a Problem keeps its own)."""
    def rule(obj: Any) -> Iterator[str]:
        result = method(obj)
        for message in [result] if isinstance(result, str) else result or ():
            yield message if field is None or field_of(message) else Problem(message, field)
    return rule


class Validated:
    """Records whose form declares `form_rules`; the admin base calls validation_problem()."""

    form_rules: ClassVar[tuple[Rule, ...]] = ()

    def validation_problems(self) -> list[str]:
        from . import db
        from .ownership import link_problems, moved_problem

        with db.session.no_autoflush:  # never flush a half-checked record to answer a rule
            problems = [message for rule in self.form_rules for message in rule(self)]
            # links never cross dealers: one rule for every model, not a list each model keeps
            problems += list(link_problems(self))
            if inspect(self).persistent and (moved := moved_problem(self)):
                problems.append(moved)
            return problems

    def validation_problem(self) -> str | None:
        """All messages as one text (the importer's and the flash's form)."""
        return "；".join(self.validation_problems()) or None

    def validation_problems_by_field(self) -> dict[str | None, list[str]]:
        """The messages grouped by the form field they belong to (None: the record as a whole)."""
        grouped: dict[str | None, list[str]] = {}
        for message in self.validation_problems():
            grouped.setdefault(field_of(message), []).append(str(message))
        return grouped
