"""Deadlines and reminders (SPEC 7): pure policy functions, then keyword-only use cases.

A deadline is a row: (kind, incident, due_at, state). Its next reminder moment is a row
column too (`next_reminder_at`), so the periodic check in the adapter only has to ask the
database what fell due; firing a moment advances that column in the same transaction as
the timeline event and the outbox message, so nothing is sent twice and nothing is lost
across a restart.

How each deadline is met (one deadline each, closed by "Mark done" or by the act itself):
- executive / technical notification and Sev3 first response: the notification being sent
  (`complete`, called by the documents feature) or "Mark done". Whether the engineer or
  senior engineer is assigned is shown in the reminder, not tracked as a second deadline.
- status update: `set_next_status_update` (the update promised its next one) or "Mark done"
  (the next one is then due one interval later).
- review: closing the incident (closed means the review is done) or "Mark done".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from incidents import outbox
from incidents.catalog.models import Policy
from incidents.deadlines.speed import at_speed, speed_of
from incidents.lifecycle import changes as service
from incidents.models import Deadline, Incident
from incidents.regulatory import clocks as regulatory_clocks
from incidents.types import REGULATORY_DEADLINES, DeadlineKind, DeadlineState, EventKind, Status

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


# ---------------------------------------------------------------- pure policy


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
            continue  # started and stopped by reportability assessments (regulatory.py)
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


# ---------------------------------------------------------------- use cases


def _policy(policy: Policy | None, incident: Incident | None = None) -> Policy:
    """The policy as this incident's clocks run it (a drill's at its speed). Callers that do
    not pass the catalog's policy get the seed's response times."""
    policy = policy if policy is not None else Policy()
    return policy if incident is None else at_speed(policy, speed_of(incident))


def of_incident(session: Session, incident_id: int) -> list[Deadline]:
    query = select(Deadline).where(Deadline.incident_id == incident_id)
    return list(session.exec(query.order_by(col(Deadline.due_at), col(Deadline.id))))


def open_deadlines(session: Session, *, incident_id: int) -> list[Deadline]:
    return [d for d in of_incident(session, incident_id) if d.state in LIVE]


def _schedule(deadline: Deadline, policy: Policy) -> None:
    deadline.next_reminder_at = next_reminder_at(deadline, lead=lead_for(deadline.kind, policy))


def start(
    session: Session, *, incident: Incident, kind: DeadlineKind, due_at: datetime,
    now: datetime, policy: Policy,
) -> Deadline:
    """`policy`: as the incident's clocks run it (`_policy(policy, incident)`)."""
    deadline = Deadline(incident_id=incident.id, kind=kind, due_at=due_at, created_at=now)
    _schedule(deadline, policy)
    session.add(deadline)
    return deadline


def _close(deadline: Deadline, state: DeadlineState, now: datetime) -> None:
    deadline.state = state
    deadline.next_reminder_at = None
    deadline.completed_at = now  # done, or (cancelled) when it stopped applying


def _met(session: Session, *, incident: Incident, deadline: Deadline, now: datetime,
         actor: str | None) -> None:
    _close(deadline, DeadlineState.DONE, now)
    on_time = now <= deadline.due_at
    late = "" if on_time else f", {_minutes(now - deadline.due_at)} late"
    service.record(
        session, incident=incident, kind=EventKind.DEADLINE_MET, now=now, actor=actor,
        text=f"{TITLES[DeadlineKind(deadline.kind)]} done{late}",
        data=_data(deadline, on_time=on_time),
    )


def reconcile(
    session: Session, *, incident: Incident, now: datetime, policy: Policy | None = None,
    start_clocks: bool = False, actor: str | None = None, new: bool = False,
) -> Plan:
    """Bring the incident's deadlines in line with its severity and status. `new`: the
    incident was opened in this transaction and has none yet (saves a query per incident
    when a storm opens many at once)."""
    existing = []
    if not new:
        session.flush()
        existing = of_incident(session, incident.id)
    return _apply(session, incident=incident, existing=existing,
                  now=now, policy=_policy(policy, incident), start_clocks=start_clocks,
                  actor=actor)


