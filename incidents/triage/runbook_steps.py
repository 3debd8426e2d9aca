"""Runbook steps ticked in Slack: each tick is a timeline event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from incidents import outbox, timeline
from incidents.models import Incident, TimelineEvent
from incidents.outbox import Kind
from incidents.triage.runbooks import Step
from incidents.types import EventKind, Status


@dataclass(frozen=True)
class Tick:
    done: bool
    actor: str | None
    at: datetime


def runbook_ticks(session: Session, incident_id: int, runbook: str) -> dict[int, Tick]:
    ticks: dict[int, Tick] = {}
    for event in timeline.events_of(session, incident_id, EventKind.RUNBOOK_STEP):
        data = event.data
        if data.get("runbook") == runbook and data.get("step") is not None:
            ticks[int(data["step"])] = Tick(bool(data.get("done")), event.actor, event.occurred_at)
    return ticks


def open_runbook(
    session: Session, *, incident: Incident, runbook: str, title: str, actor: str, now: datetime
) -> None:
    if incident.status in (Status.CLOSED, Status.DECLINED, Status.MERGED):
        raise timeline.Refused(f"The incident is {incident.status}.")
    timeline.record(session, incident=incident, kind=EventKind.RUNBOOK_STEP, now=now, actor=actor,
                   text=f"Runbook opened: {title}", data={"runbook": runbook, "step": None})
    outbox.render(session, Kind.RUNBOOK_MESSAGE, incident_id=incident.id,
                  payload={"runbook": runbook})


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
        raise timeline.Refused(f"The incident is {incident.status}; its runbooks are closed.")
    current = runbook_ticks(session, incident.id, runbook).get(step.number)
    if (current.done if current else False) == done:
        raise timeline.Refused(f"Step {step.number} is already {'done' if done else 'open'}.")
    state = "done" if done else "reopened"
    event = timeline.record(
        session,
        incident=incident,
        kind=EventKind.RUNBOOK_STEP,
        now=now,
        actor=actor,
        text=f"{title}, step {step.number} {state}: {step.text}",
        data={"runbook": runbook, "step": step.number, "done": done},
    )
    # Each render reads the latest state when it runs: renders may repeat, never regress.
    outbox.render(session, Kind.RUNBOOK_MESSAGE, incident_id=incident.id,
                  payload={"runbook": runbook, **(message or {})})
    return event
