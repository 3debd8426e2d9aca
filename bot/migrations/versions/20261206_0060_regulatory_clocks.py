"""regulatory clocks: reportability assessments, and what each regulatory deadline is

Revision ID: 20261206_0060
Revises: 20261206_0050
Create Date: 2026-12-06
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import incidents.models

revision, down_revision = '20261206_0060', '20261206_0050'
branch_labels = depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
MOMENT = incidents.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'reportability_assessment',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('incident_id', sa.Integer(), sa.ForeignKey('incident.id'), nullable=False),
        sa.Column('assessed_by', TEXT(), nullable=True),
        sa.Column('assessed_at', MOMENT, nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('reportable', sa.Boolean(), nullable=False),
        sa.Column('note', TEXT(), nullable=False),
    )
    op.create_table(
        'regulatory_clock',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('deadline_id', sa.Integer(), sa.ForeignKey('deadline.id'), nullable=False),
        sa.Column('incident_id', sa.Integer(), sa.ForeignKey('incident.id'), nullable=False),
        sa.Column('report', TEXT(), nullable=False),
        sa.Column('clock', TEXT(), nullable=False),
        sa.Column('regulation', TEXT(), nullable=False),
        sa.Column('article', TEXT(), nullable=False),
        sa.Column('starts_at', MOMENT, nullable=False),
        sa.Column('assessment_id', sa.Integer(), sa.ForeignKey('reportability_assessment.id'),
                  nullable=True),
        sa.Column('ended', TEXT(), nullable=True),
        sa.Column('submitted_at', MOMENT, nullable=True),
        sa.Column('submitted_by', TEXT(), nullable=True),
        sa.Column('initial', sa.Boolean(), nullable=False),
    )
    for table, column, unique in (('reportability_assessment', 'incident_id', False),
                                  ('regulatory_clock', 'deadline_id', True),
                                  ('regulatory_clock', 'incident_id', False),
                                  ('regulatory_clock', 'regulation', False)):
        op.create_index(op.f(f'ix_{table}_{column}'), table, [column], unique=unique)


def downgrade() -> None:
    # Dropping a table drops its indexes too, on SQLite and PostgreSQL alike.
    op.drop_table('regulatory_clock')
    op.drop_table('reportability_assessment')
