"""Client communication: notifications and status updates drafted from the incident.

The rules: tell the client fast and honestly, in business terms, and always say when the
next update comes. A draft is pre-filled from the database, edited by a person,
posted in the incident channel for the comms lead, and counts as sent only when someone
marks it sent or sends it to the client's shared channel; that stops its deadline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from incidents import contract, documents, outbox, timeline
from incidents.catalog.ai import Contract
from incidents.catalog.models import Catalog, Policy
from incidents.comms.key_events import as_lines, key_events
from incidents.comms.models import Notification
from incidents.deadlines import clocks as deadlines
from incidents.deadlines.speed import speed_of
from incidents.models import Alert, Deadline, Incident, TimelineEvent
from incidents.registry import record as registry_record
from incidents.triage.mitigation import client_words
from incidents.types import AlertStatus, DeadlineKind, EventKind, Severity, Status

DEFAULT_UPDATE_EVERY = timedelta(hours=2)  # "we will update you within 2 hours"


class NotificationKind(StrEnum):
    INITIAL = "initial"
    STATUS_UPDATE = "status_update"
    RESOLUTION = "resolution"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    NotificationKind.INITIAL: "Initial notification",
    NotificationKind.STATUS_UPDATE: "Status update",
    NotificationKind.RESOLUTION: "Resolution notification",
}

TEMPLATES = {
    NotificationKind.INITIAL: documents.INITIAL_NOTIFICATION,
    NotificationKind.STATUS_UPDATE: documents.STATUS_UPDATE,
    NotificationKind.RESOLUTION: documents.RESOLUTION_NOTIFICATION,
}

# What each form asks for, in order. `next_update_at` is a datetime, the rest text.
FIELDS: dict[NotificationKind, tuple[str, ...]] = {
    NotificationKind.INITIAL: (
        "recipient", "system", "business_impact", "actions", "mitigation",
        "next_update_at", "our_contact",
    ),
    NotificationKind.STATUS_UPDATE: (
        "recipient", "system", "root_cause", "current_status", "expected_resolution",
        "business_impact", "client_action", "next_update_at",
    ),
    NotificationKind.RESOLUTION: (
        "recipient", "system", "root_cause", "resolution", "current_performance",
        "key_events", "review_within",
    ),
}


class SentVia(StrEnum):
    MARKED = "marked_as_sent"
    CLIENT_CHANNEL = "client_channel"


_DOING = {
    Status.TRIAGE: "Our team is assessing the impact and looking for the cause.",
    Status.INVESTIGATING: "Our team is actively investigating the cause.",
    Status.MITIGATED: "The impact is contained and our team is working on a permanent fix.",
    Status.RESOLVED: "The issue is fixed and we are confirming that the system is stable.",
}


def initial_deadline(severity: int) -> DeadlineKind | None:
    """The deadline a first notification meets: the client clock of each severity."""
    return {
        Severity.SEV1: DeadlineKind.EXECUTIVE_NOTIFICATION,
        Severity.SEV2: DeadlineKind.TECHNICAL_NOTIFICATION,
        Severity.SEV3: DeadlineKind.FIRST_RESPONSE,
    }.get(Severity(severity))


def default_kind(incident: Incident) -> NotificationKind:
    resolved = incident.status in (Status.RESOLVED, Status.CLOSED)
    return NotificationKind.RESOLUTION if resolved else NotificationKind.INITIAL


def update_interval(catalog: Catalog, severity: int) -> timedelta:
    every = catalog.policy.for_severity(severity).status_update_every
    return every or DEFAULT_UPDATE_EVERY


def recipient(catalog: Catalog, incident: Incident) -> str:
    """Sev1 goes to the client's executive contact, anything else to the technical one."""
    client = catalog.client_for(incident.system)
    if client is None:
        return ""
    order = [client.executive_contact, client.technical_contact]
    if incident.severity != Severity.SEV1:
        order.reverse()
    contact = next((c for c in order if c is not None), None)
    if contact is None:
        return ""
    return f"{contact.name} <{contact.email}>" if contact.email else contact.name


def system_name(catalog: Catalog, system_key: str) -> str:
    system = catalog.systems.get(system_key)
    return (system.name if system and system.name else system_key)


def client_channel(catalog: Catalog, incident: Incident) -> str | None:
    client = catalog.client_for(incident.system)
    return client.channel if client else None


def _alerts(session: Session, incident_id: int) -> list[Alert]:
    return list(session.exec(
        select(Alert).where(Alert.incident_id == incident_id)
        .order_by(col(Alert.starts_at), col(Alert.id))
    ))


def _metric_wording(alerts: list[Alert], bounds: Contract | None = None) -> str | None:
    for alert in alerts:
        wording = contract.describe(alert.metric, bounds)
        if wording:
            return wording
    return None


