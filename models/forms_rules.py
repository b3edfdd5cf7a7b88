"""Field rules of every form, declared once on the model (`form_rules`), read by the screen
and the import alike. Each rule takes a record and yields Chinese messages; labels come from
Column.info, so a message names the field exactly as the screen and the Excel template do.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import inspect

from .base import LOCAL_TZ, local_date, local_today  # noqa: F401  (re-exported)
from .validators import mobile_problem, plate_problem, vin_problem

Rule = Callable[[Any], Iterator[str]]


def label(obj: Any, key: str) -> str:
    columns = inspect(obj if isinstance(obj, type) else type(obj)).columns
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
                yield f"请填写“{label(obj, key)}”"
    return rule


def _per_value(problem: Callable[[str], str | None], keys: tuple[str, ...]) -> Rule:
    def rule(obj: Any) -> Iterator[str]:
        for key in keys:
            value = getattr(obj, key, None)
            if not _blank(value) and (message := problem(value)):
                yield message
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
            yield f"“{label(obj, key)}”应在 {low} 至 {high} 之间（填写的是 {value}）"
    return rule


def non_negative(*keys: str) -> Rule:
    def rule(obj: Any) -> Iterator[str]:
        for key in keys:
            value = getattr(obj, key, None)
            if value is not None and value < 0:
                yield f"“{label(obj, key)}”不能为负数"
    return rule


def ordered(start: str, end: str, *, strict: bool = False) -> Rule:
    """`end` not before `start` (strictly after when `strict`, e.g. a time slot)."""
    def rule(obj: Any) -> Iterator[str]:
        first, last = getattr(obj, start, None), getattr(obj, end, None)
        if first is not None and last is not None and (last <= first if strict else last < first):
            word = "必须晚于" if strict else "不能早于"
            yield f"“{label(obj, end)}”{word}“{label(obj, start)}”"
    return rule


def in_window(key: str, *, grace_days: int = 0) -> Rule:
    """The date lies inside the campaign's execution window (plus `grace_days` after its end)."""
    def rule(obj: Any) -> Iterator[str]:
        value, campaign = getattr(obj, key, None), campaign_of(obj)
        if value is None or campaign is None or not campaign.starts_on or not campaign.ends_on:
            return
        day, last = local_date(value), campaign.ends_on + dt.timedelta(days=grace_days)
        if not campaign.starts_on <= day <= last:
            yield (f"“{label(obj, key)}” {day:%Y-%m-%d} 不在活动“{campaign.name}”的执行期"
                   f"（{campaign.starts_on:%Y-%m-%d} 至 {last:%Y-%m-%d}）内")
    return rule


def _owner_id(obj: Any, key: str) -> Any:
    value = getattr(obj, f"{key}_id", None)
    return value if value is not None else getattr(getattr(obj, key, None), "id", None)


def same_owner(*keys: str) -> Rule:
    """A related record (customer, advisor, sign-in…) belongs to this record's dealer and campaign.

    HQ people (no dealer) may be linked to any dealer's record.
    """
    def rule(obj: Any) -> Iterator[str]:
        for key in keys:
            target = getattr(obj, key, None)
            if target is None:
                continue
            for owner, word in (("dealer", "属于其他特约店"), ("campaign", "不属于本活动")):
                mine, theirs = _owner_id(obj, owner), _owner_id(target, owner)
                if mine is not None and theirs is not None and mine != theirs:
                    yield f"“{label(obj, key)}”{target}{word}"
    return rule


def each_row(relation: str, *rules: Rule, row_name: str = "第{n}行") -> Rule:
    """Apply `rules` to every inline row; messages say which row."""
    def rule(obj: Any) -> Iterator[str]:
        for n, row in enumerate(getattr(obj, relation, None) or [], start=1):
            for child_rule in rules:
                for message in child_rule(row):
                    yield f"{row_name.format(n=n, row=row)}：{message}"
    return rule


def check(method: Callable[[Any], Iterator[str] | str | None]) -> Rule:
    """A model-specific rule written as a method yielding (or returning) messages."""
    def rule(obj: Any) -> Iterator[str]:
        result = method(obj)
        if isinstance(result, str):
            yield result
        elif result is not None:
            yield from result
    return rule


class Validated:
    """Records whose form declares `form_rules`; the admin base calls validation_problem()."""

    form_rules: ClassVar[tuple[Rule, ...]] = ()

    def validation_problems(self) -> list[str]:
        from . import db

        with db.session.no_autoflush:  # never flush a half-checked record to answer a rule
            return [message for rule in self.form_rules for message in rule(self)]

    def validation_problem(self) -> str | None:
        return "；".join(self.validation_problems()) or None
