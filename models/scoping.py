"""The one dealer-scoping helper (redash's BelongsToOrgMixin, healthchecks' _get_check_for_user).

Every query path — admin list/count/detail/edit/delete/export, relation
dropdowns, ajax lookups, PDFs, flows acting for a user — goes through
`scoped()` or `get_or_404()`, so no view writes its own ownership check.
"""
from __future__ import annotations

from typing import Any, TypeVar

from flask import abort
from sqlalchemy import Select, false, select, true
from sqlalchemy.sql.elements import ColumnElement

from . import db
from .audit import AuditLog, Notification
from .campaign import GateApproval
from .org import Dealer, Region, User, coach_dealer
from .planning import PlanMeeting

T = TypeVar("T")


def visible_dealer_ids(user: User | None) -> Select | None:
    """Sub-select of the dealers this user may see; None means every dealer."""
    if user is None or not getattr(user, "is_authenticated", False):
        return select(Dealer.id).where(false())
    if user.role in ("hq_admin", "call_center"):
        return None
    if user.role == "regional_manager":
        return select(Dealer.id).where(Dealer.region_id == user.region_id)
    if user.role == "coach":
        return select(coach_dealer.c.dealer_id).where(coach_dealer.c.user_id == user.id)
    return select(Dealer.id).where(Dealer.id == user.dealer_id)


def _hq_only_rows(col: Any, user: User, ids: Select) -> ColumnElement[bool]:
    # Records without a dealer (HQ-level plans, campaign gates) are visible to HQ roles only.
    return col.in_(ids) | (col.is_(None) & (true() if user.is_hq else false()))


def scope_clause(model: type, user: User | None) -> ColumnElement[bool] | None:
    """WHERE clause restricting `model` to what `user` may see, None when unrestricted."""
    if user is not None and getattr(user, "is_authenticated", False) and model is Notification:
        return Notification.user_id == user.id
    ids = visible_dealer_ids(user)
    if ids is None:
        return None
    if model is Dealer:
        return Dealer.id.in_(ids)
    if model is Region:
        return Region.id.in_(select(Dealer.region_id).where(Dealer.id.in_(ids)))
    if model is User:
        return User.dealer_id.in_(ids) | (User.id == user.id)
    if model in (PlanMeeting, GateApproval, AuditLog):
        return _hq_only_rows(model.dealer_id, user, ids)
    if hasattr(model, "dealer_id"):
        return model.dealer_id.in_(ids)
    # Campaigns, templates and rules are HQ-published reference data, readable by all.
    return None


def scoped(stmt_or_query: T, model: type, user: User | None) -> T:
    clause = scope_clause(model, user)
    if clause is None:
        return stmt_or_query
    return stmt_or_query.where(clause) if isinstance(stmt_or_query, Select) \
        else stmt_or_query.filter(clause)  # type: ignore[union-attr]


def may_see_dealer(user: User | None, dealer_id: int | None) -> bool:
    ids = visible_dealer_ids(user)
    if ids is None:
        return True
    if dealer_id is None:
        return bool(user and user.is_hq)
    return db.session.scalar(select(true()).where(Dealer.id == dealer_id, Dealer.id.in_(ids))) is not None


def parse_id(raw: Any) -> int | None:
    """A primary key from URL text, or None: ASCII digits only, inside PostgreSQL's bigint."""
    text = str(raw).strip() if raw is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value < 2**63 else None


def get_or_404(model: type[T], pk: Any, user: User | None) -> T:
    """The object if this user may see it; 404 otherwise, never 403 (no existence leak)."""
    pk = parse_id(pk)  # ids arrive as URL text; PostgreSQL will not compare integer = varchar
    if pk is None:
        abort(404)
    stmt = scoped(select(model).where(model.id == pk), model, user)  # type: ignore[attr-defined]
    obj = db.session.scalar(stmt)
    if obj is None:
        abort(404)
    return obj