def business_impact(session: Session, *, incident: Incident, latest: bool = False,
                    bounds: Contract | None = None) -> str:
    """The impact in the client's terms, from the opening alert's metric (or the latest one
    for an update): `flag rate 2.0% → 40.0% (threshold 10.0%) since 10:00 UTC`; against the
    client's contract when `bounds` covers the metric: `accuracy 85.0% → 74.0%, below the
    contractual 80.0%`."""
    firing = [a for a in _alerts(session, incident.id) if a.status == AlertStatus.FIRING]
    wording = _metric_wording(list(reversed(firing)) if latest else firing, bounds)
    since = incident.impact_started_at or (firing[0].starts_at if firing else None)
    if wording and since:
        wording = f"{wording} since {since.astimezone(UTC):%H:%M} UTC"
    return join_sentences(incident.business_impact, wording)


def join_sentences(first: str | None, then: str | None) -> str:
    """Two statements as one text: `Payments held for review. Null rate …` after a full
    sentence, `payments held; null rate …` after a phrase."""
    first, then = (first or "").strip(), (then or "").strip()
    if not first or not then:
        return first or then
    if first[-1] in ".!?":
        return f"{first} {then[0].upper()}{then[1:]}."
    return f"{first}; {then}"


def mitigation_in_place(session: Session, incident_id: int) -> str:
    """Every mitigation that worked, in the client's words, oldest first."""
    events = session.exec(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id,
               TimelineEvent.kind == EventKind.MITIGATION)
        .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
    ).all()
    said: list[str] = []
    for event in events:
        data = event.data or {}
        if data.get("ok") is False:
            continue
        if data.get("change") and registry_record.undone(session, data["change"]):
            continue  # a registry rollback undone since: no longer in place
        words = client_words(str(data.get("action"))) or event.text
        if words not in said:
            said.append(words)
    return " ".join(said)


def root_cause_text(incident: Incident) -> str:
    if incident.root_cause:
        return incident.root_cause
    return category_label(incident.root_cause_category) or ""


def category_label(category: str | None) -> str | None:
    return category.replace("_", " ").capitalize() if category else None


def _performance_now(session: Session, incident_id: int, bounds: Contract | None) -> str:
    resolved = [a for a in _alerts(session, incident_id) if a.status == AlertStatus.RESOLVED]
    return _metric_wording(list(reversed(resolved)), bounds) or ""


def _next_minute(moment: datetime) -> datetime:
    rounded = moment.replace(second=0, microsecond=0)
    return rounded if rounded == moment else rounded + timedelta(minutes=1)


def prefill(
    session: Session,
    *,
    incident: Incident,
    catalog: Catalog,
    kind: NotificationKind,
    now: datetime,
    our_contact: str = "",
) -> dict[str, Any]:
    """The form's starting values, all taken from the incident and the catalog."""
    status = Status(incident.status)
    every = update_interval(catalog, incident.severity) / speed_of(incident)
    next_update = _next_minute(now + every)
    mitigation = mitigation_in_place(session, incident.id)
    bounds = catalog.contract_for(incident.system)
    values: dict[str, Any] = {
        "recipient": recipient(catalog, incident),
        "system": system_name(catalog, incident.system),
        "business_impact": business_impact(
            session, incident=incident, latest=kind == NotificationKind.STATUS_UPDATE,
            bounds=bounds,
        ),
        "actions": _DOING.get(status, ""),
        "mitigation": mitigation,
        "next_update_at": next_update,
        "our_contact": our_contact,
        "root_cause": root_cause_text(incident),
        "current_status": " ".join(p for p in (mitigation, _DOING.get(status, "")) if p),
        "expected_resolution": "",
        "client_action": "None at this time.",
        "resolution": incident.resolution_summary or "",
        "current_performance": _performance_now(session, incident.id, bounds),
        "review_within": f"{catalog.policy.review_within_business_days} business days",
    }
    if kind == NotificationKind.RESOLUTION:
        values["key_events"] = as_lines(key_events(session, incident=incident))
    return {name: values[name] for name in FIELDS[kind]}


def compose(
    *, kind: NotificationKind, fields: dict[str, Any], incident: Incident, catalog: Catalog
) -> str:
    """The notification text, rendered from plain data by the (overridable) template."""
    values = {name: fields.get(name) for name in FIELDS[kind]}
    for name, value in values.items():
        if name != "next_update_at":
            values[name] = (value or "").strip()
    when = values.get("next_update_at")
    context = {
        "n": values,
        "kind": kind.label,
        "next_update": documents.promise_text(when) if when else "",
        "incident": {"id": incident.id, "title": incident.title,
                     "severity": Severity(incident.severity).label},
        "client": (catalog.client_for(incident.system).name
                   if catalog.client_for(incident.system) else ""),
    }
    return documents.render(TEMPLATES[kind], context, templates_dir=catalog.templates_dir).strip()


