"""monitor_schedule: when each drift monitor runs next, shared by every replica

Revision ID: 20261203_0043
Revises: 20261203_0042
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import incidents.models

revision = '20261203_0043'
down_revision = '20261203_0042'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'monitor_schedule',
        sa.Column('monitor_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('next_due', incidents.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('monitor_id'),
    )


def downgrade() -> None:
    op.drop_table('monitor_schedule')
