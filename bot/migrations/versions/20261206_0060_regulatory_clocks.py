"""regulatory clocks: reportability assessments, and what each regulatory deadline is

Revision ID: 20261206_0060
Revises: 20261203_0043
Create Date: 2026-12-06
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import incidents.models

revision = '20261206_0060'
down_revision = '20261203_0043'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reportability_assessment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('assessed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('assessed_at', incidents.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('reportable', sa.Boolean(), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('reportability_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reportability_assessment_incident_id'),
                              ['incident_id'], unique=False)

    op.create_table(
        'regulatory_clock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deadline_id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('report', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('clock', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('regulation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('article', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('starts_at', incidents.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=True),
        sa.Column('ended', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('submitted_at', incidents.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('submitted_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('initial', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['reportability_assessment.id'], ),
        sa.ForeignKeyConstraint(['deadline_id'], ['deadline.id'], ),
        sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('regulatory_clock', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regulatory_clock_deadline_id'), ['deadline_id'],
                              unique=True)
        batch_op.create_index(batch_op.f('ix_regulatory_clock_incident_id'), ['incident_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_regulatory_clock_regulation'), ['regulation'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('regulatory_clock', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regulatory_clock_regulation'))
        batch_op.drop_index(batch_op.f('ix_regulatory_clock_incident_id'))
        batch_op.drop_index(batch_op.f('ix_regulatory_clock_deadline_id'))
    op.drop_table('regulatory_clock')
    with op.batch_alter_table('reportability_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reportability_assessment_incident_id'))
    op.drop_table('reportability_assessment')
