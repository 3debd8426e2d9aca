"""Deadline policy, pure: which clocks a severity starts, when each is due and reminded, and how
a change of severity or status moves them (`plan`). The use cases are in clocks.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from incidents.catalog.models import Policy
from incidents.regulatory import clocks as regulatory_clocks
from incidents.types import REGULATORY_DEADLINES, DeadlineKind, DeadlineState, Status

# States in which a deadline still needs doing (missed: overdue, but still to be done).
LIVE = (DeadlineState.PENDING, DeadlineState.SNOOZED, DeadlineState.MISSED)


REVIEW_SEVERITIES = frozenset({1, 2})


# A 10-minute heads-up is useless for a review due in a week: remind a day ahead.
REVIEW_MIN_LEAD = timedelta(days=1)


_POLICY_FIELDS = {
    DeadlineKind.EXECUTIVE_NOTIFICATION: "executive_notification",
    DeadlineKind.TECHNICAL_NOTIFICATION: "technical_notification",
    DeadlineKind.FIRST_RESPONSE: "first_response",
    DeadlineKind.STATUS_UPDATE: "status_update_every",
}


NOTIFICATIONS = frozenset({
    DeadlineKind.EXECUTIVE_NOTIFICATION,
    DeadlineKind.TECHNICAL_NOTIFICATION,
    DeadlineKind.FIRST_RESPONSE,
})


TITLES = {
    DeadlineKind.EXECUTIVE_NOTIFICATION: "Client executive notification",
    DeadlineKind.TECHNICAL_NOTIFICATION: "Client technical contact notification",
    DeadlineKind.FIRST_RESPONSE: "First response",
    DeadlineKind.STATUS_UPDATE: "Status update",
    DeadlineKind.REVIEW: "Post-incident review",
    **regulatory_clocks.TITLES,
}


TASKS = {
    DeadlineKind.EXECUTIVE_NOTIFICATION: "Tell the client's executive contact what is "
    "happening, the business impact and what we are doing about it.",
    DeadlineKind.TECHNICAL_NOTIFICATION: "Tell the client's technical contact, and make sure "
    "a senior engineer is assigned.",
    DeadlineKind.FIRST_RESPONSE: "Assign an engineer and tell the client through the normal "
    "channels.",
    DeadlineKind.STATUS_UPDATE: "Post a status update: where we are, the impact, next steps "
    "and when the next update comes.",
    DeadlineKind.REVIEW: "Hold the post-incident review, then close the incident.",
    **regulatory_clocks.TASKS,
}


class Stage(StrEnum):
    REMINDER = "reminder"  # before the deadline
    ESCALATION = "escalation"  # at the deadline, not met: the deadline is missed
    OVERDUE = "overdue"  # a snoozed reminder of a deadline already missed


def clocks(severity: int, policy: Policy) -> dict[DeadlineKind, timedelta]:
    """The deadlines an open incident of this severity runs, with their windows."""
    rules = policy.for_severity(int(severity))
    found = {kind: getattr(rules, name) for kind, name in _POLICY_FIELDS.items()}
    return {kind: window for kind, window in found.items() if window is not None}


def add_business_days(start: datetime, days: int, holidays: Iterable[date] = ()) -> datetime:
    """The same time of day `days` business days later; weekends and holidays are skipped."""
    skip = set(holidays)
    moment, left = start, days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5 and moment.date() not in skip:
            left -= 1
    return moment


def lead_for(kind: str, policy: Policy) -> timedelta:
    if kind in REGULATORY_DEADLINES:
        return regulatory_clocks.lead(kind)  # a day before a 15-day report, not 10 minutes
    lead = policy.reminder_lead
    return max(lead, REVIEW_MIN_LEAD) if kind == DeadlineKind.REVIEW else lead


def reminder_moment(*, created_at: datetime, due_at: datetime, lead: timedelta) -> datetime | None:
    """When to remind: `lead` before the deadline, but never before the clock started (a
    window shorter than the lead, as in tests, is reminded half-way). None: no window."""
    window = due_at - created_at
    if window <= timedelta(0):
        return None
    moment = due_at - lead
    return moment if moment > created_at else created_at + window / 2


def next_reminder_at(deadline: Any, *, lead: timedelta) -> datetime | None:
    """The next moment a reminder or escalation is due for this deadline, if any."""
    if deadline.state == DeadlineState.SNOOZED:
        return deadline.snoozed_until
    if deadline.state != DeadlineState.PENDING or deadline.escalated:
        return None
    if deadline.reminders_sent == 0:
        moment = reminder_moment(created_at=deadline.created_at, due_at=deadline.due_at,
                                 lead=lead)
        if moment is not None and moment < deadline.due_at:
            return moment
    return deadline.due_at


def stage_at(deadline: Any, now: datetime) -> Stage:
    if now < deadline.due_at:
        return Stage.REMINDER
    return Stage.OVERDUE if deadline.escalated else Stage.ESCALATION


@dataclass(frozen=True)
class Plan:
    create: tuple[tuple[DeadlineKind, datetime], ...] = ()
    cancel: tuple[Any, ...] = ()  # existing deadlines that no longer apply
    complete: tuple[Any, ...] = ()  # existing deadlines the change itself met
    # Cancelled deadlines that apply again, with their new due time: a clock that already
    # ran goes on where it stopped (Sev1 → Sev2 → Sev1 gives no fresh 30 minutes).
    resume: tuple[tuple[Any, datetime], ...] = ()


def resumed_due(deadline: Any, now: datetime) -> datetime:
    """When a stopped clock falls due once it applies again: the time it had left when it
    stopped (`completed_at` of a cancelled deadline) counts from now; one that had already
    run out keeps its due time, so it is missed, not restarted."""
    stopped = deadline.completed_at or now
    if deadline.escalated or stopped >= deadline.due_at:
        return deadline.due_at
    return now + (deadline.due_at - stopped)


def plan(
    *,
    severity: int,
    status: str,
    existing: Sequence[Any],
    now: datetime,
    policy: Policy,
    start_clocks: bool,
    speed: float = 1.0,
) -> Plan:
    """What the incident's deadlines must become. `start_clocks` is true at declaration and
    on an upgrade: only then do notification clocks start (a downgrade only stops them).
    `policy` is as the incident's clocks run it (`at_speed`); `speed` shortens the review's
    business days the same way."""
    status = Status(status)
    required = clocks(severity, policy) if status.is_open else {}
    live = [d for d in existing if d.state in LIVE]
    done = {d.kind for d in existing if d.state == DeadlineState.DONE}
    cancelled = [d for d in existing if d.state == DeadlineState.CANCELLED]
    # The latest stopped clock of each kind (`completed_at`: when it stopped).
    stopped = {d.kind: d for d in sorted(cancelled, key=lambda d: d.completed_at or d.due_at)}
    create: list[tuple[DeadlineKind, datetime]] = []
    cancel: list[Any] = []
    complete: list[Any] = []
    resume: list[tuple[Any, datetime]] = []
    for deadline in live:
        if deadline.kind in REGULATORY_DEADLINES:
            continue  # started and stopped by reportability assessments (regulatory/assessment.py)
        if deadline.kind == DeadlineKind.REVIEW:
            if status == Status.CLOSED:
                complete.append(deadline)
            elif status != Status.RESOLVED:
                cancel.append(deadline)
        elif deadline.kind not in required:
            cancel.append(deadline)
    for kind, window in required.items():
        due = now + window
        running = [d for d in live if d.kind == kind]
        if running:
            if start_clocks and min(d.due_at for d in running) > due:
                cancel += running  # an upgrade tightens a clock: it restarts from now
                create.append((kind, due))
        elif kind == DeadlineKind.STATUS_UPDATE or (start_clocks and kind not in done):
            if kind in stopped:
                resume.append((stopped[kind], resumed_due(stopped[kind], now)))
            else:
                create.append((kind, due))
    reviewed = any(d.kind == DeadlineKind.REVIEW for d in live) or DeadlineKind.REVIEW in done
    if status == Status.RESOLVED and severity in REVIEW_SEVERITIES and not reviewed:
        due = add_business_days(now, policy.review_within_business_days, policy.holidays)
        create.append((DeadlineKind.REVIEW, now + (due - now) / speed))
    return Plan(tuple(create), tuple(cancel), tuple(complete), tuple(resume))
