"""Drills: a practice incident played from a scenario, and its timed injects."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from incidents.models import UTCDateTime, json_field, ts_field


class Drill(SQLModel, table=True):
    """A practice incident played from a scenario (incidents/drills/scenarios.py)."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True, unique=True)
    scenario: str
    speed: float = 1.0  # scenario minutes per real minute
    started_by: str | None = None
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = ts_field()
    debrief: dict = json_field()  # as posted, so a retried message says the same
    debriefed_at: datetime | None = ts_field(index=True)


class DrillInject(SQLModel, table=True):
    """One scenario event (alert, metric reading, message) due at a moment of a drill; the
    timer check plays it and sets `played_at` in the same transaction."""

    __tablename__ = "drill_inject"

    id: int | None = Field(default=None, primary_key=True)
    drill_id: int = Field(foreign_key="drill.id", index=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    number: int
    kind: str
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    payload: dict = json_field()
    played_at: datetime | None = ts_field(index=True)
    skipped: bool = False  # the drill ended before it was due

