"""checklist_item.reference: the 标准对比 value printed on the 客户联

Revision ID: b14c0e5a7d21
Revises: e5a1f0c3b716
Create Date: 2026-12-06 00:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b14c0e5a7d21'
down_revision = 'e5a1f0c3b716'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.drop_column('reference')
