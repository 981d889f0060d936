"""the segment a circumstance's members are recorded under

Revision ID: 0009_circumstance_segment
Revises: 0008_circumstances
Create Date: 2026-12-03 05:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_circumstance_segment'
down_revision = '0008_circumstances'
branch_labels = None
depends_on = None


def upgrade():
    # Optional: a circumstance naming a segment has its share measured from the ratings and events
    # of that segment; existing circumstances keep their entered share.
    with op.batch_alter_table('circumstances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('segment', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('circumstances', schema=None) as batch_op:
        batch_op.drop_column('segment')
