"""Drills, tabletop exercises: a scenario played as a practice incident.

Starting a drill declares an incident marked as a drill (its channel `inc-…-drill-…`,
"DRILL" on every message, nobody paged, left out of metrics; deadlines and reminders run
as usual) and stores each inject of the scenario as a row due at start + after / speed.
A periodic check plays the rows that fell due and marks them played in the same
transaction, so a restart neither loses nor repeats an inject. Once the incident is over
(resolved, declined, or `/incident drill end`) the check writes the debrief, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from incidents import contract, outbox, timeline
from incidents.alerts import ingest as alerts
from incidents.alerts import schema as alert_schema
from incidents.catalog.models import Catalog, Policy
from incidents.deadlines import clocks as deadlines
from incidents.deadlines import policy as deadline_policy
from incidents.drills import scenarios
from incidents.drills.debrief import AnswerAt, DeadlineAt, Debrief, MitigationAt, compute
from incidents.drills.models import Drill, DrillInject
from incidents.drills.scenarios import Scenario, alert_body
from incidents.lifecycle import changes as lifecycle
from incidents.models import Incident, TimelineEvent
from incidents.outbox import Kind
from incidents.severity import Metric, propose_severity
from incidents.triage.checklist import opening_alert
from incidents.triage.mitigation import Mitigation
from incidents.types import OPEN_STATUSES, DeadlineKind, EventKind, Status

# Outbox kinds; the Slack adapter registers a handler for each.

MIN_SPEED, MAX_SPEED = 0.1, 3600.0
_SPEED = re.compile(r"^(?:speed=)?x?(\d+(?:\.\d+)?)x?$")
ENDED = "Drill ended"


@dataclass(frozen=True)
class Request:
    scenario: Scenario
    speed: float = 1.0
    system: str | None = None


def parse_request(args: str) -> Request:
    """`<scenario> [speed=N] [system=KEY]`; raises ValueError saying what is wrong."""
    words = args.split()
    if not words:
        raise ValueError("Name a scenario.")
    scenario = scenarios.get(words[0])
    if scenario is None:
        raise ValueError(f"There is no scenario `{words[0]}`.")
    speed, system = 1.0, None
    for word in words[1:]:
        lowered = word.lower()
        if lowered.startswith("system="):
            system = word.split("=", 1)[1] or None
            continue
        match = _SPEED.match(lowered)
        if match is None:
            raise ValueError(f"I don't understand `{word}`: use `speed=N` or `system=KEY`.")
        speed = float(match.group(1))
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValueError(f"The speed must be between {MIN_SPEED:g} and {MAX_SPEED:g}.")
    return Request(scenario, speed, system)


def choose_system(scenario: Scenario, catalog: Catalog, requested: str | None = None) -> str:
    """The requested system, else the scenario's own, else the catalog's first: a team
    rehearses on its own systems."""
    systems = list(getattr(catalog, "systems", {}) or {})
    if requested:
        if systems and requested not in systems:
            raise timeline.Refused(f"There is no AI system `{requested}` in the catalog; "
                                  f"choose from {', '.join(systems)}.")
        return requested
    if scenario.system in systems or not systems:
        return scenario.system
    return systems[0]


def drill_of(session: Session, incident_id: int) -> Drill | None:
    return session.exec(select(Drill).where(Drill.incident_id == incident_id)).first()


def start(
    session: Session,
    *,
    scenario: Scenario,
    now: datetime,
    catalog: Catalog,
    started_by: str | None,
    speed: float = 1.0,
    system: str | None = None,
) -> Drill:
    """Open the practice incident, store every inject, and play the opening alert."""
    system = choose_system(scenario, catalog, system)
    entry = catalog.systems.get(system)
    opening = scenario.alert(system)
    proposal = propose_severity(
        signal=opening.get("signal"), metric=Metric.from_dict(opening.get("metric")),
        criticality=entry.criticality if entry else "standard", stated=opening.get("severity"),
        **contract.terms(catalog, system),
    )
    incident = lifecycle.draft(
        title=scenario.title, system=system, severity=proposal.severity, now=now,
        catalog=catalog, declared_by=started_by, is_drill=True,
        description=f"Drill: {scenario.failure_mode}. {scenario.briefing}",
    )
    # Its deadlines, reminders and escalation waits run at the injects' speed.
    incident.clock_speed = speed
    lifecycle.open_all(session, [incident], now=now, catalog=catalog, page=False)
    drill = Drill(incident_id=incident.id, scenario=scenario.key, speed=speed,
                  started_by=started_by, started_at=now)
    session.add(drill)
    session.flush()
    outbox.drill(session, Kind.DRILL_BRIEFING, incident_id=incident.id,
                 payload={"drill": drill.id})
    rows = []
    for number, inject in enumerate(scenario.injects):
        payload: dict[str, Any] = {"source": inject.source}
        if inject.kind == "alert":
            payload["alert"] = alert_body(inject, system)
        else:
            payload.update(text=inject.message(at=scenario_clock(now, speed)),
                           metric=dict(inject.metric or {}))
        row = DrillInject(drill_id=drill.id, incident_id=incident.id, number=number,
                          kind=inject.kind, due_at=now + inject.after / speed, payload=payload)
        session.add(row)
        rows.append(row)
    session.flush()
    _play(session, inject=rows[0], drill=drill, incident=incident, now=now, catalog=catalog)
    return drill


def scenario_clock(started_at: datetime, speed: float):
    """Scenario minutes → the moment they fall in this drill, as its timeline shows it: a
    deploy "6 minutes before the alert" in a drill begun at 07:01 at 60× was 07:00:54."""

    def at(offset: timedelta) -> str:
        moment = started_at + offset / speed
        return f"{moment:%H:%M} UTC" if speed <= 1 else f"{moment:%H:%M:%S} UTC"

    return at


def play_due(session: Session, *, now: datetime, catalog: Catalog, limit: int = 200
             ) -> list[DrillInject]:
    """Play every inject that fell due, each once; those of ended drills are skipped."""
    due = list(session.exec(
        select(DrillInject)
        .where(col(DrillInject.played_at).is_(None), DrillInject.due_at <= now)
        .order_by(col(DrillInject.due_at), col(DrillInject.number))
        .limit(limit)
    ))
    for row in due:
        drill = session.get(Drill, row.drill_id)
        incident = session.get(Incident, row.incident_id)
        if drill.ended_at is not None or not incident.status_enum.is_open:
            row.played_at, row.skipped = now, True
            continue
        _play(session, inject=row, drill=drill, incident=incident, now=now, catalog=catalog)
    return due


def _play(session: Session, *, inject: DrillInject, drill: Drill, incident: Incident,
          now: datetime, catalog: Catalog) -> None:
    if inject.kind == "alert":
        alert = alert_schema.AlertIn.model_validate({
            **inject.payload["alert"],
            # Unique per drill: a real alert's resolution can never find a drill's firing.
            "fingerprint": f"drill-{drill.id}-{inject.number}",
            "started_at": inject.due_at,
        })
        alerts.ingest_drill(session, incident=incident, alert=alert, now=now, catalog=catalog)
    else:
        event = timeline.record(
            session, incident=incident, kind=EventKind.DRILL_INJECT, now=now,
            occurred_at=inject.due_at, text=inject.payload.get("text", ""),
            data={"drill": drill.id, "inject": inject.number, "kind": inject.kind,
                  "source": inject.payload.get("source"),
                  "metric": inject.payload.get("metric") or None},
        )
        session.flush()
        outbox.drill(session, Kind.DRILL_MESSAGE, incident_id=incident.id,
                     payload={"event": event.id})
    inject.played_at = now


def end(session: Session, *, incident: Incident, actor: str | None, now: datetime,
        policy: Policy | None = None) -> Drill:
    """`/incident drill end`: stop the injects and resolve the practice incident."""
    drill = drill_of(session, incident.id)
    if drill is None:
        raise timeline.Refused("This incident is not a drill; resolve it with "
                              "`/incident resolve`.")
    if not incident.status_enum.is_open or drill.ended_at is not None:
        raise timeline.Refused("This drill is already over.")
    drill.ended_at = now
    lifecycle.resolve(session, incident=incident, summary=ENDED, actor=actor, now=now,
                    policy=policy)
    return drill


def finish_due(session: Session, *, now: datetime, catalog: Catalog) -> list[Drill]:
    """Debrief every drill whose incident is over, once."""
    over = list(session.exec(
        select(Drill, Incident)
        .join(Incident, col(Incident.id) == col(Drill.incident_id))
        .where(col(Drill.debriefed_at).is_(None),
               col(Incident.status).not_in(list(OPEN_STATUSES)))
    ))
    for drill, incident in over:
        drill.ended_at = drill.ended_at or _end_of(incident, now)
        for row in injects(session, drill.id):
            if row.played_at is None:
                row.played_at, row.skipped = now, True
        result = debrief(session, drill=drill, incident=incident, catalog=catalog)
        drill.debrief, drill.debriefed_at = result.to_dict(), now
        timeline.record(session, incident=incident, kind=EventKind.DRILL_DEBRIEF, now=now,
                       text=result.headline(), data={"drill": drill.id})
        outbox.drill(session, Kind.DRILL_DEBRIEF, incident_id=incident.id,
                     payload={"drill": drill.id})
    return [drill for drill, _ in over]


def _end_of(incident: Incident, now: datetime) -> datetime:
    if incident.status in (Status.RESOLVED, Status.CLOSED) and incident.resolved_at:
        return incident.resolved_at
    return now


def injects(session: Session, drill_id: int) -> list[DrillInject]:
    return list(session.exec(select(DrillInject).where(DrillInject.drill_id == drill_id)
                             .order_by(col(DrillInject.number))))


def debrief(session: Session, *, drill: Drill, incident: Incident, catalog: Catalog) -> Debrief:
    scenario = scenarios.get(drill.scenario)
    answers = [
        AnswerAt(e.occurred_at, e.data.get("item"), e.data.get("answer"))
        for e in session.exec(select(TimelineEvent).where(
            TimelineEvent.incident_id == incident.id,
            TimelineEvent.kind == EventKind.TRIAGE_ANSWER))
        if e.data.get("item") and e.data.get("answer")
    ]
    alert, _ = opening_alert(session, incident.id)
    system = catalog.systems.get(incident.system)
    rows = injects(session, drill.id)
    return compute(
        scenario,
        started_at=drill.started_at,
        ended_at=drill.ended_at,
        speed=drill.speed,
        answers=answers,
        signal=alert.signal if alert else scenario.signal,
        criticality=system.criticality if system else "standard",
        deadlines=[
            DeadlineAt(deadline_policy.TITLES.get(DeadlineKind(d.kind), d.kind), d.due_at, d.state,
                       d.completed_at, d.escalated)
            for d in deadlines.of_incident(session, incident.id)
        ],
        injects_played=sum(1 for r in rows if r.played_at and not r.skipped),
        injects_total=len(rows),
        mitigations=[
            MitigationAt(e.occurred_at, _mitigation_label(e.data.get("action")),
                         e.data.get("ok") is not False)
            for e in session.exec(select(TimelineEvent).where(
                TimelineEvent.incident_id == incident.id,
                TimelineEvent.kind == EventKind.MITIGATION))
        ],
    )


def _mitigation_label(action: str | None) -> str:
    try:
        return Mitigation(action).title
    except ValueError:
        return str(action)
