"""Regulatory reporting: reportability assessments, the clocks they start, and the evidence
preserved before a change to the model."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from incidents.models import UTCDateTime, json_field, ts_field


class ReportabilityAssessment(SQLModel, table=True):
    """A person's answer to "must this incident be reported?": the questions of the
    system's regulations (incidents/regulatory/clocks.yml), who answered and when. The
    moment is the moment of awareness the clocks run from; every assessment is kept."""

    __tablename__ = "reportability_assessment"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    assessed_by: str | None = None
    assessed_at: datetime = Field(sa_type=UTCDateTime)
    answers: dict = json_field()  # question key -> answer ("no", "yes", "death"…)
    reportable: bool = False
    note: str = ""


class RegulatoryClock(SQLModel, table=True):
    """What a regulatory deadline is: which clock of the data file set its due time, from
    which moment, and how the report went. One row per `Deadline` row of a regulatory kind;
    a clock that moves gets a new deadline (and row), the old one ends "moved"."""

    __tablename__ = "regulatory_clock"

    id: int | None = Field(default=None, primary_key=True)
    deadline_id: int = Field(foreign_key="deadline.id", index=True, unique=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    report: str  # the deadline kind
    clock: str  # the data file's clock id, e.g. ai_act_art73_3
    regulation: str = Field(index=True)
    article: str
    starts_at: datetime = Field(sa_type=UTCDateTime)  # awareness, or the submission before
    assessment_id: int | None = Field(default=None, foreign_key="reportability_assessment.id")
    ended: str | None = None  # "moved" or "stopped" by a later assessment
    submitted_at: datetime | None = ts_field()
    submitted_by: str | None = None
    initial: bool = False  # submitted as an initial, incomplete report


class EvidenceSnapshot(SQLModel, table=True):
    """What was preserved before a change to the model (incidents/regulatory/evidence.py): the file
    as uploaded, byte for byte, and its SHA-256."""

    __tablename__ = "evidence_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    taken_at: datetime = Field(sa_type=UTCDateTime)
    taken_by: str | None = None
    before: str  # the change it precedes, in words
    filename: str
    document: str = Field(sa_type=sa.Text)
    sha256: str
    summary: dict = json_field()  # counts and versions, for the timeline and the review
    file_id: str | None = None  # the Slack file, once uploaded

