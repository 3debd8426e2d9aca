"""Use cases of the first response: triage answers, runbook ticks and mitigations.

State is derived from the timeline: every answer and tick is a typed event, and the latest
one per item or step counts. Each change queues the Slack message it affects in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from incidents import outbox
from incidents.lifecycle import changes as service
from incidents.models import Alert, Incident, TimelineEvent
from incidents.outbox import Kind
from incidents.triage import mitigation as mitigations
from incidents.triage import outcome as triage
from incidents.triage.runbooks import Step
from incidents.types import AlertStatus, EventKind, Status

# Outbox kinds this module queues; the Slack adapter registers a handler for each.


@dataclass(frozen=True)
class Answer:
    value: str
    actor: str | None
    at: datetime
    changes: int  # how many earlier answers this one replaced
    note: str | None = None  # why, when the bot answered from the model registry


@dataclass(frozen=True)
class Tick:
    done: bool
    actor: str | None
    at: datetime


def _events(session: Session, incident_id: int, kind: EventKind) -> list[TimelineEvent]:
    return list(session.exec(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == kind)
        .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
    ))


def _require_open(incident: Incident, what: str) -> None:
    if not incident.status_enum.is_open:
        raise service.Refused(f"The incident is {incident.status}; {what} is over.")


def _queue(session: Session, kind: Kind, incident: Incident, payload: dict[str, Any]) -> None:
    # Each render reads the latest state when it runs, so renders may repeat but never regress.
    outbox.render(session, kind, incident_id=incident.id, payload=payload)


# ------------------------------------------------------------------ triage


def triage_answers(session: Session, incident_id: int) -> dict[str, Answer]:
    """The latest answer per checklist item, with who gave it and when."""
    answers: dict[str, Answer] = {}
    for event in _events(session, incident_id, EventKind.TRIAGE_ANSWER):
        item, value = event.data.get("item"), event.data.get("answer")
        if item not in triage.ITEMS_BY_KEY:
            continue
        earlier = answers.get(item)
        answers[item] = Answer(value, event.actor, event.occurred_at,
                               earlier.changes + 1 if earlier else 0, event.data.get("reason"))
    return answers


def post_checklist(session: Session, *, incident: Incident) -> None:
    _require_open(incident, "triage")
    _queue(session, Kind.TRIAGE_MESSAGE, incident, {})


def answer_triage(
    session: Session,
    *,
    incident: Incident,
    item: str,
    answer: str,
    actor: str,
    now: datetime,
    message: dict[str, str] | None = None,
) -> TimelineEvent:
    """Record one answer (the latest counts; earlier ones stay in the timeline)."""
    _require_open(incident, "triage")
    entry = triage.ITEMS_BY_KEY.get(item)
    if entry is None or entry.choice(answer) is None:
        raise service.Refused("That answer is not part of the triage checklist.")
    previous = triage_answers(session, incident.id).get(item)
    if previous is not None and previous.value == answer:
        raise service.Refused(f"“{entry.question}” is already answered "
                              f"“{entry.choice(answer).label}”.")
    event = service.record(
        session,
        incident=incident,
        kind=EventKind.TRIAGE_ANSWER,
        now=now,
        actor=actor,
        text=triage.answer_text(item, answer, previous.value if previous else None),
        data={"item": item, "answer": answer, "previous": previous.value if previous else None},
    )
    _queue(session, Kind.TRIAGE_MESSAGE, incident, dict(message or {}))
    return event


def refresh_checklist(session: Session, *, incident: Incident, message: dict[str, str]) -> None:
    """Re-render a checklist after something it shows changed (the severity, say)."""
    _queue(session, Kind.TRIAGE_MESSAGE, incident, dict(message))


def opening_alert(session: Session, incident_id: int) -> tuple[Alert | None, int]:
    """The first firing alert of the incident, and how many firing alerts it has in all."""
    firing = (Alert.incident_id == incident_id, Alert.status == AlertStatus.FIRING)
    first = session.exec(
        select(Alert).where(*firing).order_by(col(Alert.starts_at), col(Alert.id))
    ).first()
    count = session.exec(select(func.count()).select_from(Alert).where(*firing)).one()
    return first, count


# ------------------------------------------------------------------ runbooks


def runbook_ticks(session: Session, incident_id: int, runbook: str) -> dict[int, Tick]:
    ticks: dict[int, Tick] = {}
    for event in _events(session, incident_id, EventKind.RUNBOOK_STEP):
        data = event.data
        if data.get("runbook") == runbook and data.get("step") is not None:
            ticks[int(data["step"])] = Tick(bool(data.get("done")), event.actor, event.occurred_at)
    return ticks


def open_runbook(
    session: Session, *, incident: Incident, runbook: str, title: str, actor: str, now: datetime
) -> None:
    if incident.status in (Status.CLOSED, Status.DECLINED, Status.MERGED):
        raise service.Refused(f"The incident is {incident.status}.")
    service.record(session, incident=incident, kind=EventKind.RUNBOOK_STEP, now=now, actor=actor,
                   text=f"Runbook opened: {title}", data={"runbook": runbook, "step": None})
    _queue(session, Kind.RUNBOOK_MESSAGE, incident, {"runbook": runbook})


def tick_runbook_step(
    session: Session,
    *,
    incident: Incident,
    runbook: str,
    title: str,
    step: Step,
    done: bool,
    actor: str,
    now: datetime,
    message: dict[str, str] | None = None,
) -> TimelineEvent:
    if incident.status in (Status.CLOSED, Status.DECLINED, Status.MERGED):
        raise service.Refused(f"The incident is {incident.status}; its runbooks are closed.")
    current = runbook_ticks(session, incident.id, runbook).get(step.number)
    if (current.done if current else False) == done:
        raise service.Refused(f"Step {step.number} is already {'done' if done else 'open'}.")
    state = "done" if done else "reopened"
    event = service.record(
        session,
        incident=incident,
        kind=EventKind.RUNBOOK_STEP,
        now=now,
        actor=actor,
        text=f"{title}, step {step.number} {state}: {step.text}",
        data={"runbook": runbook, "step": step.number, "done": done},
    )
    _queue(session, Kind.RUNBOOK_MESSAGE, incident, {"runbook": runbook, **(message or {})})
    return event


# ------------------------------------------------------------------ mitigations


def check_can_mitigate(incident: Incident) -> None:
    _require_open(incident, "mitigation")


def record_mitigation(
    session: Session,
    *,
    incident: Incident,
    mitigation: mitigations.Mitigation,
    parameters: dict[str, Any],
    result: mitigations.CallResult | None,
    actor: str | None,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Record what was done (called endpoint, or a person's manual step), success or not.
    `extra`: more data for the event (a registry rollback's versions and change).

    Never refused: by the time this runs the endpoint has been called, and that must be kept.
    """
    attempt = 1 + sum(
        1 for e in _events(session, incident.id, EventKind.MITIGATION)
        if e.data.get("action") == str(mitigation)
    )
    data: dict[str, Any] = {
        "action": str(mitigation),
        "parameters": parameters,
        "manual": result is None,
        "ok": True if result is None else result.ok,
        "attempt": attempt,
    }
    if result is not None:
        data.update(status=result.status, detail=result.detail, target=result.target,
                    elapsed=round(result.elapsed, 3))
    data.update(extra or {})
    if data["ok"] and incident.mitigated_at is None:
        incident.mitigated_at = now  # the impact is contained: that counts for time to mitigate
    event = service.record(
        session,
        incident=incident,
        kind=EventKind.MITIGATION,
        now=now,
        actor=actor,
        text=mitigations.result_text(mitigation, parameters, result, attempt),
        data=data,
    )
    session.flush()
    outbox.mitigation_result(session, incident_id=incident.id, event_id=event.id)
    return event
