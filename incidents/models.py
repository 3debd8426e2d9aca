"""Database tables. Timestamps are timezone-aware UTC in Python, whatever the database stores."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from incidents.types import AlertStatus, DeadlineKind, DeadlineState, EventKind, Status


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back aware datetimes, because SQLite drops the offset."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _json() -> Any:
    return Field(default_factory=dict, sa_type=sa.JSON)


class Incident(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str
    description: str = ""
    system: str = Field(index=True)
    client: str | None = None
    in_catalog: bool = True
    severity: int = 4
    status: str = Field(default=Status.TRIAGE, index=True)
    is_drill: bool = False
    private: bool = False
    declared_by: str | None = None
    commander: str | None = None
    comms: str | None = None
    scribe: str | None = None
    engineer: str | None = None
    channel_id: str | None = Field(default=None, index=True)
    channel_name: str | None = None
    summary_ts: str | None = None
    summary_pinned: bool = False
    slack_topic: str | None = None
    invited: list = Field(default_factory=list, sa_type=sa.JSON)
    bookmarks_done: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    impact_started_at: datetime | None = _ts()
    acknowledged_at: datetime | None = _ts()
    mitigated_at: datetime | None = _ts()
    resolved_at: datetime | None = _ts()
    closed_at: datetime | None = _ts()
    resolution_summary: str | None = None
    root_cause_category: str | None = None
    root_cause: str | None = None
    business_impact: str | None = None
    merged_into_id: int | None = Field(default=None, foreign_key="incident.id")

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    def role_holder(self, role: str) -> str | None:
        return getattr(self, role)


class TimelineEvent(SQLModel, table=True):
    __tablename__ = "timeline_event"
    __table_args__ = (
        # A Slack message copied into the timeline (pin, 📌, shortcut) is stored once.
        sa.UniqueConstraint("incident_id", "source_ts", name="uq_timeline_source_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: str = Field(index=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str | None = None
    text: str = ""
    data: dict = _json()
    source_ts: str | None = None

    @property
    def kind_enum(self) -> EventKind:
        return EventKind(self.kind)


class Alert(SQLModel, table=True):
    __table_args__ = (
        # Redelivery of the same alert (same fingerprint, start and status) is a no-op.
        sa.UniqueConstraint("fingerprint", "starts_at", "status", name="uq_alert_delivery"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    fingerprint: str = Field(index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    status: str = AlertStatus.FIRING
    system: str = Field(index=True)
    title: str
    signal: str | None = None
    severity: int | None = None
    description: str = ""
    metric: dict = _json()
    links: dict = _json()
    labels: dict = _json()
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    posted: bool = False


class Deadline(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: str = DeadlineKind.STATUS_UPDATE
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    state: str = Field(default=DeadlineState.PENDING, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    completed_at: datetime | None = _ts()
    snoozed_until: datetime | None = _ts()
    reminders_sent: int = 0
    escalated: bool = False


class Outbox(SQLModel, table=True):
    """Slack work still to do. Written in the same transaction as the change it announces."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    payload: dict = _json()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    attempts: int = 0
    last_error: str | None = None
    done_at: datetime | None = _ts(index=True)


__all__ = [
    "Alert",
    "AlertStatus",
    "Deadline",
    "DeadlineKind",
    "DeadlineState",
    "EventKind",
    "Incident",
    "Outbox",
    "Status",
    "TimelineEvent",
    "utcnow",
]
