"""The review's prevention action items."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from incidents.models import UTCDateTime, ts_field, utcnow


class FollowUp(SQLModel, table=True):
    """A prevention action item from the incident, reviewed in the post-incident review."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    text: str
    owner: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str | None = None
    due_at: datetime | None = ts_field()
    done: bool = False
    done_at: datetime | None = ts_field()

