"""One rule for ownership: links never cross dealers (DESIGN §6).

Every many-to-one link from a record to a dealer-owned record (customer, vehicle, sign-in, work
order, advisor…) must stay inside the record's dealer and campaign, and a record's own inline rows
(a customer's vehicles) belong to its dealer. The rule reads the values being saved — the relation a
form just set — not the foreign-key column, which still holds the stored (stale) value until the
session flushes. Screens, the import and actions all reach it through Validated.validation_problems.
HQ people (no dealer) may be linked to any dealer's record.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import RelationshipDirection
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.orm.base import PASSIVE_NO_INITIALIZE

from .forms_rules import Problem, label

OWNERS = (("dealer", "属于其他特约店"), ("campaign", "不属于本活动"))


def current_target(obj: Any, key: str) -> Any:
    """The related record as it will be saved: one just assigned, else the stored one."""
    state = inspect(obj)
    added = _added(obj, key)
    if added:
        return added[0]
    if key in state.dict:
        return state.dict[key]
    rel = state.mapper.relationships[key]
    fk = getattr(obj, next(iter(rel.local_columns)).key, None)
    if fk is None or state.session is None:
        return None
    return state.session.get(rel.mapper.class_, fk)


def _added(obj: Any, key: str) -> Any:
    # state.attrs[key].history without state.attrs, which builds every attribute's state: the
    # same history (unloaded values are not loaded) at a fraction of a 100,000-row import's cost
    return get_history(obj, key, passive=PASSIVE_NO_INITIALIZE).added


def current_id(obj: Any, key: str) -> Any:
    """The id of obj's `key` relation (dealer, campaign…) as it will be saved."""
    mapper = inspect(type(obj))
    if key in mapper.relationships and (added := _added(obj, key)):
        return getattr(added[0], "id", None)
    value = getattr(obj, f"{key}_id", None)
    if value is None and key in mapper.relationships:
        value = getattr(inspect(obj).dict.get(key), "id", None)
    return value


@cache  # per model: mappers do not change once configured; the import asks twice per row
def _owned_by(cls: type, owner: str) -> bool:
    return f"{owner}_id" in inspect(cls).columns


@cache
def links(model: type) -> tuple[Any, ...]:
    """The many-to-one relations of `model` to records that have a dealer (the walk the tests repeat)."""
    return tuple(rel for rel in inspect(model).relationships
                 if rel.direction is RelationshipDirection.MANYTOONE and rel.key not in ("dealer", "campaign")
                 and _owned_by(rel.mapper.class_, "dealer"))


@cache
def children(model: type) -> tuple[Any, ...]:
    """Inline rows of `model` that carry their own dealer (a customer's vehicles)."""
    return tuple(rel for rel in inspect(model).relationships
                 if rel.uselist and "delete-orphan" in rel.cascade and _owned_by(rel.mapper.class_, "dealer"))


def link_problems(obj: Any) -> Iterator[str]:
    """Every link of obj that leaves obj's dealer or campaign, as a message under its field."""
    mine = {owner: current_id(obj, owner) for owner, _ in OWNERS if _owned_by(type(obj), owner)}
    for rel in links(type(obj)):
        target = current_target(obj, rel.key)
        if target is None:
            continue
        for owner, word in OWNERS:
            theirs = current_id(target, owner) if _owned_by(type(target), owner) else None
            if mine.get(owner) is not None and theirs is not None and mine[owner] != theirs:
                yield Problem(f"“{label(obj, rel.key)}”{target}{word}", rel.key)
    for rel in children(type(obj)):
        for n, row in enumerate(getattr(obj, rel.key) or []):
            theirs = current_id(row, "dealer")
            if mine.get("dealer") is not None and theirs is not None and theirs != mine["dealer"]:
                yield Problem(f"{row}属于其他特约店，不能在此修改", f"{rel.key}-{n}")


def dealer_move(obj: Any) -> tuple[int, int] | None:
    """(stored dealer, new dealer) when this save moves a stored record to another dealer, else None."""
    state = inspect(obj)
    if state.session is None or "dealer_id" not in state.mapper.columns or obj.id is None:
        return None
    with state.session.no_autoflush:
        old = state.session.scalar(select(type(obj).dealer_id).where(type(obj).id == obj.id))
    new = current_id(obj, "dealer")
    return (old, new) if old is not None and new is not None and old != new else None


def moved_problem(obj: Any) -> str | None:
    """A record moved to another dealer must not leave its linked records behind at the old one.

    Moving is an HQ correction (models.certify.edit_problem); rather than silently re-home a
    customer's vehicles or visits, it is refused while other records of the old dealer point at it.
    """
    if (move := dealer_move(obj)) is None:
        return None
    old, state, session = move[0], inspect(obj), inspect(obj).session
    with session.no_autoflush:
        total = 0
        for other in state.mapper.registry.mappers:
            table = other.local_table
            if "dealer_id" not in table.c:
                continue
            for fk in table.foreign_keys:
                if fk.column.table is state.mapper.local_table:
                    total += session.scalar(select(func.count()).select_from(table).where(
                        fk.parent == obj.id, table.c.dealer_id == old)) or 0
    if total:
        return f"该记录仍被原特约店的 {total} 条记录引用，不能改到其他特约店；请先处理这些记录"
    return None
