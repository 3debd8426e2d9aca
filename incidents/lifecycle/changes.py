"""Use cases on incidents. Keyword-only functions that take the session and `now`.

Each change records a typed timeline event and queues the Slack work it implies in the
outbox, in the same transaction: the change and its announcement live or die together.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from incidents import outbox
from incidents.deadlines import clocks as deadlines
from incidents.lifecycle.rules import refusal
from incidents.models import Incident, TimelineEvent
from incidents.oncall import paging
from incidents.registry import record as registry_record
from incidents.response_times import first_response
from incidents.types import OPEN_STATUSES, EventKind, Role, Severity, Status


class Refused(Exception):
    """A change the rules do not allow; the message explains it to the person who asked."""


def record(
    session: Session,
    *,
    incident: Incident,
    kind: EventKind,
    now: datetime,
    actor: str | None = None,
    text: str = "",
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    source_ts: str | None = None,
    announce: bool = False,
) -> TimelineEvent:
    """Add a typed event to the timeline; `announce` also queues a message in the channel.
    A person's event may be the first response: it counts for time to acknowledge."""
    incident.acknowledged_at = first_response(
        incident.acknowledged_at, created_at=incident.created_at, kind=kind, actor=actor,
        now=now, occurred_at=occurred_at)
    event = TimelineEvent(
        incident_id=incident.id,
        kind=kind,
        occurred_at=occurred_at or now,
        recorded_at=now,
        actor=actor,
        text=text,
        data=data or {},
        source_ts=source_ts,
    )
    session.add(event)
    if announce:
        session.flush()
        outbox.announce(session, event)
    return event


def declare(
    session: Session,
    *,
    title: str,
    system: str,
    severity: Severity,
    now: datetime,
    catalog: Any,
    declared_by: str | None = None,
    description: str = "",
    private: bool = False,
    is_drill: bool = False,
    impact_started_at: datetime | None = None,
    kind: EventKind = EventKind.DECLARED,
    page: bool | None = None,
) -> Incident:
    """Open an incident. `page`: page the on-call (default: unless it is a drill)."""
    incident = draft(title=title, system=system, severity=severity, now=now, catalog=catalog,
                     declared_by=declared_by, description=description, private=private,
                     is_drill=is_drill, impact_started_at=impact_started_at)
    open_all(session, [incident], now=now, catalog=catalog, kind=kind, page=page)
    return incident


def draft(
    *, title: str, system: str, severity: Severity, now: datetime, catalog: Any,
    declared_by: str | None = None, description: str = "", private: bool = False,
    is_drill: bool = False, impact_started_at: datetime | None = None,
) -> Incident:
    """A new incident, not stored yet: `open_all` stores and opens it."""
    entry = catalog.systems.get(system)
    return Incident(
        title=title.strip() or "Untitled incident",
        description=description,
        system=system,
        client=entry.client if entry else None,
        in_catalog=entry is not None,
        severity=int(severity),
        status=Status.TRIAGE,
        private=private,
        is_drill=is_drill,
        declared_by=declared_by,
        created_at=now,
        impact_started_at=impact_started_at,
    )


def open_all(
    session: Session, incidents: list[Incident], *, now: datetime, catalog: Any,
    kind: EventKind = EventKind.DECLARED, page: bool | None = None,
) -> None:
    """Store drafted incidents with one flush, then start each one's timeline, deadlines,
    Slack work and paging. An alert storm opens many at once; a flush each cost more than
    the rest of opening them."""
    session.add_all(incidents)
    session.flush()
    for incident in incidents:
        record(
            session,
            incident=incident,
            kind=kind,
            now=now,
            actor=incident.declared_by,
            text=f"{Severity(incident.severity).label} incident declared: {incident.title}",
            data={"severity": incident.severity, "system": incident.system},
        )
        deadlines.reconcile(session, incident=incident, now=now,
                            policy=getattr(catalog, "policy", None), start_clocks=True, new=True)
        outbox.sync(session, incident, new=True)
        if incident.severity == Severity.SEV1:
            _emergency_response(session, incident=incident, actor=incident.declared_by, now=now)
        paging.start(session, incident=incident, catalog=catalog, now=now, page=page)
        registry_record.queue_read(session, incident=incident, catalog=catalog)


