"""Moves of a system's model alias asked for in Slack."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from incidents.models import UTCDateTime, ts_field


class ModelChange(SQLModel, table=True):
    """A move of a system's model alias asked for in Slack (a rollback, or undoing one).
    Stored before anything is called, once per click (`request_key`), and at most one
    unfinished per incident (`active` is 1 until it finishes, then NULL, which a unique
    constraint does not compare), so replicas and double clicks never move it twice."""

    __tablename__ = "model_change"
    __table_args__ = (
        sa.UniqueConstraint("request_key", name="uq_model_change_request"),
        sa.UniqueConstraint("incident_id", "active", name="uq_model_change_active"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: str  # rollback | undo
    model_name: str
    alias: str
    from_version: int | None = None  # as shown when it was asked for; the move reads it again
    to_version: int
    undoes_id: int | None = None  # the rollback an undo reverts
    requested_by: str | None = None
    requested_at: datetime = Field(sa_type=UTCDateTime)
    request_key: str
    active: int | None = 1
    state: str = "requested"  # requested | done | failed
    finished_at: datetime | None = ts_field()
    event_id: int | None = None  # the timeline event that records the result
    message_ts: str | None = None  # its result message, re-rendered without Undo once undone

