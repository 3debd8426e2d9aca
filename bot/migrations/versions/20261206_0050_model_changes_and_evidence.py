"""model_change and evidence_snapshot: alias moves asked for in Slack, claimed once, and
the evidence preserved before a change to the model

Revision ID: 20261206_0050
Revises: 20261203_0043
Create Date: 2026-12-06
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import incidents.models

revision = '20261206_0050'
down_revision = '20261203_0043'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'model_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('model_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('alias', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('from_version', sa.Integer(), nullable=True),
        sa.Column('to_version', sa.Integer(), nullable=False),
        sa.Column('undoes_id', sa.Integer(), nullable=True),
        sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('requested_at', incidents.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('request_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('active', sa.Integer(), nullable=True),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('finished_at', incidents.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(['incident_id'], ['incident.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('request_key', name='uq_model_change_request'),
        sa.UniqueConstraint('incident_id', 'active', name='uq_model_change_active'),
    )
    op.create_index(op.f('ix_model_change_incident_id'), 'model_change', ['incident_id'])
    op.create_table(
        'evidence_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('taken_at', incidents.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('taken_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('before', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.Column('file_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(['incident_id'], ['incident.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_evidence_snapshot_incident_id'), 'evidence_snapshot',
                    ['incident_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_evidence_snapshot_incident_id'), table_name='evidence_snapshot')
    op.drop_table('evidence_snapshot')
    op.drop_index(op.f('ix_model_change_incident_id'), table_name='model_change')
    op.drop_table('model_change')
