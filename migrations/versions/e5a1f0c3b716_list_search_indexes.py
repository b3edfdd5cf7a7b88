"""Lists at scale: pg_trgm GIN indexes on every searched column (PostgreSQL only), b-tree indexes
for exact mobile/plate/VIN matches and sorted columns

Revision ID: e5a1f0c3b716
Revises: ed882a0657f2
Create Date: 2026-12-06 02:40:00

"""
from alembic import op

revision = 'e5a1f0c3b716'
down_revision = 'ed882a0657f2'
branch_labels = None
depends_on = None

# A copy of models/search.py at this revision (a migration must not change when the models do).
TRIGRAM = {
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
BTREE = {
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


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    for table, columns in BTREE.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column])
    if not _postgresql():
        return  # SQLite has no trigram index: its lists are small
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in TRIGRAM.items():
        for column in columns:
            op.create_index(f"trgm_{table}_{column}", table, [column], postgresql_using="gin",
                            postgresql_ops={column: "gin_trgm_ops"})


def downgrade():
    if _postgresql():
        for table, columns in TRIGRAM.items():
            for column in columns:
                op.drop_index(f"trgm_{table}_{column}", table_name=table)
    for table, columns in BTREE.items():
        for column in columns:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
