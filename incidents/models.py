"""The shared tables: incidents, their timeline, alerts, deadlines, the outbox, people's
names and the Slack requests already taken. A feature's own tables are in its folder
(`<feature>/models.py`); incidents/tables.py gathers them all for the migrations.
Timestamps are timezone-aware UTC in Python, whatever the database stores."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from incidents.types import AlertStatus, DeadlineKind, DeadlineState, Status


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


def ts_field(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def empty_list() -> list:
    # Not `list` itself: pydantic inspects a default factory's signature on every object
    # built, and for the builtin that takes 150 µs.
    return []


def json_field() -> Any:
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
    # The triage checklist the channel works from: posting a new one retires the old one,
    # which would otherwise keep showing answers as they were.
    checklist_ts: str | None = None
    slack_topic: str | None = None
    invited: list = Field(default_factory=empty_list, sa_type=sa.JSON)
    bookmarks_done: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    impact_started_at: datetime | None = ts_field()
    acknowledged_at: datetime | None = ts_field()
    mitigated_at: datetime | None = ts_field()
    resolved_at: datetime | None = ts_field()
    closed_at: datetime | None = ts_field()
    resolution_summary: str | None = None
    root_cause_category: str | None = None
    root_cause: str | None = None
    business_impact: str | None = None
    merged_into_id: int | None = Field(default=None, foreign_key="incident.id")
    # Scenario minutes per real minute: a drill played at speed 60 runs its deadlines,
    # reminders and escalation waits 60 times faster, like its injects. 1 for real incidents.
    clock_speed: float = 1.0

    @property
    def status_enum(self) -> Status:
        return Status(self.status)


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
    data: dict = json_field()
    source_ts: str | None = None


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
    metric: dict = json_field()
    links: dict = json_field()
    labels: dict = json_field()
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
    completed_at: datetime | None = ts_field()
    snoozed_until: datetime | None = ts_field()
    reminders_sent: int = 0
    escalated: bool = False
    # The next reminder or escalation moment; the timer check asks the database for these,
    # so pending reminders survive restarts. None: nothing more to send.
    next_reminder_at: datetime | None = ts_field(index=True)


class Outbox(SQLModel, table=True):
    """Slack work still to do. Written in the same transaction as the change it announces."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    payload: dict = json_field()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    attempts: int = 0
    # Who is delivering the item and until when (incidents/outbox_claims.py): set by one
    # replica's claim, cleared when it finishes; a replica that dies leaves a lease that
    # runs out, and another replica delivers the item then.
    claimed_at: datetime | None = ts_field()
    claimant: str | None = None
    lease_until: datetime | None = ts_field()
    last_error: str | None = None
    done_at: datetime | None = ts_field(index=True)


class SlackRequest(SQLModel, table=True):
    """A signed Slack request already taken, kept while its signature could still be
    replayed (Slack's 5-minute window), so a copy sent again to any replica is refused."""

    __tablename__ = "slack_request"

    signature: str = Field(primary_key=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class Person(SQLModel, table=True):
    """A workspace member's name as Slack shows it, kept when they act or are named, so
    documents read outside Slack (`incidentbot export`) say who did what."""

    user_id: str = Field(primary_key=True)
    real_name: str = ""
    handle: str = ""  # the display name, else the username: what follows "@"
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