def get(session: Session, incident_id: int) -> Incident | None:
    return session.get(Incident, incident_id)


def by_channel(session: Session, channel_id: str) -> Incident | None:
    return session.exec(select(Incident).where(Incident.channel_id == channel_id)).first()


def open_incidents(session: Session) -> list[Incident]:
    query = select(Incident).where(col(Incident.status).in_(list(OPEN_STATUSES)))
    return list(session.exec(query.order_by(col(Incident.id))))


def open_incident_for_system(session: Session, system: str) -> Incident | None:
    query = (
        select(Incident)
        .where(Incident.system == system, col(Incident.status).in_(list(OPEN_STATUSES)))
        .where(col(Incident.is_drill).is_(False))
        .order_by(col(Incident.id))
    )
    return session.exec(query).first()


def change_severity(
    session: Session, *, incident: Incident, severity: Severity, actor: str | None, now: datetime,
    policy: Any = None, catalog: Any = None,
) -> None:
    """`catalog`: also give a running escalation the new severity's wait."""
    if not incident.status_enum.is_open:
        raise Refused(f"The incident is {incident.status}; its severity can no longer change.")
    if incident.severity == severity:
        raise Refused(f"The incident is already {Severity(severity).label}.")
    before = incident.severity
    incident.severity = int(severity)
    direction = "raised" if severity < before else "lowered"
    record(
        session,
        incident=incident,
        kind=EventKind.SEVERITY_CHANGED,
        now=now,
        actor=actor,
        text=f"Severity {direction} from Sev{before} to {Severity(severity).label}",
        data={"from": before, "to": int(severity)},
        announce=True,
    )
    # An upgrade starts the tighter clocks from now; a downgrade only stops what no longer applies.
    deadlines.reconcile(session, incident=incident, now=now, policy=policy,
                        start_clocks=severity < before, actor=actor)
    outbox.sync(session, incident)
    if incident.severity == Severity.SEV1:
        _emergency_response(session, incident=incident, actor=actor, now=now)
    if catalog is not None:
        paging.rescale_waits(session, incident=incident, catalog=catalog, now=now)


def _emergency_response(
    session: Session, *, incident: Incident, actor: str | None, now: datetime
) -> None:
    """Sev1 means the seed's emergency response; the channel hears it the moment it applies."""
    outbox.emergency(session, incident, actor=actor, now=now)


def change_status(
    session: Session, *, incident: Incident, status: Status, actor: str | None, now: datetime,
    policy: Any = None,
) -> None:
    if status in (Status.RESOLVED, Status.DECLINED, Status.MERGED):
        raise Refused(f"Use `/incident {_VERB[status]}` to mark the incident {status}.")
    _transition(session, incident=incident, status=status, actor=actor, now=now, policy=policy)


_VERB = {Status.RESOLVED: "resolve", Status.DECLINED: "decline", Status.MERGED: "merge"}


def _transition(
    session: Session,
    *,
    incident: Incident,
    status: Status,
    actor: str | None,
    now: datetime,
    text: str | None = None,
    kind: EventKind = EventKind.STATUS_CHANGED,
    data: dict[str, Any] | None = None,
    policy: Any = None,
) -> None:
    reason = refusal(incident.status_enum, status)
    if reason:
        raise Refused(reason)
    before = incident.status
    incident.status = status
    if status == Status.MITIGATED and incident.mitigated_at is None:
        incident.mitigated_at = now
    if status == Status.RESOLVED:
        incident.resolved_at = now
    if status == Status.CLOSED:
        incident.closed_at = now
    if status == Status.INVESTIGATING and before == Status.RESOLVED:
        incident.resolved_at = None
    record(
        session,
        incident=incident,
        kind=kind,
        now=now,
        actor=actor,
        text=text or f"Status changed from {before} to {status}",
        data={"from": before, "to": str(status), **(data or {})},
        announce=True,
    )
    # Resolving stops the clocks and starts the review's; closing means the review is done.
    deadlines.reconcile(session, incident=incident, now=now, policy=policy, actor=actor)
    outbox.sync(session, incident)


