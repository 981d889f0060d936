"""index for the newest rating of each outcome and segment

Revision ID: 0010_newest_rating_index
Revises: 0009_circumstance_segment
Create Date: 2026-12-03 08:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_newest_rating_index'
down_revision = '0009_circumstance_segment'
branch_labels = None
depends_on = None


def upgrade():
    # Pages that rate every outcome read the newest rating of each (outcome, segment): whether a
    # newer one exists is one seek in this index, and the figures come from it too (no table rows;
    # the organization, which every scoped statement names, is its last column for that reason).
    with op.batch_alter_table('outcome_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_outcome_ratings_newest',
                              ['outcome_id', 'segment', 'rated_on', 'id', 'importance', 'satisfaction',
                               'respondents', 'organization_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outcome_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_outcome_ratings_newest')
