"""Deadline and reminder use cases, keyword-only, over the pure policy in policy.py (which
clocks each severity starts: README, "Runs the deadlines by severity").

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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from incidents import outbox, timeline
from incidents.catalog.models import Policy
from incidents.deadlines.policy import (
    LIVE,
    TITLES,
    Plan,
    Stage,
    clocks,
    lead_for,
    next_reminder_at,
    plan,
    stage_at,
)
from incidents.deadlines.speed import at_speed, speed_of
from incidents.models import Deadline, Incident
from incidents.types import REGULATORY_DEADLINES, DeadlineKind, DeadlineState, EventKind


def _policy(policy: Policy | None, incident: Incident | None = None) -> Policy:
    """The policy as this incident's clocks run it (a drill's at its speed). Callers that do
    not pass the catalog's policy get the default response times (catalog/models.py)."""
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
    timeline.record(
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
        raise timeline.Refused("A report is marked submitted with its own button, which "
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
        raise timeline.Refused("A regulatory report's reminder is snoozed only with a reason: "
                              "say why it can wait.")
    deadline.state = DeadlineState.SNOOZED
    deadline.snoozed_until = now + duration
    deadline.next_reminder_at = deadline.snoozed_until
    timeline.record(
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
    timeline.record(
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
    timeline.record(session, incident=incident, kind=EventKind.DEADLINE_MISSED, now=now,
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
