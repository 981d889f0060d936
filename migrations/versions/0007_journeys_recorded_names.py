"""closed reviews keep the names they recorded

Revision ID: 0007_journeys_recorded_names
Revises: 0005_flow_events
Create Date: 2026-12-02 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_journeys_recorded_names'
down_revision = '0005_flow_events'
branch_labels = None
depends_on = None


def upgrade():
    # A closed review shows the customer, job, people, steps, KPIs and outcomes as they were named
    # when it closed, even after those records are renamed or deleted.
    for table in ('reviews', 'findings', 'actions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('recorded_names', sa.JSON(), nullable=True))


def downgrade():
    for table in ('actions', 'findings', 'reviews'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('recorded_names')
