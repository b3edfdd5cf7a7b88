"""feedback.sign_in_id unique: one 顾客信息回馈表 per visit

Revision ID: 3f5a9c2e7b14
Revises: b8c4e1a7d2f0
Create Date: 2026-12-06 02:40:00

A unique index, not a table constraint: SQLite would have to rebuild the feedback table for a
constraint, and dropping the old table deletes its ratings (ON DELETE CASCADE).
"""
import sqlalchemy as sa
from alembic import op

revision = '3f5a9c2e7b14'
down_revision = "b8c4e1a7d2f0"
branch_labels = None
depends_on = None


def upgrade():
    # A visit that already has several forms keeps its first one linked; the later ones stay, as
    # forms without a visit, so no customer's answers are lost.
    feedback = sa.table('feedback', sa.column('id', sa.Integer), sa.column('sign_in_id', sa.Integer))
    first = sa.select(sa.func.min(feedback.c.id)).where(feedback.c.sign_in_id.is_not(None)) \
        .group_by(feedback.c.sign_in_id).scalar_subquery()
    op.get_bind().execute(feedback.update().where(feedback.c.sign_in_id.is_not(None),
                                                  feedback.c.id.not_in(first)).values(sign_in_id=None))
    op.drop_index('ix_feedback_sign_in_id', table_name='feedback')
    op.create_index('ix_feedback_sign_in_id', 'feedback', ['sign_in_id'], unique=True)


def downgrade():
    op.drop_index('ix_feedback_sign_in_id', table_name='feedback')
    op.create_index('ix_feedback_sign_in_id', 'feedback', ['sign_in_id'], unique=False)
