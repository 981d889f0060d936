"""circumstances of a job stack

Revision ID: 0008_circumstances
Revises: 0007_journeys_recorded_names
Create Date: 2026-12-02 21:37:27.322514

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_circumstances'
down_revision = '0007_journeys_recorded_names'
branch_labels = None
depends_on = None


def upgrade():
    # A circumstance of a high-level job, with the related jobs it makes required and the
    # interchangeable members it rules out (two association tables, cascading with either side).
    op.create_table('circumstances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('share', sa.Float(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_circumstances_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_circumstances_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circumstances')),
    sa.UniqueConstraint('job_id', 'name', name=op.f('uq_circumstances_job_id_name'))
    )
    with op.batch_alter_table('circumstances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circumstances_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_circumstances_organization_id'), ['organization_id'], unique=False)

    op.create_table('circumstance_required_jobs',
    sa.Column('circumstance_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['circumstance_id'], ['circumstances.id'], name=op.f('fk_circumstance_required_jobs_circumstance_id_circumstances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_circumstance_required_jobs_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('circumstance_id', 'job_id', name=op.f('pk_circumstance_required_jobs'))
    )
    with op.batch_alter_table('circumstance_required_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circumstance_required_jobs_job_id'), ['job_id'], unique=False)

    op.create_table('circumstance_ruled_out_jobs',
    sa.Column('circumstance_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['circumstance_id'], ['circumstances.id'], name=op.f('fk_circumstance_ruled_out_jobs_circumstance_id_circumstances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_circumstance_ruled_out_jobs_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('circumstance_id', 'job_id', name=op.f('pk_circumstance_ruled_out_jobs'))
    )
    with op.batch_alter_table('circumstance_ruled_out_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circumstance_ruled_out_jobs_job_id'), ['job_id'], unique=False)



def downgrade():
    with op.batch_alter_table('circumstance_ruled_out_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_circumstance_ruled_out_jobs_job_id'))

    op.drop_table('circumstance_ruled_out_jobs')
    with op.batch_alter_table('circumstance_required_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_circumstance_required_jobs_job_id'))

    op.drop_table('circumstance_required_jobs')
    with op.batch_alter_table('circumstances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_circumstances_organization_id'))
        batch_op.drop_index(batch_op.f('ix_circumstances_job_id'))

    op.drop_table('circumstances')
