"""deadline reminder moments

Revision ID: 20261127_0006
Revises: 20261127_0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

import incidents.models

revision = '20261127_0006'
down_revision = '20261127_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'next_reminder_at', incidents.models.UTCDateTime(timezone=True), nullable=True
        ))
        batch_op.create_index(
            batch_op.f('ix_deadline_next_reminder_at'), ['next_reminder_at'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_next_reminder_at'))
        batch_op.drop_column('next_reminder_at')
