"""The post-incident review draft: timeline, detection, response, root cause, prevention
and client communication, in the order of templates/review.md.j2.

`gather` reads everything the review states from the database into plain data; `render`
turns it into Markdown with the (overridable) template. Every figure comes from a row;
whatever was never recorded is written as a gap for the review to fill, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from incidents import contract, documents
from incidents import people as persons
from incidents.catalog.ai import Contract
from incidents.catalog.models import Catalog
from incidents.comms import notifications as communications
from incidents.comms.key_events import key_events
from incidents.comms.notifications import NotificationKind
from incidents.models import Alert, Incident, TimelineEvent
from incidents.registry import record as registry_record
from incidents.regulatory import reports as regulatory_reports
from incidents.response_times import format_duration, response_times
from incidents.review import followups
from incidents.review.comms import Message, communication_section, last_reported_cause
from incidents.review.deadlines import deadline_lines, review_due
from incidents.review.format import GAP, Clock, Moment, cell
from incidents.types import (
    ROOT_CAUSE_CATEGORIES,
    AlertStatus,
    EventKind,
    Role,
    Severity,
)

# Signals that watch what the model says, not whether it runs: an AI system can be up, fast
# and well-formed while every prediction is wrong.
MODEL_SIGNALS = frozenset({"prediction_distribution", "feature_distribution", "performance",
                           "confidence", "business_metric"})
_USER = persons.USER_ID
# Timeline event data that names people (role assignments, pages, acknowledgements).
_NAMED_IN_DATA = ("user", "previous")
_NAMING_KINDS = frozenset({str(EventKind.ROLE_ASSIGNED), str(EventKind.PAGED),
                           str(EventKind.ACKNOWLEDGED)})


class Line(NamedTuple):  # tuples: a long incident has thousands of these
    at: Moment
    kind: str
    who: str
    text: str


@dataclass(frozen=True)
class ActionItem:
    number: int
    text: str
    owner: str
    due: str
    state: str


@dataclass
class Review:
    incident: dict[str, Any]
    generated: Moment
    zone: str | None
    summary: dict[str, Any]
    times: dict[str, str]
    timeline: list[Line]
    detection: dict[str, Any]
    response: dict[str, Any]
    root_cause: dict[str, Any]
    prevention: list[ActionItem]
    communication: list[Message]
    gaps: list[str] = field(default_factory=list)
    regulatory: dict[str, Any] | None = None  # incidents/regulatory/reports.py
    # The serving model, its changes and the evidence preserved first (registry/record.py);
    # None for a system without a model registry or evidence.
    model: dict[str, Any] | None = None


def gather(
    session: Session,
    *,
    incident_id: int,
    catalog: Catalog,
    now: datetime,
    zone: ZoneInfo | None = None,
    people: Mapping[str, str] | None = None,
) -> Review | None:
    incident = session.get(Incident, incident_id)
    if incident is None:
        return None
    clock = Clock(zone)
    rows = _timeline_rows(session, incident_id)
    names = persons.names(session, people_involved(session, incident_id, rows=rows))
    names.update(people or {})

    def who(user: str | None, none: str = "incidentbot") -> str:
        if not user:
            return none
        return names.get(user, f"@{user}" if _USER.match(user) else user)

    alerts = list(session.exec(
        select(Alert).where(Alert.incident_id == incident_id)
        .order_by(col(Alert.starts_at), col(Alert.id))
    ))
    firing = [a for a in alerts if a.status == AlertStatus.FIRING]
    first_alert = firing[0] if firing else None
    times = response_times(incident, first_alert_at=first_alert.starts_at if first_alert else None)
    timeline, actors = _timeline(rows, clock, who)
    notes = communications.for_incident(session, incident_id)
    gaps: list[str] = []

    system = catalog.systems.get(incident.system)
    client = catalog.client_for(incident.system)
    roles = {role.capitalize(): who(getattr(incident, role), none=f"_{GAP}_") for role in Role}
    header = {
        "id": incident.id,
        "title": incident.title,
        "system": communications.system_name(catalog, incident.system),
        "client": client.name if client else None,
        "severity": Severity(incident.severity).label,
        "severity_meaning": Severity(incident.severity).meaning,
        "status": incident.status,
        "drill": incident.is_drill,
        "channel": incident.channel_name,
        "review_due": review_due(session, incident_id, clock),
        "criticality": system.criticality if system else None,
    }
    bounds = catalog.contract_for(incident.system)
    impact = communications.business_impact(session, incident=incident, bounds=bounds)
    summary = {
        "opened": clock.text(incident.created_at),
        "resolved": clock.text(incident.resolved_at) if incident.resolved_at else None,
        "description": incident.description.strip(),
        "impact": impact or None,
        "resolution": incident.resolution_summary,
        "highest_severity": _highest_severity(session, incident),
        "key_events": [(clock.moment(e.at), cell(e.text))
                       for e in key_events(session, incident=incident)],
    }
    if not impact:
        gaps.append("business impact")
    if not incident.resolution_summary:
        gaps.append("resolution summary")
    durations = {
        "detect": format_duration(times.detect, missing=GAP),
        "acknowledge": format_duration(times.acknowledge, missing=GAP),
        "mitigate": format_duration(times.mitigate, missing=GAP),
        "resolve": format_duration(times.resolve, missing=GAP),
    }
    opened_by_alert = session.exec(
        select(TimelineEvent.id).where(TimelineEvent.incident_id == incident_id,
                                       TimelineEvent.kind == EventKind.OPENED_BY_ALERT)
    ).first() is not None
    detection = _detection(incident, alerts, firing, clock, who, opened_by_alert, bounds)
    response = {
        "acknowledged": clock.text(incident.acknowledged_at) if incident.acknowledged_at else None,
        "mitigated": clock.text(incident.mitigated_at) if incident.mitigated_at else None,
        "resolved": clock.text(incident.resolved_at) if incident.resolved_at else None,
        "roles": roles,
        "others": sorted(who(a) for a in actors - {getattr(incident, r) for r in Role}),
        "deadlines": deadline_lines(session, incident_id, clock, now),
    }
    root = {
        "category": ROOT_CAUSE_CATEGORIES.get(incident.root_cause_category or "",
                                              incident.root_cause_category),
        "fix": incident.resolution_summary,
        "root": incident.root_cause,
        "reported": last_reported_cause(notes, clock),
    }
    if incident.root_cause is None:
        gaps.append("root cause")
    prevention = [
        ActionItem(
            number=f.id, text=cell(f.text), owner=cell(who(f.owner, none=f"_owner {GAP}_")),
            due=f.due_at.astimezone(UTC).strftime("%Y-%m-%d") if f.due_at else "no due date",
            state=f"done {clock.text(f.done_at)}" if f.done else "open",
        )
        for f in followups.for_incident(session, incident_id)
    ]
    if not prevention:
        gaps.append("prevention action items")
    communication = communication_section(notes, clock, who, now, resolved_at=incident.resolved_at)
    if not any(n.sent_at for n in notes if n.kind != NotificationKind.STATUS_UPDATE):
        gaps.append("client notification")
    return Review(
        incident=header,
        generated=clock.moment(now),
        zone=clock.zone.key if clock.zone else None,
        summary=summary,
        times=durations,
        timeline=timeline,
        detection=detection,
        response=response,
        root_cause=root,
        prevention=prevention,
        communication=communication,
        gaps=gaps,
        regulatory=regulatory_reports.review_section(session, incident=incident,
                                                     catalog=catalog, clock=clock, who=who,
                                                     now=now),
        model=registry_record.review_section(session, incident_id, clock.text, who),
    )


def people_involved(session: Session, incident_id: int, *, rows: list | None = None) -> set[str]:
    """Slack user ids the review names: actors, role holders, people assigned, paged or
    mentioned, follow-up owners, who drafted and sent notifications."""
    incident = session.get(Incident, incident_id)
    found = {getattr(incident, role) for role in Role} | {incident.declared_by}
    for _at, _kind, actor, text, data in (rows if rows is not None
                                          else _timeline_rows(session, incident_id)):
        found.add(actor)
        if "<@" in text:
            found |= persons.mentioned(text)
        if data:
            found.update(data.get(key) for key in _NAMED_IN_DATA)
    found |= {f.owner for f in followups.for_incident(session, incident_id)}
    for note in communications.for_incident(session, incident_id):
        found |= {note.drafted_by, note.sent_by}
    return {user for user in found if isinstance(user, str) and _USER.match(user)}


def render(review: Review, *, templates_dir: Path | None = None) -> str:
    return documents.render(documents.REVIEW, {"r": review, "GAP": GAP},
                            templates_dir=templates_dir)


def _timeline_rows(session: Session, incident_id: int) -> list:
    # Columns, not ORM objects: a long incident has thousands of events. Their data only
    # where it names people (a JSON value decoded for each event doubled the export time).
    kind = col(TimelineEvent.kind)
    naming = sa.type_coerce(sa.case((kind.in_(list(_NAMING_KINDS)), col(TimelineEvent.data)),
                                    else_=sa.null()), sa.JSON)
    return session.exec(
        select(TimelineEvent.occurred_at, TimelineEvent.kind, TimelineEvent.actor,
               TimelineEvent.text, naming)
        .where(TimelineEvent.incident_id == incident_id)
        .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
    ).all()


def _timeline(rows: list, clock: Clock, who) -> tuple[list[Line], set]:
    labels: dict[str, str] = {}
    lines = []
    actors: set[str] = set()
    for occurred_at, kind, actor, text, data in rows:
        label = labels.get(kind)
        if label is None:
            label = labels[kind] = kind.replace("_", " ").capitalize()
        if actor and _USER.match(actor):
            actors.add(actor)
        lines.append(Line(clock.moment(occurred_at), label, cell(who(actor)),
                          cell(describe(kind, text, data, who))))
    return lines, actors


def describe(kind: str, text: str, data: dict | None, who) -> str:
    """An event's text as a reader outside Slack needs it: people by name, and who got the
    role or the page (the text alone says only what happened)."""
    if "<@" in text:
        text = persons.MENTION.sub(lambda m: who(m.group(1)), text)
    if not data:
        return text
    if kind == EventKind.ROLE_ASSIGNED and data.get("user"):
        role = str(data.get("role", "role")).capitalize()
        before = f" (was {who(data['previous'])})" if data.get("previous") else ""
        return f"{role}: {who(data['user'])}{before}"
    if kind == EventKind.PAGED and data.get("user") and text.startswith("Paged"):
        return f"Paged {who(data['user'])}{text[len('Paged'):]}"
    return text


def _highest_severity(session: Session, incident: Incident) -> str | None:
    """The worst severity the incident reached, when it differs from where it ended."""
    changes = session.exec(
        select(TimelineEvent.data).where(
            TimelineEvent.incident_id == incident.id,
            TimelineEvent.kind == EventKind.SEVERITY_CHANGED,
        )
    ).all()
    levels = [incident.severity, *(int(d.get("from", 4)) for d in changes if d)]
    worst = min(levels)
    return Severity(worst).label if worst != incident.severity else None


def _detection(incident: Incident, alerts: list[Alert], firing: list[Alert], clock: Clock,
               who, opened_by_alert: bool, bounds: Contract) -> dict[str, Any]:
    first = firing[0] if firing else None
    start = incident.impact_started_at or (first.starts_at if first else None)
    observations: list[str] = []
    if first is None:
        observations.append(
            f"No alert fired: {who(incident.declared_by, none='someone')} declared the "
            "incident by hand. Which signal would have caught it first?")
    else:
        delay = first.received_at - first.starts_at
        if delay >= timedelta(minutes=5):
            observations.append(
                f"The first alert reached the bot {format_duration(delay)} after it started "
                "firing: check the alert's evaluation and pending period.")
        signals = {a.signal for a in firing if a.signal}
        if signals and not signals & MODEL_SIGNALS:
            observations.append(
                "Only infrastructure or pipeline signals fired: nothing watched the model's "
                "predictions, inputs, confidence or business metric.")
    if incident.impact_started_at is None and first is None:
        observations.append(f"When the impact started is {GAP}: time to detect is unknown.")
    return {
        "how": ("opened automatically by an alert" if opened_by_alert
                else f"declared by {who(incident.declared_by, none='a person')}"),
        "first_alert": None if first is None else {
            "title": cell(first.title),
            "signal": first.signal or "not given",
            "source": first.source,
            "metric": contract.describe(first.metric, bounds),
            "started": clock.text(first.starts_at),
            "received": clock.text(first.received_at),
        },
        "impact_start": clock.text(start) if start else None,
        "impact_start_source": ("recorded impact start" if incident.impact_started_at
                                else "first alert" if first else None),
        "opened": clock.text(incident.created_at),
        "alerts_firing": len(firing),
        "alerts_resolved": len(alerts) - len(firing),
        "signals": sorted({a.signal for a in firing if a.signal}),
        "observations": observations,
    }


