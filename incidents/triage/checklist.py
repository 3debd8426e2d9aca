"""The triage checklist: its items and their choices, how an answer reads in the timeline,
and the answers recorded in Slack (who answered what, and when)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from incidents import outbox, timeline
from incidents.models import Alert, Incident, TimelineEvent
from incidents.outbox import Kind
from incidents.types import AlertStatus, EventKind


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Item:
    key: str
    question: str
    check: str  # what the question checks, by name ("Deployment check")
    choices: tuple[Choice, ...]

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


_YES_NO = (Choice("yes", "Yes"), Choice("no", "No"), Choice("unsure", "Unsure"))


ITEMS: tuple[Item, ...] = (
    Item("alert", "What monitoring alert fired and when?", "Detection",
         (Choice("real", "Real problem"), Choice("false_alarm", "False alarm"),
          Choice("unsure", "Unsure"))),
    Item("predictions", "Is the model producing predictions?", "System availability check",
         _YES_NO),
    Item("ranges", "Are predictions within expected ranges?", "Sanity check", _YES_NO),
    Item("inputs_changed", "Has the input data changed?", "Feature pipeline check", _YES_NO),
    Item("model_updated", "Has the model been recently updated?", "Deployment check", _YES_NO),
    Item("upstream_healthy", "Are upstream data sources healthy?", "Dependency check", _YES_NO),
    Item("impact", "What is the business impact right now?", "Impact assessment",
         (Choice("none", "None"), Choice("within_tolerance", "Within tolerance"),
          Choice("material", "Material"), Choice("significant_harm", "Significant harm"))),
    Item("trend", "Is the problem getting worse, stable, or improving?", "Trend assessment",
         (Choice("worse", "Worse"), Choice("stable", "Stable"), Choice("improving", "Improving"))),
)


ITEMS_BY_KEY = {item.key: item for item in ITEMS}


# A proposal needs the impact and enough of the rest to say something about the cause.
MIN_ANSWERS = 5


def answer_text(item_key: str, value: str, previous: str | None = None) -> str:
    """Timeline wording of one answer: "Is the model producing predictions? → Yes"."""
    item = ITEMS_BY_KEY[item_key]
    text = f"{item.question} → {item.choice(value).label}"
    if previous and previous != value:
        text += f" (was {item.choice(previous).label})"
    return text

# Outbox kinds this module queues; the Slack adapter registers a handler for each.


@dataclass(frozen=True)
class Answer:
    value: str
    actor: str | None
    at: datetime
    changes: int  # how many earlier answers this one replaced
    note: str | None = None  # why, when the bot answered from the model registry


def _queue(session: Session, kind: Kind, incident: Incident, payload: dict[str, Any]) -> None:
    # Each render reads the latest state when it runs, so renders may repeat but never regress.
    outbox.render(session, kind, incident_id=incident.id, payload=payload)


# ------------------------------------------------------------------ triage


def triage_answers(session: Session, incident_id: int) -> dict[str, Answer]:
    """The latest answer per checklist item, with who gave it and when."""
    answers: dict[str, Answer] = {}
    for event in timeline.events_of(session, incident_id, EventKind.TRIAGE_ANSWER):
        item, value = event.data.get("item"), event.data.get("answer")
        if item not in ITEMS_BY_KEY:
            continue
        earlier = answers.get(item)
        answers[item] = Answer(value, event.actor, event.occurred_at,
                               earlier.changes + 1 if earlier else 0, event.data.get("reason"))
    return answers


def post_checklist(session: Session, *, incident: Incident) -> None:
    timeline.require_open(incident, "triage")
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
    timeline.require_open(incident, "triage")
    entry = ITEMS_BY_KEY.get(item)
    if entry is None or entry.choice(answer) is None:
        raise timeline.Refused("That answer is not part of the triage checklist.")
    previous = triage_answers(session, incident.id).get(item)
    if previous is not None and previous.value == answer:
        raise timeline.Refused(f"“{entry.question}” is already answered "
                              f"“{entry.choice(answer).label}”.")
    event = timeline.record(
        session,
        incident=incident,
        kind=EventKind.TRIAGE_ANSWER,
        now=now,
        actor=actor,
        text=answer_text(item, answer, previous.value if previous else None),
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


# ------------------------------------------------------------------ mitigations


