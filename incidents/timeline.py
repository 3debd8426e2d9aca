"""The timeline: every incident's typed, timestamped events. `record` is the one way an event
is written (use cases call it in their transaction, with the outbox row that announces it),
`Refused` the one way a use case says no."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from incidents import outbox
from incidents.models import Incident, TimelineEvent
from incidents.response_times import first_response
from incidents.types import EventKind


class Refused(Exception):
    """A change the rules do not allow; the message explains it to the person who asked.

    A message about someone says `{person}` where they are named and carries their user id
    as `person`: each adapter names people its own way (Slack with a mention), so the core
    writes no markup. `str()` gives the message with the bare id."""

    def __init__(self, message: str, *, person: str | None = None) -> None:
        super().__init__(message)
        self.message, self.person = message, person

    def worded(self, name: Callable[[str], str]) -> str:
        """The message with the person named by `name` (user id → how the reader sees them)."""
        if self.person is None:
            return self.message
        return self.message.replace("{person}", name(self.person))

    def __str__(self) -> str:
        return self.worded(str)


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
    source_ts: str,
    occurred_at: datetime,
    author: str | None,
    text: str,
    actor: str | None,
    now: datetime,
    how: str,
    permalink: str | None = None,
) -> TimelineEvent | None:
    """Copy a Slack message into the timeline at its own time (`occurred_at`, when it was
    written); None when the message (`source_ts`, its id in Slack) is already there."""
    exists = session.exec(
        select(TimelineEvent).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.source_ts == source_ts
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
        occurred_at=occurred_at,
        source_ts=source_ts,
        data={"author": author, "how": how, "permalink": permalink},
    )


def events(session: Session, incident_id: int) -> list[TimelineEvent]:
    query = (
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id)
        .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
    )
    return list(session.exec(query))


def events_of(session: Session, incident_id: int, kind: EventKind) -> list[TimelineEvent]:
    """The incident's events of one kind, in the order they happened."""
    return list(session.exec(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == kind)
        .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
    ))


def require_open(incident: Incident, what: str) -> None:
    if not incident.status_enum.is_open:
        raise Refused(f"The incident is {incident.status}; {what} is over.")
