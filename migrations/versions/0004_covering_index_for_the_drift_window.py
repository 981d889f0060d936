"""covering index for the drift window

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 00:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # The drift window is read per KPI: (organization, KPI, day) plus the value makes the read
    # an index-only range scan, no lookup of 26,000 table rows.
    with op.batch_alter_table('kpi_measurements', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_measurements_org_kpi_day')
        batch_op.create_index('ix_kpi_measurements_org_kpi_day_value',
                              ['organization_id', 'kpi_id', 'measured_on', 'value'], unique=False)


def downgrade():
    with op.batch_alter_table('kpi_measurements', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_measurements_org_kpi_day_value')
        batch_op.create_index('ix_kpi_measurements_org_kpi_day',
                              ['organization_id', 'kpi_id', 'measured_on'], unique=False)
