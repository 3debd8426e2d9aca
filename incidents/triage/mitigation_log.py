"""Mitigations as the timeline records them: what was done (an endpoint called or a person's
manual step), whether it worked, and the attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from incidents import outbox, timeline
from incidents.models import Incident, TimelineEvent
from incidents.triage import mitigation as mitigations
from incidents.types import EventKind


def check_can_mitigate(incident: Incident) -> None:
    timeline.require_open(incident, "mitigation")


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
        1 for e in timeline.events_of(session, incident.id, EventKind.MITIGATION)
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
    event = timeline.record(
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
