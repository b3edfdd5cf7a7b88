"""Lists at scale: one index per large list on (dealer, default order), so a dealer's first page
is one index range

Revision ID: f4b2c8d1e093
Revises: b14c0e5a7d21
Create Date: 2026-12-06 03:30:00

"""
from alembic import op

revision = 'f4b2c8d1e093'
down_revision = 'b14c0e5a7d21'
branch_labels = None
depends_on = None

# A copy of models/search.py SCOPED_ORDER at this revision.
SCOPED_ORDER = {
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


def upgrade():
    for table, (scope, order) in SCOPED_ORDER.items():
        op.create_index(f"ix_{table}_{scope}_{order}", table, [scope, order])


def downgrade():
    for table, (scope, order) in SCOPED_ORDER.items():
        op.drop_index(f"ix_{table}_{scope}_{order}", table_name=table)
