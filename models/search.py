"""Searching and counting lists at national scale (issue 16: 500 dealers, 1,000,000 customers).

- Every column an admin list searches with ILIKE '%…%' has a pg_trgm GIN index on PostgreSQL
  (SQLite has no such index type: there the lists stay small and a scan is fine).
- A search term that is clearly a mobile, a plate or a VIN is an exact match on the columns of
  that kind (b-tree indexes); everything else stays a substring match.
- The row count of a large table comes from PostgreSQL's statistics (pg_class.reltuples).
"""
from __future__ import annotations

from sqlalchemy import DDL, Column, Index, event, text
from sqlalchemy.orm import Session

from .base import Base
from .validators import mobile_problem, normalize_mobile, normalize_plate, plate_problem, vin_problem

# Columns the admin lists search (column_searchable_list and ajax lookups), per table.
# tests/admin/test_lists.py checks that every searched column is here.
TRIGRAM_COLUMNS: dict[str, tuple[str, ...]] = {
    "callback": ("customer_name", "mobile", "issues"),
    "campaign": ("name", "theme"),
    "closing_meeting": ("what_worked", "to_improve", "self_assessment"),
    "coaching_visit": ("findings", "follow_ups"),
    "complaint": ("customer_name", "mobile", "description", "root_cause"),
    "customer": ("name", "mobile"),
    "customer_invitation": ("name", "mobile", "plate", "vin"),
    "daily_flow": ("leader", "deputy", "issues"),
    "dealer": ("code", "name", "city"),
    "feedback": ("customer_name", "comments"),
    "plan_meeting": ("place", "chair", "decisions", "pilot_plan"),
    "preparation_item": ("item", "owner"),
    "region": ("code", "name"),
    "sign_in": ("name", "mobile", "plate"),
    "training_session": ("trainer", "topics"),
    "user": ("username", "full_name", "mobile"),
    "vehicle": ("plate", "vin", "model"),
    "verification_task": ("customer_name", "mobile", "plate"),
    "work_order": ("number", "technician", "declined_suggestions"),
}
# Columns that an exact match or a list's sort reads (b-tree indexes added by issue 16).
BTREE_COLUMNS: dict[str, tuple[str, ...]] = {
    "callback": ("mobile", "customer_name"),
    "compensation_rule": ("name",),
    "complaint": ("mobile", "customer_name"),
    "customer": ("created_at",),
    "customer_invitation": ("vin", "booked_at", "last_visit"),
    "feedback": ("customer_name",),
    "gate_approval": ("decided_at",),
    "preparation_item": ("item",),
    "sign_in": ("mobile", "name"),
    "user": ("mobile",),
    "vehicle": ("last_visit",),
    "verification_task": ("mobile", "plate", "customer_name"),
}
# Each large list's default order within one dealer (one user for notifications): a dealer's
# first page is then one index range, whatever the planner guesses about how the dealer's rows
# spread through the whole table's order.
SCOPED_ORDER: dict[str, tuple[str, str]] = {
    "audit_log": ("dealer_id", "at"),
    "callback": ("dealer_id", "due_on"),
    "complaint": ("dealer_id", "registered_at"),
    "customer": ("dealer_id", "name"),
    "customer_invitation": ("dealer_id", "name"),
    "feedback": ("dealer_id", "filled_on"),
    "notification": ("user_id", "created_at"),
    "sign_in": ("dealer_id", "arrived_at"),
    "vehicle": ("dealer_id", "plate"),
    "verification_task": ("dealer_id", "visited_on"),
    "work_order": ("dealer_id", "visited_on"),
}
# Tables that grow with customers and visits (a national network: millions of rows); their lists
# sort only on indexed columns. The others grow with campaigns × dealers and sort on any column.
LARGE_TABLES = frozenset({"audit_log", "callback", "complaint", "customer", "customer_invitation",
                          "feedback", "notification", "sign_in", "vehicle", "verification_task",
                          "work_order"})
# The input kinds with an exact-match fast path: column key → (is it one?, stored form).
EXACT_KINDS = {
    "mobile": (lambda term: mobile_problem(term) is None, normalize_mobile),
    "plate": (lambda term: plate_problem(term) is None, normalize_plate),
    "vin": (lambda term: vin_problem(term) is None, lambda term: term.strip().upper()),
}
SHORT_TERM = 3  # a trigram index cannot find a substring shorter than this


def trigram_index_name(table: str, column: str) -> str:
    return f"trgm_{table}_{column}"


def _declare_indexes() -> None:
    tables = Base.metadata.tables
    for table, columns in TRIGRAM_COLUMNS.items():
        for column in columns:
            Index(trigram_index_name(table, column), tables[table].c[column], postgresql_using="gin",
                  postgresql_ops={column: "gin_trgm_ops"}).ddl_if(dialect="postgresql")
    for table, columns in BTREE_COLUMNS.items():
        for column in columns:
            Index(f"ix_{table}_{column}", tables[table].c[column])
    for table, (scope, order) in SCOPED_ORDER.items():
        Index(f"ix_{table}_{scope}_{order}", tables[table].c[scope], tables[table].c[order])
    # create_all (the test suite) needs the extension first; the migration creates it too.
    event.listen(Base.metadata, "before_create",
                 DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's autogenerate: the trigram indexes exist on PostgreSQL only, made by hand
    in the migration (Alembic cannot compare an index with an operator class)."""
    return not (type_ == "index" and (name or "").startswith("trgm_"))


def exact_term(term: str, columns: list[str]) -> tuple[list[str], str] | None:
    """(the columns to compare, the stored form) when `term` is clearly a mobile, a plate or a VIN
    and the list searches a column of that kind; None for an ordinary substring search."""
    for kind, (is_kind, stored) in EXACT_KINDS.items():
        if kind in columns and is_kind(term):
            return [c for c in columns if c == kind], stored(term)
    return None


def indexed(column: Column) -> bool:
    """Whether a b-tree index (or the primary key, or a unique constraint) leads with `column`:
    a list sorted by it reads one page without sorting the whole table."""
    if column.primary_key or column.index or column.unique:
        return True
    table = column.table
    leading = [list(index.columns)[0] for index in table.indexes
               if index.dialect_options["postgresql"].get("using") != "gin"]
    leading += [list(c.columns)[0] for c in table.constraints
                if c.__visit_name__ == "unique_constraint" and c.columns]
    return any(c is column for c in leading)


def estimated_rows(session: Session, table: str) -> int | None:
    """PostgreSQL's estimate of a table's rows (kept by ANALYZE / autovacuum); None elsewhere
    or when the table has never been analysed."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    value = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"),
                            {"t": f'"{table}"'}).scalar()
    return int(value) if value is not None and value >= 0 else None


_declare_indexes()
