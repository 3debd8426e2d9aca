"""The review's client-communication section: every notification and status update, when
it reached the client, and whether the next update it promised came on time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from incidents.comms.models import Notification
from incidents.comms.notifications import NotificationKind, SentVia
from incidents.response_times import format_duration
from incidents.review.format import GAP, Clock, Moment


@dataclass(frozen=True)
class Message:
    kind: str
    recipient: str
    drafted: Moment
    drafted_by: str
    sent: str
    promise: str
    text: list[str]


def last_reported_cause(notes: list[Notification], clock: Clock) -> str | None:
    for note in reversed(notes):
        cause = (note.fields or {}).get("root_cause")
        if cause:
            kind = NotificationKind(note.kind).label.lower()
            return f"“{cause}” ({kind}, {clock.text(note.drafted_at)})"
    return None


def _when(note: Notification) -> datetime | None:
    """When the client had it: a status update when given, a notification when sent."""
    if note.kind == NotificationKind.STATUS_UPDATE:
        return note.drafted_at
    return note.sent_at


def communication_section(notes: list[Notification], clock: Clock, who, now: datetime, *,
                   resolved_at: datetime | None) -> list[Message]:
    given = sorted((n for n in notes if _when(n) is not None), key=lambda n: (_when(n), n.id))
    messages = []
    for note in notes:
        kind = NotificationKind(note.kind)
        if note.sent_at is not None:
            how = ("sent to the client channel" if note.sent_via == SentVia.CLIENT_CHANNEL
                   else "marked as sent")
            sent = f"{how} {clock.text(note.sent_at)} by {who(note.sent_by)}"
        elif kind == NotificationKind.STATUS_UPDATE:
            sent = f"given {clock.text(note.drafted_at)}; not marked as sent to the client"
        else:
            sent = "drafted, never marked as sent"
        messages.append(Message(
            kind=kind.label,
            recipient=note.recipient or f"recipient {GAP}",
            drafted=clock.moment(note.drafted_at),
            drafted_by=who(note.drafted_by),
            sent=sent,
            promise=_promise(note, given, clock, now, resolved_at),
            text=note.text.splitlines() or [""],
        ))
    return messages


def _promise(note: Notification, given: list[Notification], clock: Clock, now: datetime,
             resolved_at: datetime | None) -> str:
    """Was the next update promised in this message given on time?"""
    promised = note.next_update_at
    start = _when(note)
    if promised is None or start is None:
        return ""
    later = next((n for n in given if n.id != note.id and _when(n) > start), None)
    target = clock.text(promised)
    if later is None:
        if resolved_at is not None and start <= resolved_at <= promised:
            return (f"next update promised by {target}: the incident was resolved first "
                    "(send the resolution notification)")
        if now <= promised:
            return f"next update promised by {target}: not due yet"
        late = format_duration(now - promised)
        return f"next update promised by {target}: not given ({late} late)"
    at = _when(later)
    if at <= promised:
        return f"next update promised by {target}: kept ({clock.text(at)})"
    return f"next update promised by {target}: late by {format_duration(at - promised)}"
