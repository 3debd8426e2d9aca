"""slack_request: signatures of signed Slack requests already taken (replay refusal)

Revision ID: 20261203_0042
Revises: 20261203_0040
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from incidents.models import UTCDateTime

revision = '20261203_0042'
down_revision = '20261203_0040'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'slack_request',
        sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('signature'),
    )
    op.create_index('ix_slack_request_expires_at', 'slack_request', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_slack_request_expires_at', table_name='slack_request')
    op.drop_table('slack_request')