def assign(
    session: Session,
    *,
    incident: Incident,
    role: Role,
    user: str,
    actor: str | None,
    now: datetime,
) -> None:
    if not incident.status_enum.is_open and incident.status != Status.RESOLVED:
        raise Refused(f"The incident is {incident.status}; roles can no longer change.")
    if getattr(incident, role) == user:
        raise Refused(f"<@{user}> is already the {role}.")
    previous = getattr(incident, role)
    setattr(incident, role, user)
    record(
        session,
        incident=incident,
        kind=EventKind.ROLE_ASSIGNED,
        now=now,
        actor=actor,
        text=f"{role.capitalize()} assigned",
        data={"role": str(role), "user": user, "previous": previous},
        announce=True,
    )
    outbox.sync(session, incident)


def add_note(
    session: Session, *, incident: Incident, text: str, actor: str | None, now: datetime
) -> TimelineEvent:
    if not text.strip():
        raise Refused("A note needs some text: `/incident note <text>`.")
    return record(
        session, incident=incident, kind=EventKind.NOTE, now=now, actor=actor, text=text,
        announce=True,
    )


def add_slack_message(
    session: Session,
    *,
    incident: Incident,
    ts: str,
    author: str | None,
    text: str,
    actor: str | None,
    now: datetime,
    how: str,
    permalink: str | None = None,
) -> TimelineEvent | None:
    """Copy a Slack message into the timeline at its own time; None when it is already there."""
    exists = session.exec(
        select(TimelineEvent).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.source_ts == ts
        )
    ).first()
    if exists:
        return None
    return record(
        session,
        incident=incident,
        kind=EventKind.SLACK_MESSAGE,
        now=now,
        actor=actor,
        text=text,
        occurred_at=slack_ts_to_datetime(ts),
        source_ts=ts,
        data={"author": author, "how": how, "permalink": permalink},
    )


def slack_ts_to_datetime(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def resolve(
    session: Session,
    *,
    incident: Incident,
    summary: str,
    actor: str | None,
    now: datetime,
    root_cause_category: str | None = None,
    policy: Any = None,
) -> None:
    if not summary.strip():
        raise Refused("Resolving needs a one-line resolution summary.")
    incident.resolution_summary = summary.strip()
    if root_cause_category:
        incident.root_cause_category = root_cause_category
    _transition(
        session,
        incident=incident,
        status=Status.RESOLVED,
        actor=actor,
        now=now,
        kind=EventKind.RESOLVED,
        text=f"Resolved: {summary.strip()}",
        data={"summary": summary.strip(), "root_cause_category": root_cause_category},
        policy=policy,
    )


def decline(
    session: Session, *, incident: Incident, actor: str | None, now: datetime, reason: str = "",
    policy: Any = None,
) -> None:
    _transition(
        session,
        incident=incident,
        status=Status.DECLINED,
        actor=actor,
        now=now,
        kind=EventKind.DECLINED,
        text="Declined as a false alarm" + (f": {reason}" if reason else ""),
        data={"reason": reason},
        policy=policy,
    )


def merge(
    session: Session, *, incident: Incident, into: Incident, actor: str | None, now: datetime,
    policy: Any = None,
) -> None:
    if into.id == incident.id:
        raise Refused("An incident cannot be merged into itself.")
    if not into.status_enum.is_open:
        raise Refused(f"Incident #{into.id} is {into.status}; merge into an open incident.")
    incident.merged_into_id = into.id
    _transition(
        session,
        incident=incident,
        status=Status.MERGED,
        actor=actor,
        now=now,
        kind=EventKind.MERGED,
        text=f"Merged into incident #{into.id}",
        data={"into": into.id},
        policy=policy,
    )
    record(
        session,
        incident=into,
        kind=EventKind.MERGED_IN,
        now=now,
        actor=actor,
        text=f"Incident #{incident.id} ({incident.title}) merged into this one",
        data={"merged": incident.id},
        announce=True,
    )


def timeline(session: Session, incident_id: int) -> list[TimelineEvent]:
    query = (
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id)
        .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
    )
    return list(session.exec(query))
