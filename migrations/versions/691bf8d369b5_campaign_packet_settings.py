"""campaign packet settings: HQ's choice of 现场辅导资料包 sections and blank copies per campaign

Revision ID: 691bf8d369b5
Revises: c924220136fc
Create Date: 2026-12-05 23:38:42.179364

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '691bf8d369b5'
down_revision = 'c924220136fc'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: a batch would copy and drop `campaign`, which SQLite refuses
# (FOREIGN KEY constraint failed) while other tables' rows refer to it. SQLite >= 3.35 drops columns.
COLUMNS = {'packet_sections': lambda: sa.String(length=200),
           'packet_feedback_copies': sa.Integer, 'packet_work_order_copies': sa.Integer}


def upgrade():
    for name, kind in COLUMNS.items():
        op.add_column('campaign', sa.Column(name, kind(), nullable=True))


def downgrade():
    for name in reversed(COLUMNS):
        op.drop_column('campaign', name)
