"""customer link tokens: QR sign-in per invitation, feedback per visit

Revision ID: 60d139fc40a7
Revises: 63af935b792f
Create Date: 2026-12-05 23:59:43.261716

"""
import secrets

from alembic import op
import sqlalchemy as sa
import models.base


# revision identifiers, used by Alembic.
revision = '60d139fc40a7'
down_revision = '63af935b792f'
branch_labels = None
depends_on = None


def _backfill(table: str, column: str) -> None:
    """Every existing row gets its own unguessable token (secrets, 144 bits) before the column
    becomes required and unique."""
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.String))
    conn = op.get_bind()
    for (row_id,) in conn.execute(sa.select(rows.c.id)).all():
        conn.execute(rows.update().where(rows.c.id == row_id).values({column: secrets.token_urlsafe(18)}))


def upgrade():
    with op.batch_alter_table('customer_invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=32), nullable=True))
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('feedback_token', sa.String(length=32), nullable=True))

    _backfill('customer_invitation', 'token')
    _backfill('sign_in', 'feedback_token')

    with op.batch_alter_table('customer_invitation', schema=None) as batch_op:
        batch_op.alter_column('token', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_customer_invitation_token'), ['token'])
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.alter_column('feedback_token', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_sign_in_feedback_token'), ['feedback_token'])
        batch_op.create_unique_constraint(batch_op.f('uq_sign_in_invitation_id'), ['invitation_id'])
        batch_op.create_foreign_key(batch_op.f('fk_sign_in_invitation_id_customer_invitation'), 'customer_invitation', ['invitation_id'], ['id'])


def downgrade():
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sign_in_invitation_id_customer_invitation'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_sign_in_invitation_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_sign_in_feedback_token'), type_='unique')
        batch_op.drop_column('feedback_token')
        batch_op.drop_column('invitation_id')

    with op.batch_alter_table('customer_invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_customer_invitation_token'), type_='unique')
        batch_op.drop_column('token')