def _apply(session: Session, *, incident: Incident, existing: Sequence[Deadline],
           now: datetime, policy: Policy, start_clocks: bool, actor: str | None) -> Plan:
    result = plan(severity=incident.severity, status=incident.status, existing=existing,
                  now=now, policy=policy, start_clocks=start_clocks, speed=speed_of(incident))
    for deadline in result.cancel:
        if deadline.due_at <= now and not deadline.escalated:
            _missed(session, incident=incident, deadline=deadline, now=now)
        _close(deadline, DeadlineState.CANCELLED, now)
    for deadline in result.complete:
        _met(session, incident=incident, deadline=deadline, now=now, actor=actor)
    for kind, due_at in result.create:
        start(session, incident=incident, kind=kind, due_at=due_at, now=now, policy=policy)
    for deadline, due_at in result.resume:
        deadline.due_at, deadline.completed_at = due_at, None
        deadline.state = DeadlineState.MISSED if deadline.escalated else DeadlineState.PENDING
        _schedule(deadline, policy)
    return result


def _live_of_kind(session: Session, incident_id: int, kind: DeadlineKind) -> Deadline | None:
    return next((d for d in open_deadlines(session, incident_id=incident_id) if d.kind == kind),
                None)


def complete(
    session: Session, *, incident: Incident, kind: DeadlineKind, now: datetime,
    actor: str | None, policy: Policy | None = None,
) -> Deadline | None:
    """The deadline of this kind is met (a notification was sent, …); None if none was open.
    A met status update starts the next one, due one interval later."""
    deadline = _live_of_kind(session, incident.id, kind)
    if deadline is not None:
        _complete_row(session, incident=incident, deadline=deadline, now=now, actor=actor,
                      policy=policy)
    return deadline


def _complete_row(session: Session, *, incident: Incident, deadline: Deadline, now: datetime,
                  actor: str | None, policy: Policy | None) -> None:
    _met(session, incident=incident, deadline=deadline, now=now, actor=actor)
    reconcile(session, incident=incident, now=now, policy=policy, actor=actor)


def set_next_status_update(
    session: Session, *, incident: Incident, due_at: datetime, now: datetime,
    actor: str | None = None, policy: Policy | None = None,
) -> Deadline | None:
    """A status update was posted promising the next one at `due_at`: the current status
    update deadline is met and the next is due then (one interval later if the promised
    time has already passed). None when the severity needs no status updates."""
    policy = _policy(policy, incident)
    current = _live_of_kind(session, incident.id, DeadlineKind.STATUS_UPDATE)
    if current is not None:
        _met(session, incident=incident, deadline=current, now=now, actor=actor)
    every = clocks(incident.severity, policy).get(DeadlineKind.STATUS_UPDATE)
    if every is None or not incident.status_enum.is_open:
        return None
    return start(session, incident=incident, kind=DeadlineKind.STATUS_UPDATE,
                 due_at=due_at if due_at > now else now + every, now=now, policy=policy)


def _owned(session: Session, incident: Incident, deadline_id: int) -> Deadline | None:
    deadline = session.get(Deadline, deadline_id)
    if deadline is None or deadline.incident_id != incident.id or deadline.state not in LIVE:
        return None
    return deadline


def mark_done(
    session: Session, *, incident: Incident, deadline_id: int, now: datetime,
    actor: str | None, policy: Policy | None = None,
) -> Deadline | None:
    """The reminder's "Mark done" button; None when the deadline is no longer open."""
    deadline = _owned(session, incident, deadline_id)
    if deadline is not None and deadline.kind in REGULATORY_DEADLINES:
        raise service.Refused("A report is marked submitted with its own button, which "
                              "records the submission.")
    if deadline is not None:
        _complete_row(session, incident=incident, deadline=deadline, now=now, actor=actor,
                      policy=policy)
    return deadline


