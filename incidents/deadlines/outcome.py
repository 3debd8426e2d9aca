"""What became of a deadline, one definition for every document: the review's deadline
table, `incidentbot report`, `/incident stats` (its SQL twin is `outcome` in
incidents/analytics/query.py) and a drill's debrief. A deadline missed stays missed whatever
happens to it afterwards: a severity lowered or the incident resolved after it fell due
changes nothing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from incidents.types import DeadlineState


class DeadlineOutcome(StrEnum):
    MET = "met"
    LATE = "late"
    MISSED = "missed"
    OPEN = "open"
    CANCELLED = "cancelled"


def deadline_outcome(
    *, state: str, due_at: datetime, completed_at: datetime | None, escalated: bool,
    now: datetime,
) -> DeadlineOutcome:
    """`escalated`: the timer found the deadline unmet when it fell due. A deadline cancelled
    after that (resolving stops the status update clock, a lower severity the notification
    clocks) was still missed."""
    if state == DeadlineState.CANCELLED:
        return DeadlineOutcome.MISSED if escalated else DeadlineOutcome.CANCELLED
    if state == DeadlineState.DONE:
        # Done without a recorded moment and never escalated: nothing says it was late.
        late = escalated or (completed_at is not None and completed_at > due_at)
        return DeadlineOutcome.LATE if late else DeadlineOutcome.MET
    if state == DeadlineState.MISSED or due_at <= now:
        return DeadlineOutcome.MISSED
    return DeadlineOutcome.OPEN
