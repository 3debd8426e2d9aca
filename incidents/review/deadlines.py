"""The review's deadlines: each one met, met late, missed, open or no longer required, with
the margins and snoozes, in words (the verdict itself is incidents/deadlines/outcome.py's),
and when the review itself is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from incidents.deadlines import clocks as deadlines
from incidents.deadlines import policy as deadline_policy
from incidents.deadlines.outcome import DeadlineOutcome, deadline_outcome
from incidents.models import Deadline, TimelineEvent
from incidents.response_times import format_duration
from incidents.review.format import Clock, Moment
from incidents.types import REGULATORY_DEADLINES, DeadlineKind, DeadlineState, EventKind


@dataclass(frozen=True)
class DeadlineLine:
    what: str
    due: Moment
    outcome: str


def _events(session: Session, incident_id: int) -> dict[int, list[TimelineEvent]]:
    events = session.exec(
        select(TimelineEvent).where(
            TimelineEvent.incident_id == incident_id,
            col(TimelineEvent.kind).in_([EventKind.DEADLINE_MET, EventKind.DEADLINE_MISSED,
                                         EventKind.DEADLINE_SNOOZED]),
        ).order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
    ).all()
    found: dict[int, list[TimelineEvent]] = {}
    for event in events:
        deadline_id = (event.data or {}).get("deadline")
        if isinstance(deadline_id, int):
            found.setdefault(deadline_id, []).append(event)
    return found


def outcome_text(deadline: Deadline, events: list[TimelineEvent], now: datetime,
                 clock: Clock | None = None) -> str:
    """Met on time, met late, missed, open or no longer required, with the margins: the
    verdict is incidents.deadlines.outcome's, as in `report` and `/incident stats`."""
    missed = deadline.escalated or any(e.kind == EventKind.DEADLINE_MISSED for e in events)
    snoozes = sum(1 for e in events if e.kind == EventKind.DEADLINE_SNOOZED)
    after = f" (reminder snoozed {snoozes}×)" if snoozes else ""
    due, stopped = deadline.due_at, deadline.completed_at
    verdict = deadline_outcome(state=deadline.state, due_at=due, completed_at=stopped,
                                        escalated=missed, now=now)
    if verdict == DeadlineOutcome.MET:
        ahead = f", {format_duration(due - stopped)} before the deadline" if stopped else ""
        return f"met{ahead}{after}"
    if verdict == DeadlineOutcome.LATE:
        late = f"done {format_duration(stopped - due)} after the deadline" if stopped \
            else "done after the deadline"
        return f"missed: {late}{after}"
    if verdict == DeadlineOutcome.CANCELLED:
        return "no longer required (severity or status changed) before it fell due"
    if verdict == DeadlineOutcome.OPEN:
        return f"open: due in {format_duration(due - now)}{after}"
    if deadline.state == DeadlineState.CANCELLED:
        when = f" from {clock.text(stopped)}" if clock and stopped else ""
        return f"missed: not done by the deadline; no longer required{when} (severity or " \
            f"status changed){after}"
    return f"missed: still not done, {format_duration(now - due)} overdue{after}"


def deadline_lines(session: Session, incident_id: int, clock: Clock,
                   now: datetime) -> list[DeadlineLine]:
    """The incident's deadlines but the regulatory ones, which have their own section with
    the articles (incidents/regulatory/reports.py)."""
    events = _events(session, incident_id)
    return [
        DeadlineLine(deadline_policy.TITLES.get(DeadlineKind(d.kind), d.kind),
                     clock.moment(d.due_at), outcome_text(d, events.get(d.id, []), now, clock))
        for d in deadlines.of_incident(session, incident_id)
        if d.kind not in REGULATORY_DEADLINES
    ]


def review_due(session: Session, incident_id: int, clock: Clock) -> str | None:
    review = next((d for d in deadlines.of_incident(session, incident_id)
                   if d.kind == DeadlineKind.REVIEW and d.state != DeadlineState.CANCELLED),
                  None)
    return clock.text(review.due_at) if review else None
