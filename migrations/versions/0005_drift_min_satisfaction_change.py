"""organization setting: the minimum meaningful change of satisfaction for drift

Revision ID: 0005_drift_evidence
Revises: 0004
Create Date: 2026-12-02 14:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_drift_evidence'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drift_min_satisfaction_change', sa.Float(), server_default='0.5',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('drift_min_satisfaction_change')
