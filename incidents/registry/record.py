"""Use cases of the model registry: recording what it said when the incident opened (and
answering triage's deployment check from it), and moving the alias — asked for in Slack,
stored and claimed once, carried out by the bot (bot/slack/deliveries/registry.py),
recorded with both versions.

The registry itself is read and written by the adapter; these functions take what it
answered and store it, with the timeline event and the outbox row in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from incidents import outbox, timeline
from incidents.catalog.ai import ModelRegistry
from incidents.catalog.models import Catalog
from incidents.models import Incident, TimelineEvent
from incidents.outbox import Kind
from incidents.registry import policy as registry
from incidents.registry.models import ModelChange
from incidents.triage import checklist, mitigation_log
from incidents.triage.mitigation import CallResult, Mitigation
from incidents.types import EventKind

ROLLBACK, UNDO = "rollback", "undo"
# Timeline events that say which version the alias points at, latest last.
_SERVING_KINDS = (EventKind.MODEL_VERSION, EventKind.MITIGATION, EventKind.MODEL_ROLLBACK_UNDONE)


def has_registry(catalog: Catalog, incident: Incident) -> bool:
    system = catalog.systems.get(incident.system) if catalog is not None else None
    return system is not None and system.model is not None


def queue_read(session: Session, *, incident: Incident, catalog: Catalog) -> None:
    """An incident opened for a system with `model:`: read the registry after the commit.
    Drills read nothing: a practice incident must not look at (or act on) the real model."""
    if incident.is_drill or not has_registry(catalog, incident):
        return
    outbox.registry_read(session, incident_id=incident.id)


def reference_moment(session: Session, incident: Incident) -> tuple[datetime, str]:
    """What "recently" is measured back from: the first alert, else the declaration."""
    alert, _ = checklist.opening_alert(session, incident.id)
    if alert is not None:
        return alert.starts_at, "the first alert"
    return incident.created_at, "the incident was declared"


def record_read(
    session: Session,
    *,
    incident: Incident,
    model: ModelRegistry,
    state: registry.RegistryState | None,
    error: str | None,
    window: timedelta,
    actor: str | None,
    now: datetime,
) -> TimelineEvent:
    """Store what the registry said (or why it could not be read), refresh the summary, and
    answer "Has the model been recently updated?" unless a person already has."""
    reference, reference_name = reference_moment(session, incident)
    data: dict[str, Any] = {"name": model.name, "alias": model.alias}
    if state is None or state.serving is None:
        why = error or f"the alias {model.alias} points at no version"
        text = f"Model registry: the serving version of {model.name} could not be read ({why})"
        data["error"] = why
        if state is not None:
            data["registry"] = state.to_dict()
        answer = None
    else:
        said = registry.promotion_text(state, reference=reference, reference_name=reference_name)
        text = f"Model registry: {model.name} {model.alias} is v{state.serving}; {said}"
        data["registry"] = state.to_dict()
        data["model"] = _serving(state, how="read")
        answer = registry.model_updated(state, reference=reference, window=window,
                                        reference_name=reference_name)
    event = timeline.record(session, incident=incident, kind=EventKind.MODEL_VERSION, now=now,
                           actor=actor, text=text, data=data)
    outbox.sync(session, incident)
    if answer is not None and incident.status_enum.is_open:
        _answer_triage(session, incident=incident, answer=answer, actor=actor, now=now)
    return event


def _serving(state: registry.RegistryState, *, how: str, previous: int | None = None) -> dict:
    found = registry.promotion(state)
    return {"name": state.name, "alias": state.alias, "version": state.serving,
            "since": found.at.isoformat() if found else None,
            "exact": bool(found and found.exact), "how": how, "previous": previous}


def _answer_triage(session: Session, *, incident: Incident, answer: registry.TriageAnswer,
                   actor: str | None, now: datetime) -> None:
    if "model_updated" in checklist.triage_answers(session, incident.id):
        return  # a person answered first: theirs stands
    timeline.record(
        session, incident=incident, kind=EventKind.TRIAGE_ANSWER, now=now, actor=actor,
        text=f"{checklist.answer_text('model_updated', answer.value)} (from the model registry: "
             f"{answer.reason})",
        data={"item": "model_updated", "answer": answer.value, "previous": None,
              "source": "registry", "reason": answer.reason},
    )
    if incident.checklist_ts and incident.channel_id:
        # Only a checklist already in the channel is re-rendered: the bot's answer must not
        # post one nobody asked for.
        outbox.render(session, Kind.TRIAGE_MESSAGE, incident_id=incident.id,
                      payload={"channel": incident.channel_id, "ts": incident.checklist_ts})


def serving_now(session: Session, incident_id: int) -> dict | None:
    """The version the alias points at as last recorded (read, rolled back or undone)."""
    rows = session.exec(
        select(TimelineEvent.data).where(TimelineEvent.incident_id == incident_id,
                                         col(TimelineEvent.kind).in_(list(_SERVING_KINDS)))
        .order_by(col(TimelineEvent.occurred_at).desc(), col(TimelineEvent.id).desc())
    ).all()
    for data in rows:
        if data and data.get("model") and data.get("ok", True):
            return data["model"]
    return None


# ------------------------------------------------------------------ moving the alias


def request_change(
    session: Session,
    *,
    incident: Incident,
    model: ModelRegistry,
    kind: str,
    to_version: int,
    from_version: int | None,
    actor: str,
    key: str,
    now: datetime,
    undoes: ModelChange | None = None,
) -> ModelChange:
    """Store a click that moves the alias, once: the same click again (`key`), or a second
    change while one is under way, is refused. The move happens after the commit."""
    if not incident.status_enum.is_open:
        raise timeline.Refused(f"The incident is {incident.status}; changing the model from "
                              "it is over.")
    if incident.is_drill:
        raise timeline.Refused("This is a drill: the real model's alias is not moved.")
    if session.exec(select(ModelChange.id).where(ModelChange.request_key == key)).first():
        raise timeline.Refused("That was already asked for; its result is posted in the "
                              "channel.")
    if active_change(session, incident.id) is not None:
        raise timeline.Refused("A change of the model is already under way for this incident; "
                              "its result will be posted in the channel.")
    change = ModelChange(
        incident_id=incident.id, kind=kind, model_name=model.name, alias=model.alias,
        from_version=from_version, to_version=to_version, requested_by=actor,
        requested_at=now, request_key=key, undoes_id=undoes.id if undoes else None,
    )
    try:
        with session.begin_nested():  # another replica stored the same click a moment ago
            session.add(change)
            session.flush()
    except sa.exc.IntegrityError:
        raise timeline.Refused("A change of the model is already under way or was already "
                              "asked for; its result is posted in the channel.") from None
    outbox.model_change(session, incident_id=incident.id, change_id=change.id)
    return change


def active_change(session: Session, incident_id: int) -> ModelChange | None:
    return session.exec(select(ModelChange).where(
        ModelChange.incident_id == incident_id, col(ModelChange.active).is_not(None))).first()


def describe_change(change: ModelChange, from_version: int | None = None) -> str:
    start = from_version if from_version is not None else change.from_version
    moved = f"v{start} → v{change.to_version}" if start is not None else f"to v{change.to_version}"
    if change.kind == UNDO:
        return f"Undo the rollback: {change.model_name} {change.alias} {moved}"
    return f"{Mitigation.ROLLBACK.title} ({change.model_name} {change.alias}: {moved})"


def finish_change(
    session: Session,
    *,
    change: ModelChange,
    result: CallResult,
    from_version: int | None,
    state: registry.RegistryState | None,
    now: datetime,
) -> TimelineEvent:
    """Record a move's outcome with both versions, free the incident for the next change,
    and queue the result message (with Undo after a rollback that worked)."""
    incident = session.get(Incident, change.incident_id)
    if from_version is not None:
        change.from_version = from_version
    model = None
    if result.ok and state is not None:
        model = _serving(state, how=change.kind, previous=change.from_version)
    parameters = {"model": change.model_name, "alias": change.alias,
                  "from_version": change.from_version, "to_version": change.to_version}
    extra = {"change": change.id, "model": model}
    if change.kind == ROLLBACK:
        event = mitigation_log.record_mitigation(
            session, incident=incident, mitigation=Mitigation.ROLLBACK, parameters=parameters,
            result=result, actor=change.requested_by, now=now, extra=extra)
    else:
        verdict = f"succeeded via {result.target} ({result.detail})" if result.ok else \
            f"FAILED via {result.target}: {result.detail}"
        event = timeline.record(
            session, incident=incident, kind=EventKind.MODEL_ROLLBACK_UNDONE, now=now,
            actor=change.requested_by, text=f"{describe_change(change)} → {verdict}",
            data={"what": describe_change(change), "parameters": parameters, "ok": result.ok,
                  "detail": result.detail,
                  "target": result.target, "status": result.status, "undoes": change.undoes_id,
                  **extra})
        session.flush()
        outbox.mitigation_result(session, incident_id=incident.id, event_id=event.id)
    session.flush()
    change.state = "done" if result.ok else "failed"
    change.active = None
    change.finished_at = now
    change.event_id = event.id
    session.add(change)
    outbox.sync(session, incident)
    return event


def undone(session: Session, change_id: int) -> bool:
    """Whether a rollback has been undone successfully."""
    return session.exec(select(ModelChange.id).where(
        ModelChange.undoes_id == change_id, ModelChange.state == "done")).first() is not None


# ------------------------------------------------------------------ the review


def review_section(session: Session, incident_id: int, when, who) -> dict[str, Any] | None:
    """What the review says of the model: the version serving when the incident opened (as
    the registry said then: the export reads no registry), each move of the alias, and the
    evidence preserved before it. None when there is nothing of the kind."""
    from incidents.regulatory import evidence  # imported here: evidence -> service -> this module
    from incidents.review.format import cell

    events = session.exec(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident_id,
        col(TimelineEvent.kind).in_([EventKind.MODEL_VERSION, EventKind.MITIGATION,
                                     EventKind.MODEL_ROLLBACK_UNDONE]),
    ).order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))).all()
    opening = next((e for e in events if e.kind == EventKind.MODEL_VERSION), None)
    changes = [f"{when(e.occurred_at)}: {e.text} (asked by {who(e.actor)})" for e in events
               if e.kind != EventKind.MODEL_VERSION and (e.data or {}).get("change")]
    files = [{"at": when(s.taken_at), "before": cell(s.before), "file": cell(s.filename),
              "sha256": s.sha256, "contents": cell(evidence.summary_text(s.summary, s.sha256))}
             for s in evidence.snapshots(session, incident_id)]
    if opening is None and not changes and not files:
        return None
    return {"opening": opening.text.removeprefix("Model registry: ") if opening else None,
            "changes": changes, "evidence": files}
