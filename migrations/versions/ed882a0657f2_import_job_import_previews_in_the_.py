"""import_job: import previews (and large imports in progress) in the database, not instance/imports,
so that several web processes on several machines serve one import

Revision ID: ed882a0657f2
Revises: 10c98b860ead
Create Date: 2026-12-06 02:21:58.200550

"""
from alembic import op
import sqlalchemy as sa
import models.base


# revision identifiers, used by Alembic.
revision = 'ed882a0657f2'
down_revision = '10c98b860ead'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('form', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('upload', sa.LargeBinary(), nullable=True),
    sa.Column('payload', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_import_job_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealer.id'], name=op.f('fk_import_job_dealer_id_dealer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_import_job_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job')),
    sa.UniqueConstraint('token', name=op.f('uq_import_job_token'))
    )
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_job_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_job_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_job_dealer_id'), ['dealer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_job_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_job_user_id'))
        batch_op.drop_index(batch_op.f('ix_import_job_dealer_id'))
        batch_op.drop_index(batch_op.f('ix_import_job_created_at'))
        batch_op.drop_index(batch_op.f('ix_import_job_campaign_id'))

    op.drop_table('import_job')
