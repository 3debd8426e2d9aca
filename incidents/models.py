"""Database tables. Timestamps are timezone-aware UTC in Python, whatever the database stores."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from incidents.types import (
    AlertStatus,
    DeadlineKind,
    DeadlineState,
    EscalationState,
    EventKind,
    Status,
)


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


def _empty_list() -> list:
    # Not `list` itself: pydantic inspects a default factory's signature on every object
    # built, and for the builtin that takes 150 µs.
    return []


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
    # The triage checklist the channel works from: posting a new one retires the old one,
    # which would otherwise keep showing answers as they were.
    checklist_ts: str | None = None
    slack_topic: str | None = None
    invited: list = Field(default_factory=_empty_list, sa_type=sa.JSON)
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
    data: dict = _json()
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
    # The next reminder or escalation moment; the timer check asks the database for these,
    # so pending reminders survive restarts. None: nothing more to send.
    next_reminder_at: datetime | None = _ts(index=True)


class Outbox(SQLModel, table=True):
    """Slack work still to do. Written in the same transaction as the change it announces."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    payload: dict = _json()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    attempts: int = 0
    # Who is delivering the item and until when (incidents/outbox_claims.py): set by one
    # replica's claim, cleared when it finishes; a replica that dies leaves a lease that
    # runs out, and another replica delivers the item then.
    claimed_at: datetime | None = _ts()
    claimant: str | None = None
    lease_until: datetime | None = _ts()
    last_error: str | None = None
    done_at: datetime | None = _ts(index=True)


class FollowUp(SQLModel, table=True):
    """A prevention action item from the incident, reviewed in the post-incident review."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    text: str
    owner: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str | None = None
    due_at: datetime | None = _ts()
    done: bool = False
    done_at: datetime | None = _ts()


class Notification(SQLModel, table=True):
    """A client notification or status update: drafted, posted for the comms lead, sent."""

    __tablename__ = "client_notification"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: str
    recipient: str = ""
    text: str
    fields: dict = _json()
    drafted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    drafted_by: str | None = None
    next_update_at: datetime | None = _ts()
    draft_ts: str | None = None  # the draft's message in the incident channel
    sent_at: datetime | None = _ts()
    sent_by: str | None = None
    sent_via: str | None = None
    client_ts: str | None = None  # the copy posted in the client's shared channel


class Escalation(SQLModel, table=True):
    """One chain of pages for an incident: its system's escalation policy when it opens, or one
    `/incident page`. `next_at` is when the current level's wait runs out; a timer check
    advances rows that fell due, so the chain lives in the database, not in a scheduler."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    policy: str | None = None  # the catalog's escalation policy; None: one target, repeated
    target_schedule: str | None = None
    target_users: list = Field(default_factory=_empty_list, sa_type=sa.JSON)
    requested_by: str | None = None  # who paged on demand; None when the incident opened
    level: int = 0
    repeat: int = 0  # how often the last level has been paged again
    state: str = Field(default=EscalationState.ACTIVE, index=True)
    next_at: datetime | None = _ts(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = _ts()
    acknowledged_by: str | None = None
    # The chain's notices in the incident channel (message ts), each with an Acknowledge
    # button: once the chain stops they are updated to say who acknowledged, and when.
    notices: list = Field(default_factory=_empty_list, sa_type=sa.JSON)


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
    sent_at: datetime | None = _ts()
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


class Drill(SQLModel, table=True):
    """A practice incident played from a scenario (incidents/drills/scenarios.py)."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True, unique=True)
    scenario: str
    speed: float = 1.0  # scenario minutes per real minute
    started_by: str | None = None
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = _ts()
    debrief: dict = _json()  # as posted, so a retried message says the same
    debriefed_at: datetime | None = _ts(index=True)


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
    payload: dict = _json()
    played_at: datetime | None = _ts(index=True)
    skipped: bool = False  # the drill ended before it was due


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
    finished_at: datetime | None = _ts()
    event_id: int | None = None  # the timeline event that records the result
    message_ts: str | None = None  # its result message, re-rendered without Undo once undone


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
    summary: dict = _json()  # counts and versions, for the timeline and the review
    file_id: str | None = None  # the Slack file, once uploaded


__all__ = [
    "Alert",
    "AlertStatus",
    "Deadline",
    "DeadlineKind",
    "DeadlineState",
    "Drill",
    "DrillInject",
    "Escalation",
    "EscalationState",
    "EventKind",
    "EvidenceSnapshot",
    "FollowUp",
    "Handoff",
    "Incident",
    "ModelChange",
    "Notification",
    "Outbox",
    "Page",
    "Person",
    "Status",
    "TimelineEvent",
    "utcnow",
]


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


class MonitorSchedule(SQLModel, table=True):
    """When each drift monitor (`fraud-detector#1`) runs next. In the database, not in a
    replica's memory, so every replica agrees and a restart keeps the rhythm."""

    __tablename__ = "monitor_schedule"

    monitor_id: str = Field(primary_key=True)
    next_due: datetime = Field(sa_type=UTCDateTime)


class ReportabilityAssessment(SQLModel, table=True):
    """A person's answer to "must this incident be reported?": the questions of the
    system's regulations (incidents/regulatory/clocks.yml), who answered and when. The
    moment is the moment of awareness the clocks run from; every assessment is kept."""

    __tablename__ = "reportability_assessment"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    assessed_by: str | None = None
    assessed_at: datetime = Field(sa_type=UTCDateTime)
    answers: dict = _json()  # question key -> answer ("no", "yes", "death"…)
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
    submitted_at: datetime | None = _ts()
    submitted_by: str | None = None
    initial: bool = False  # submitted as an initial, incomplete report
