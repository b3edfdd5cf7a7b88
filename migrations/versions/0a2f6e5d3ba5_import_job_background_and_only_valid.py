"""import_job.background, only_valid: large imports are checked and written by the import-file flow

Revision ID: 0a2f6e5d3ba5
Revises: f4b2c8d1e093
Create Date: 2026-12-06 02:51:57.887422

"""
from alembic import op
import sqlalchemy as sa

revision = '0a2f6e5d3ba5'
down_revision = 'f4b2c8d1e093'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('background', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('only_valid', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_column('only_valid')
        batch_op.drop_column('background')
