"""Client notifications and status updates: the drafts, and when and how each was sent."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from incidents.models import UTCDateTime, json_field, ts_field, utcnow


class Notification(SQLModel, table=True):
    """A client notification or status update: drafted, posted for the comms lead, sent."""

    __tablename__ = "client_notification"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: str
    recipient: str = ""
    text: str
    fields: dict = json_field()
    drafted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    drafted_by: str | None = None
    next_update_at: datetime | None = ts_field()
    draft_ts: str | None = None  # the draft's message in the incident channel
    sent_at: datetime | None = ts_field()
    sent_by: str | None = None
    sent_via: str | None = None
    client_ts: str | None = None  # the copy posted in the client's shared channel

