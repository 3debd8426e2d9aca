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

revision, down_revision = '20261206_0050', '20261203_0043'
branch_labels = depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
MOMENT = incidents.models.UTCDateTime


def _columns(*spec: tuple) -> list[sa.Column]:
    """(name, type, nullable) triples: the two tables below, column for column."""
    return [sa.Column(name, kind, nullable=nullable) for name, kind, nullable in spec]


def upgrade() -> None:
    op.create_table(
        'model_change',
        *_columns(
            ('id', sa.Integer(), False), ('incident_id', sa.Integer(), False),
            ('kind', TEXT(), False), ('model_name', TEXT(), False), ('alias', TEXT(), False),
            ('from_version', sa.Integer(), True), ('to_version', sa.Integer(), False),
            ('undoes_id', sa.Integer(), True), ('requested_by', TEXT(), True),
            ('requested_at', MOMENT(timezone=True), False), ('request_key', TEXT(), False),
            ('active', sa.Integer(), True), ('state', TEXT(), False),
            ('finished_at', MOMENT(timezone=True), True), ('event_id', sa.Integer(), True),
            ('message_ts', TEXT(), True),
        ),
        sa.ForeignKeyConstraint(['incident_id'], ['incident.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('request_key', name='uq_model_change_request'),
        sa.UniqueConstraint('incident_id', 'active', name='uq_model_change_active'),
    )
    op.create_table(
        'evidence_snapshot',
        *_columns(
            ('id', sa.Integer(), False), ('incident_id', sa.Integer(), False),
            ('taken_at', MOMENT(timezone=True), False), ('taken_by', TEXT(), True),
            ('before', TEXT(), False), ('filename', TEXT(), False),
            ('document', sa.Text(), False), ('sha256', TEXT(), False),
            ('summary', sa.JSON(), False), ('file_id', TEXT(), True),
        ),
        sa.ForeignKeyConstraint(['incident_id'], ['incident.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    for table in ('model_change', 'evidence_snapshot'):
        op.create_index(op.f(f'ix_{table}_incident_id'), table, ['incident_id'])


def downgrade() -> None:
    for table in ('evidence_snapshot', 'model_change'):
        op.drop_index(op.f(f'ix_{table}_incident_id'), table_name=table)
        op.drop_table(table)