def _stored_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in fields.items()}


def draft(
    session: Session,
    *,
    incident: Incident,
    catalog: Catalog,
    kind: NotificationKind,
    fields: dict[str, Any],
    actor: str | None,
    now: datetime,
) -> Notification:
    """Store a notification draft and queue it for the channel; nothing is sent yet."""
    if kind == NotificationKind.STATUS_UPDATE:
        raise ValueError("status updates are recorded with record_status_update")
    return _create(session, incident=incident, catalog=catalog, kind=kind, fields=fields,
                   actor=actor, now=now)


def _create(session: Session, *, incident: Incident, catalog: Catalog, kind: NotificationKind,
            fields: dict[str, Any], actor: str | None, now: datetime) -> Notification:
    row = Notification(
        incident_id=incident.id,
        kind=kind,
        recipient=(fields.get("recipient") or "").strip(),
        text=compose(kind=kind, fields=fields, incident=incident, catalog=catalog),
        fields=_stored_fields(fields),
        drafted_at=now,
        drafted_by=actor,
        next_update_at=fields.get("next_update_at"),
    )
    session.add(row)
    session.flush()
    queue_refresh(session, row)
    return row


def record_status_update(
    session: Session,
    *,
    incident: Incident,
    catalog: Catalog,
    fields: dict[str, Any],
    actor: str | None,
    now: datetime,
) -> Notification:
    """A status update is given when submitted: it is recorded, and the promised next update
    becomes the next status-update deadline."""
    due = fields.get("next_update_at")
    if not isinstance(due, datetime) or due <= now:
        raise timeline.Refused("The next update time must be in the future.")
    if not incident.status_enum.is_open:
        raise timeline.Refused(f"The incident is {incident.status}; send the resolution "
                              "notification instead of a status update.")
    row = _create(session, incident=incident, catalog=catalog,
                  kind=NotificationKind.STATUS_UPDATE, fields=fields, actor=actor, now=now)
    timeline.record(
        session, incident=incident, kind=EventKind.STATUS_UPDATE, now=now, actor=actor,
        text=f"Status update given; next update promised by {documents.utc_text(due)}",
        data={"notification": row.id, "next_update_at": due.isoformat()},
    )
    deadlines.set_next_status_update(session, incident=incident, due_at=due, now=now,
                                     actor=actor, policy=catalog.policy)
    return row


def mark_sent(
    session: Session,
    *,
    notification: Notification,
    via: SentVia,
    actor: str | None,
    now: datetime,
    client_ts: str | None = None,
    policy: Policy | None = None,
) -> bool:
    """Record that the client has it. False when it was already sent (a second click)."""
    if notification.sent_at is not None:
        return False
    incident = session.get(Incident, notification.incident_id)
    notification.sent_at, notification.sent_by = now, actor
    notification.sent_via, notification.client_ts = via, client_ts
    kind = NotificationKind(notification.kind)
    how = "sent to the client channel" if via == SentVia.CLIENT_CHANNEL else "marked as sent"
    timeline.record(
        session, incident=incident, kind=EventKind.NOTIFICATION_SENT, now=now, actor=actor,
        text=f"{kind.label} {how}" + (f" (to {notification.recipient})"
                                      if notification.recipient else ""),
        data={"notification": notification.id, "kind": str(kind), "via": str(via),
              "recipient": notification.recipient},
    )
    if kind == NotificationKind.INITIAL:
        deadline = initial_deadline(incident.severity)
        if deadline is not None:
            deadlines.complete(session, incident=incident, kind=deadline, now=now, actor=actor,
                               policy=policy)
    queue_refresh(session, notification)
    return True


def queue_refresh(session: Session, notification: Notification) -> None:
    """Post the draft, or re-render it in place once it is sent."""
    outbox.draft(session, incident_id=notification.incident_id,
                 notification_id=notification.id)


def for_incident(session: Session, incident_id: int) -> list[Notification]:
    return list(session.exec(
        select(Notification).where(Notification.incident_id == incident_id)
        .order_by(col(Notification.drafted_at), col(Notification.id))
    ))


def pending_deadline(
    session: Session, incident: Incident, kind: NotificationKind
) -> Deadline | None:
    """The open deadline a notification of `kind` would meet, to show on its draft."""
    wanted = (initial_deadline(incident.severity) if kind == NotificationKind.INITIAL
              else DeadlineKind.STATUS_UPDATE if kind == NotificationKind.STATUS_UPDATE else None)
    live = deadlines.open_deadlines(session, incident_id=incident.id)
    return next((d for d in live if d.kind == wanted), None)
