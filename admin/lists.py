"""How every admin list behaves at national scale (issue 16), mixed into the secured base.

- Search: a term that is clearly a mobile, a plate or a VIN is an exact match on that column;
  other terms are Flask-Admin's ILIKE '%…%', which PostgreSQL answers from the trigram indexes of
  models/search.py. A term too short for a trigram matches the start of the text on a large table.
- Count: HQ's unfiltered list of a large table shows PostgreSQL's estimate, "约 1,000,000 条".
- Pages: OFFSET is bounded (MAX_OFFSET rows); a deeper page shows the last one allowed and says why.
- Sorting: a list of a table that grows with customers and visits (models.search.LARGE_TABLES)
  sorts only on columns with a b-tree index, so a page never sorts a whole table; the other
  columns of those lists (free text, yes/no, scores) are not sortable on purpose.
`list_at_scale = False` gives stock Flask-Admin behaviour (bench/lists.py's baseline).
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any, ClassVar

from flask import flash
from flask_login import current_user
from sqlalchemy import func, literal, or_

from models import db
from models.scoping import scope_clause
from models.search import LARGE_TABLES, SHORT_TERM, estimated_rows, exact_term, indexed

ESTIMATE_ABOVE = 100_000  # rows; below this an exact count takes a few milliseconds
MAX_OFFSET = 10_000  # rows up to the end of the deepest page (200 pages of 50)
DEEP_PAGE = "列表最多只能翻到第 {page} 页（前 {rows:,} 条）。请用搜索或筛选缩小范围，或点列标题倒序查看末尾的记录。"
SHORT_SEARCH = "搜索词“{term}”少于 {n} 个字，按开头匹配；要按包含匹配，请多输入几个字。"

_ESTIMATE: ContextVar[int | None] = ContextVar("list_count_estimate", default=None)
_SEARCHING: ContextVar[bool] = ContextVar("list_searching", default=False)


class Estimate(int):
    """A row count from the statistics: pages are computed from it, the list shows it as about."""

    def __str__(self) -> str:
        return f"约 {int(self):,} 条"

    __html__ = __str__


class ListAtScaleMixin:
    list_at_scale: ClassVar[bool] = True
    # Off for a screen whose get_count_query narrows the rows beyond the dealer scope.
    count_estimate: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_count_query" in vars(cls) and "count_estimate" not in vars(cls):
            cls.count_estimate = False  # its own count narrows the rows: the table's size is not it

    # --- search ----------------------------------------------------------------------------
    def _apply_search(self, query: Any, count_query: Any, joins: dict, count_joins: dict, search: str):
        if not self.list_at_scale:
            return super()._apply_search(query, count_query, joins, count_joins, search)
        columns = {field.key: field for field, path in self._search_fields if not path}
        rest = []
        for term in search.split():
            exact = exact_term(term, list(columns))
            if exact is None:
                rest.append(self._short_as_prefix(term))
                continue
            keys, value = exact
            clause = or_(*(columns[key] == value for key in keys))
            query = query.filter(clause)
            count_query = count_query.filter(clause) if count_query is not None else None
        if rest:
            query, count_query, joins, count_joins = super()._apply_search(
                query, count_query, joins, count_joins, " ".join(rest))
        return query, count_query, joins, count_joins

    def _short_as_prefix(self, term: str) -> str:
        """'^term' (Flask-Admin's starts-with) for a term no trigram index can find inside the text."""
        if len(term) >= SHORT_TERM or term[0] in "^=" or not self._large():
            return term
        flash(SHORT_SEARCH.format(term=term, n=SHORT_TERM), "info")
        return f"^{term}"

    def _large(self) -> bool:
        rows = estimated_rows(db.session, self.model.__tablename__)
        return rows is not None and rows >= ESTIMATE_ABOVE

    # --- count -----------------------------------------------------------------------------
    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        estimate = None
        if self.list_at_scale and self.count_estimate and not search and not filters \
                and scope_clause(self.model, current_user) is None:
            rows = estimated_rows(db.session, self.model.__tablename__)
            estimate = rows if rows is not None and rows >= ESTIMATE_ABOVE else None
        token, searching = _ESTIMATE.set(estimate), _SEARCHING.set(bool(self.list_at_scale and search))
        try:
            count, data = super().get_list(page, sort_column, sort_desc, search, filters,
                                           execute=execute, page_size=page_size)
        finally:
            _ESTIMATE.reset(token)
            _SEARCHING.reset(searching)
        return (Estimate(estimate) if estimate is not None else count), data

    def get_count_query(self):
        estimate = _ESTIMATE.get()
        if estimate is not None:  # counting a million rows exactly takes longer than the page
            return db.session.query(literal(estimate))
        return super().get_count_query()

    # --- pages and sorting -------------------------------------------------------------------
    def _order_by(self, query, joins, sort_joins, sort_field, sort_desc):
        if _SEARCHING.get() and sort_field is not None and not sort_joins:
            # With a search, fetch the matches through the search's indexes and sort them. Ordered
            # by the plain column, PostgreSQL may walk the whole table in that order hoping to meet
            # 50 matches early (seconds for "张" among a million names); the expression hides it.
            sort_field = func.coalesce(sort_field, sort_field)
        return super()._order_by(query, joins, sort_joins, sort_field, sort_desc)

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        if not self.list_at_scale or not args.page:
            return args
        if args.page < 0:
            return args.clone(page=0)
        size = self.get_safe_page_size(args.page_size) or self.page_size
        last = max(MAX_OFFSET // size - 1, 0)  # 0-based: the page that ends at MAX_OFFSET rows
        if args.page > last:
            flash(DEEP_PAGE.format(page=last + 1, rows=(last + 1) * size), "warning")
            args = args.clone(page=last)
        return args

    def scaffold_sortable_columns(self) -> dict[str, Any]:
        columns = super().scaffold_sortable_columns()
        if self.model.__tablename__ not in LARGE_TABLES:
            return columns
        return {name: column for name, column in columns.items() if indexed(column)}
