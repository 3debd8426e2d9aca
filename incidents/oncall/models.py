"""Paging: escalation chains, the people paged at each step, and the on-call handoffs dealt with."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from incidents.models import UTCDateTime, empty_list, ts_field, utcnow
from incidents.types import EscalationState


class Escalation(SQLModel, table=True):
    """One chain of pages for an incident: its system's escalation policy when it opens, or one
    `/incident page`. `next_at` is when the current level's wait runs out; a timer check
    advances rows that fell due, so the chain lives in the database, not in a scheduler."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    policy: str | None = None  # the catalog's escalation policy; None: one target, repeated
    target_schedule: str | None = None
    target_users: list = Field(default_factory=empty_list, sa_type=sa.JSON)
    requested_by: str | None = None  # who paged on demand; None when the incident opened
    level: int = 0
    repeat: int = 0  # how often the last level has been paged again
    state: str = Field(default=EscalationState.ACTIVE, index=True)
    next_at: datetime | None = ts_field(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = ts_field()
    acknowledged_by: str | None = None
    # The chain's notices in the incident channel (message ts), each with an Acknowledge
    # button: once the chain stops they are updated to say who acknowledged, and when.
    notices: list = Field(default_factory=empty_list, sa_type=sa.JSON)


class Page(SQLModel, table=True):
    """One person paged at one step of an escalation, and where their direct message went."""

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    user_id: str
    level: int = 0
    repeat: int = 0
    schedule: str | None = None  # the schedule that made them the one to page
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    dm_channel: str | None = None
    dm_ts: str | None = None
    sent_at: datetime | None = ts_field()
    error: str | None = None  # why the direct message could not be delivered


class Handoff(SQLModel, table=True):
    """A change of on-call person the bot has dealt with, so none is announced twice or lost."""

    __table_args__ = (sa.UniqueConstraint("schedule", "at", name="uq_handoff_moment"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule: str = Field(index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    user_id: str
    announced: bool = False  # False for the state found at first start-up
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

