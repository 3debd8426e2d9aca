"""Use cases on incidents. Keyword-only functions that take the session and `now`.

Each change records a typed timeline event and queues the Slack work it implies in the
outbox, in the same transaction: the change and its announcement live or die together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from incidents import outbox
from incidents.catalog.models import Catalog, Policy
from incidents.deadlines import clocks as deadlines
from incidents.lifecycle.rules import refusal
from incidents.models import Incident
from incidents.oncall import paging
from incidents.registry import record as registry_record
from incidents.timeline import Refused, record
from incidents.types import EventKind, Severity, Status


def declare(
    session: Session,
    *,
    title: str,
    system: str,
    severity: Severity,
    now: datetime,
    catalog: Catalog,
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
    *, title: str, system: str, severity: Severity, now: datetime, catalog: Catalog,
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
    session: Session, incidents: list[Incident], *, now: datetime, catalog: Catalog,
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


def change_severity(
    session: Session, *, incident: Incident, severity: Severity, actor: str | None, now: datetime,
    policy: Policy | None = None, catalog: Catalog | None = None,
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
    """Sev1 means the emergency response; the channel hears it the moment it applies."""
    outbox.emergency(session, incident, actor=actor, now=now)


def change_status(
    session: Session, *, incident: Incident, status: Status, actor: str | None, now: datetime,
    policy: Policy | None = None,
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
    policy: Policy | None = None,
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


def resolve(
    session: Session,
    *,
    incident: Incident,
    summary: str,
    actor: str | None,
    now: datetime,
    root_cause_category: str | None = None,
    policy: Policy | None = None,
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
    policy: Policy | None = None,
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
    policy: Policy | None = None,
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


