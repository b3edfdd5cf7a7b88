"""campaign packet settings: HQ's choice of 现场辅导资料包 sections and blank copies per campaign

Revision ID: 691bf8d369b5
Revises: 60d139fc40a7
Create Date: 2026-12-05 23:38:42.179364

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '691bf8d369b5'
down_revision = '60d139fc40a7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('packet_sections', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('packet_feedback_copies', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('packet_work_order_copies', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('packet_work_order_copies')
        batch_op.drop_column('packet_feedback_copies')
        batch_op.drop_column('packet_sections')
