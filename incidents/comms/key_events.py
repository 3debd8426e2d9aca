"""The incident in a few lines a client can read: when the problem began, when we noticed
and responded, what we did to limit it, when we told them, and when it was fixed. Business
terms only (we tell clients the business impact, not the technical details): no alerts,
roles or deadlines. Shown in the review and offered in the resolution
notification, where the comms lead can edit it before it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from incidents.comms.models import Notification
from incidents.models import Alert, Incident, TimelineEvent
from incidents.triage.mitigation import client_words
from incidents.types import AlertStatus, EventKind, Severity
from incidents.wording import describe_metric

_NOTIFIED = {"initial": "We informed you", "status_update": "We sent you a status update"}


@dataclass(frozen=True)
class KeyEvent:
    at: datetime
    text: str


def key_events(session: Session, *, incident: Incident) -> list[KeyEvent]:
    """In time order; what was never recorded is left out, not guessed."""
    found: list[KeyEvent] = []
    alerts = list(session.exec(
        select(Alert).where(Alert.incident_id == incident.id,
                            Alert.status == AlertStatus.FIRING)
        .order_by(col(Alert.starts_at), col(Alert.id))))
    first = alerts[0] if alerts else None
    began = incident.impact_started_at or (first.starts_at if first else None)
    if began is not None:
        measured = next((w for w in (describe_metric(a.metric) for a in alerts) if w), None)
        found.append(KeyEvent(began, "The problem began" + (f": {measured}." if measured
                                                             else ".")))
    found.append(KeyEvent(incident.created_at, "Our monitoring alerted our team." if first
                          and first.received_at <= incident.created_at
                          else "Our team opened an incident."))
    if incident.acknowledged_at is not None:
        found.append(KeyEvent(incident.acknowledged_at, "Our team started working on it."))
    events = session.exec(
        select(TimelineEvent.occurred_at, TimelineEvent.kind, TimelineEvent.data)
        .where(TimelineEvent.incident_id == incident.id,
               col(TimelineEvent.kind).in_([EventKind.SEVERITY_CHANGED, EventKind.MITIGATION]))
        .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))).all()
    worst = incident.severity if not events else _opening_severity(events, incident.severity)
    said: set[str] = set()
    for at, kind, data in events:
        data = data or {}
        if kind == EventKind.SEVERITY_CHANGED and int(data.get("to", 4)) < worst:
            worst = int(data["to"])
            found.append(KeyEvent(at, f"We raised its priority: {_plain(worst)}."))
        elif kind == EventKind.MITIGATION and data.get("ok") is not False:
            words = client_words(str(data.get("action")), looking_back=True)
            if words and words not in said:
                said.add(words)
                found.append(KeyEvent(at, words))
    notes = session.exec(select(Notification).where(
        Notification.incident_id == incident.id, col(Notification.sent_at).is_not(None)))
    for note in notes:
        if note.kind in _NOTIFIED:
            found.append(KeyEvent(note.sent_at, f"{_NOTIFIED[note.kind]}."))
    if incident.resolved_at is not None:
        fix = (incident.resolution_summary or "").strip().rstrip(".")
        found.append(KeyEvent(incident.resolved_at, f"Resolved: {fix}." if fix
                              else "The issue was resolved."))
    return sorted(found, key=lambda e: e.at)


def _opening_severity(events, current: int) -> int:
    changes = [data for _at, kind, data in events
               if kind == EventKind.SEVERITY_CHANGED and data and "from" in data]
    return int(changes[0]["from"]) if changes else current


def _plain(severity: int) -> str:
    """`critical: the predictions were causing significant business harm`."""
    meaning = Severity(severity).meaning
    level, _, why = meaning.partition(": ")
    return f"{level.lower()} ({why})"


def as_lines(events: list[KeyEvent]) -> str:
    """`27 Nov 09:53 UTC: The problem began …`, one line each, for a notification."""
    return "\n".join(f"{e.at.astimezone(UTC):%d %b %H:%M} UTC: {e.text}" for e in events)