def snooze(
    session: Session, *, incident: Incident, deadline_id: int, duration: timedelta,
    now: datetime, actor: str | None, reason: str = "",
) -> Deadline | None:
    """No reminder until now + duration; the due time itself does not move. A regulatory
    report's reminder is snoozed only with a reason, which the timeline keeps."""
    deadline = _owned(session, incident, deadline_id)
    if deadline is None:
        return None
    reason = reason.strip()
    if deadline.kind in REGULATORY_DEADLINES and not reason:
        raise service.Refused("A regulatory report's reminder is snoozed only with a reason: "
                              "say why it can wait.")
    deadline.state = DeadlineState.SNOOZED
    deadline.snoozed_until = now + duration
    deadline.next_reminder_at = deadline.snoozed_until
    service.record(
        session, incident=incident, kind=EventKind.DEADLINE_SNOOZED, now=now, actor=actor,
        text=f"{TITLES[DeadlineKind(deadline.kind)]} reminder snoozed for "
        f"{_minutes(duration)}" + (f": {reason}" if reason else ""),
        data={**_data(deadline), "until": deadline.snoozed_until.isoformat(),
              **({"reason": reason} if reason else {})},
    )
    return deadline


@dataclass(frozen=True)
class Fired:
    deadline_id: int
    incident_id: int
    kind: str
    stage: Stage
    moment: datetime  # when it was due to fire (lateness = send time - moment)


def fire_due(
    session: Session, *, now: datetime, policy: Policy | None = None, limit: int = 500
) -> list[Fired]:
    """Fire every reminder moment that has come, each once: re-check it, record it on the
    timeline, queue the message, and move the row to its next moment, all in this
    transaction."""
    policy = _policy(policy)
    due = session.exec(
        select(Deadline)
        .where(col(Deadline.next_reminder_at) <= now, col(Deadline.state).in_(list(LIVE)))
        .order_by(col(Deadline.next_reminder_at))
        .limit(limit)
    ).all()
    if not due:
        return []
    # Everything the re-check needs in two queries, so a burst of moments stays cheap.
    ids = {d.incident_id for d in due}
    incidents = {i.id: i for i in session.exec(select(Incident).where(col(Incident.id).in_(ids)))}
    rows: dict[int, list[Deadline]] = {}
    for row in session.exec(select(Deadline).where(col(Deadline.incident_id).in_(ids))):
        rows.setdefault(row.incident_id, []).append(row)
    for incident_id, existing in rows.items():
        # The re-check: a change the hooks missed (or a policy edited between restarts)
        # stops or completes the deadline here instead of sending a pointless reminder.
        incident = incidents[incident_id]
        _apply(session, incident=incident, existing=existing, now=now,
               policy=_policy(policy, incident), start_clocks=False, actor=None)
    fired = []
    for deadline in due:
        if deadline.state not in LIVE:
            continue
        moment = deadline.next_reminder_at
        incident = incidents[deadline.incident_id]
        stage = _fire(session, incident=incident, deadline=deadline, now=now,
                      policy=_policy(policy, incident))
        fired.append(Fired(deadline.id, incident.id, deadline.kind, stage, moment))
    return fired


def _fire(session: Session, *, incident: Incident, deadline: Deadline, now: datetime,
          policy: Policy) -> Stage:
    stage = stage_at(deadline, now)
    title = TITLES[DeadlineKind(deadline.kind)]
    if stage == Stage.ESCALATION:
        _missed(session, incident=incident, deadline=deadline, now=now)
        deadline.state = DeadlineState.MISSED
    else:
        deadline.state = DeadlineState.MISSED if deadline.escalated else DeadlineState.PENDING
    deadline.snoozed_until = None
    deadline.reminders_sent += 1
    _schedule(deadline, policy)
    service.record(
        session, incident=incident, kind=EventKind.REMINDER_SENT, now=now,
        text=f"{'Overdue' if stage != Stage.REMINDER else 'Reminder'}: {title}",
        data={**_data(deadline), "stage": str(stage)},
    )
    outbox.reminder(session, incident_id=incident.id, deadline_id=deadline.id,
                    stage=str(stage), now=now)
    return stage


def _missed(session: Session, *, incident: Incident, deadline: Deadline, now: datetime) -> None:
    """The deadline fell due undone: recorded at its due time, and it stays missed."""
    deadline.escalated = True
    service.record(session, incident=incident, kind=EventKind.DEADLINE_MISSED, now=now,
                   occurred_at=deadline.due_at,
                   text=f"{TITLES[DeadlineKind(deadline.kind)]} deadline missed",
                   data=_data(deadline))


def _data(deadline: Deadline, **extra: Any) -> dict[str, Any]:
    return {"deadline": deadline.id, "kind": str(deadline.kind),
            "due_at": deadline.due_at.isoformat(), **extra}


def _minutes(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"
