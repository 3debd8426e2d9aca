"""person: workspace names for documents read outside Slack; escalation.notices: the
channel notices a stopped chain updates; incident.clock_speed: a drill's clocks at its speed

Revision ID: 20261206_0070
Revises: 20261206_0060
Create Date: 2026-12-06
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import incidents.models

revision = '20261206_0070'
down_revision = '20261206_0060'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'person',
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('real_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('handle', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('updated_at', incidents.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('user_id'),
    )
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notices', sa.JSON(), nullable=False,
                                      server_default='[]'))
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_speed', sa.Float(), nullable=False,
                                      server_default='1'))
    # Drills already played keep the speed their injects ran at.
    op.execute("UPDATE incident SET clock_speed = (SELECT speed FROM drill "
               "WHERE drill.incident_id = incident.id) "
               "WHERE id IN (SELECT incident_id FROM drill)")


def downgrade() -> None:
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_column('clock_speed')
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.drop_column('notices')
    op.drop_table('person')
