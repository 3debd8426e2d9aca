"""outbox.claimant and outbox.lease_until: claims that hold across replicas

Revision ID: 20261203_0040
Revises: 20261128_0031
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import incidents.models

revision = '20261203_0040'
down_revision = '20261128_0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimant', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=True))
        batch_op.add_column(sa.Column('lease_until', incidents.models.UTCDateTime(timezone=True),
                                      nullable=True))
    # A claim from before this revision has no claimant: nobody is delivering it any more.
    op.execute("UPDATE outbox SET claimed_at = NULL WHERE done_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimant')
