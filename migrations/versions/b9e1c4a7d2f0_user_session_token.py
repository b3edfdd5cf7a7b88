"""user.session_token: logout, password and role changes end open sessions

Revision ID: b9e1c4a7d2f0
Revises: 691bf8d369b5
Create Date: 2026-12-05 23:40:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = 'b9e1c4a7d2f0'
down_revision = '691bf8d369b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user') as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=True))
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(user.c.id)).all():
        conn.execute(user.update().where(user.c.id == user_id).values(session_token=secrets.token_hex(16)))
    with op.batch_alter_table('user') as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('session_token')
