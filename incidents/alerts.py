"""Alerts: one internal model for every source, and the grouping rules that turn them into
incidents. An alert storm opens one incident per system; later alerts join its timeline."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from incidents import outbox, service
from incidents.models import Alert, Incident, TimelineEvent
from incidents.severity import Metric, parse_severity, propose_severity
from incidents.types import OPEN_STATUSES, AlertStatus, EventKind, Severity, Signal
from incidents.wording import describe_metric


class MetricIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = "metric"
    value: float
    baseline: float | None = None
    threshold: float | None = None


class AlertIn(BaseModel):
    """The generic alert of the SPEC; Alertmanager and Grafana payloads are mapped onto it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    system: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    signal: Signal | None = None
    status: AlertStatus = AlertStatus.FIRING
    severity: str | int | None = None
    fingerprint: str | None = Field(default=None, max_length=200)
    started_at: AwareDatetime | None = None
    description: str = Field(default="", max_length=10_000)
    metric: MetricIn | None = None
    links: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: str | int | None) -> str | int | None:
        if value is not None and parse_severity(value) is None:
            raise ValueError("use sev1–sev4 or critical/high/medium/low/warning/info")
        return value

    @field_validator("labels", "links", mode="before")
    @classmethod
    def _stringify(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): "" if v is None else str(v) for k, v in value.items()}
        return value

    def derived_fingerprint(self) -> str:
        if self.fingerprint:
            return self.fingerprint
        key = json.dumps(
            [self.system, self.title, self.signal, sorted(self.labels.items())], default=str
        )
        return hashlib.sha256(key.encode()).hexdigest()[:32]


Outcome = Literal["opened", "joined", "duplicate", "resolved"]


@dataclass(frozen=True)
class Ingested:
    outcome: Outcome
    alert_id: int | None
    incident_id: int | None


def ingest(
    session: Session, *, alert: AlertIn, source: str, now: datetime, catalog: Any
) -> Ingested:
    """Store one alert and apply the grouping rules. Redelivery changes nothing."""
    return ingest_many(session, alerts=[(alert, source)], now=now, catalog=catalog)[0]


def ingest_many(
    session: Session, *, alerts: list[tuple[AlertIn, str]], now: datetime, catalog: Any
) -> list[Ingested]:
    """Store a batch of alerts in one transaction, with a handful of queries for the batch
    rather than per alert: a storm of thousands a second is many alerts, few incidents."""
    keys = [(a.derived_fingerprint(), a.started_at or now, a.status) for a, _ in alerts]
    seen = _existing(session, keys)
    open_by_system = _open_incidents(session, {a.system for a, _ in alerts})
    results: list[tuple[Outcome, Alert]] = []
    fresh: list[Alert] = []
    touched: dict[int, Incident] = {}
    for (alert, source), key in zip(alerts, keys, strict=True):
        if key in seen:
            results.append(("duplicate", seen[key]))
            continue
        row = _row(alert, source, key, now, catalog)
        if alert.status == AlertStatus.RESOLVED:
            incident = _incident_of_firing(session, key[0]) or open_by_system.get(alert.system)
            outcome: Outcome = "resolved"
        else:
            incident = open_by_system.get(alert.system)
            outcome = "joined"
            if incident is None:
                incident = service.declare(
                    session,
                    title=alert.title,
                    system=alert.system,
                    severity=Severity(row.severity),
                    description=alert.description,
                    now=now,
                    catalog=catalog,
                    impact_started_at=row.starts_at,
                    kind=EventKind.OPENED_BY_ALERT,
                )
                open_by_system[alert.system] = incident
                outcome = "opened"
        if incident is None:
            row.posted = True  # a resolution for nothing we know: recorded, nothing to show
        else:
            row.incident_id = incident.id
            touched[incident.id] = incident
        session.add(row)
        seen[key] = row
        fresh.append(row)
        results.append((outcome, row))
    session.flush()
    events = _timeline_rows(fresh, now)
    if events:
        session.execute(insert(TimelineEvent), events)
    outbox.alerts_for(session, list(touched))
    return [Ingested(outcome, row.id, row.incident_id) for outcome, row in results]


def ingest_drill(
    session: Session, *, incident: Incident, alert: AlertIn, now: datetime, catalog: Any,
    source: str = "drill",
) -> Ingested:
    """A drill's alert goes straight into its practice incident: it never opens or joins a
    real incident (and real alerts never group into drills, see `_open_incidents`)."""
    key = (alert.derived_fingerprint(), alert.started_at or now, alert.status)
    existing = _existing(session, [key]).get(key)
    if existing is not None:
        return Ingested("duplicate", existing.id, existing.incident_id)
    row = _row(alert, source, key, now, catalog)
    row.incident_id = incident.id
    session.add(row)
    session.flush()
    session.execute(insert(TimelineEvent), _timeline_rows([row], now))
    outbox.alerts(session, incident)
    return Ingested("joined", row.id, incident.id)


def _existing(session: Session, keys: list[tuple]) -> dict[tuple, Alert]:
    fingerprints = {fingerprint for fingerprint, _, _ in keys}
    rows = session.exec(select(Alert).where(col(Alert.fingerprint).in_(fingerprints))).all()
    return {(r.fingerprint, r.starts_at, r.status): r for r in rows}


def _open_incidents(session: Session, systems: set[str]) -> dict[str, Incident]:
    """The oldest open, non-drill incident of each system, in one query for the batch."""
    query = (
        select(Incident)
        .where(col(Incident.system).in_(systems), col(Incident.status).in_(list(OPEN_STATUSES)))
        .where(col(Incident.is_drill).is_(False))
        .order_by(col(Incident.id).desc())
    )
    return {incident.system: incident for incident in session.exec(query)}


def _row(alert: AlertIn, source: str, key: tuple, now: datetime, catalog: Any) -> Alert:
    system = catalog.systems.get(alert.system)
    metric = alert.metric.model_dump() if alert.metric else {}
    proposal = propose_severity(
        signal=alert.signal,
        metric=Metric.from_dict(metric),
        criticality=system.criticality if system else "standard",
        stated=alert.severity,
    )
    fingerprint, starts_at, status = key
    return Alert(
        source=source,
        fingerprint=fingerprint,
        starts_at=starts_at,
        status=status,
        system=alert.system,
        title=alert.title,
        signal=alert.signal,
        severity=int(proposal.severity),
        description=alert.description,
        metric=metric,
        links=alert.links,
        labels={**alert.labels, "severity_reason": proposal.reason},
        received_at=now,
    )


def _incident_of_firing(session: Session, fingerprint: str) -> Incident | None:
    firing = session.exec(
        select(Alert)
        .where(Alert.fingerprint == fingerprint, Alert.status == AlertStatus.FIRING)
        .where(col(Alert.incident_id).is_not(None))
        .order_by(col(Alert.id).desc())
    ).first()
    return session.get(Incident, firing.incident_id) if firing else None


def _timeline_rows(alerts: list[Alert], now: datetime) -> list[dict]:
    """Timeline events for alerts that joined incidents, as rows for one bulk insert:
    during a storm these are most of what is written."""
    rows = []
    for alert in alerts:
        if alert.incident_id is None:
            continue
        resolved = alert.status == AlertStatus.RESOLVED
        detail = describe_metric(alert.metric)
        rows.append({
            "incident_id": alert.incident_id,
            "kind": EventKind.ALERT_RESOLVED if resolved else EventKind.ALERT,
            "occurred_at": now if resolved else alert.starts_at,
            "recorded_at": now,
            "actor": alert.source,
            "text": ("Alert resolved: " if resolved else "Alert fired: ") + alert.title
            + (f" ({detail})" if detail else ""),
            "data": {"alert": alert.id, "severity": alert.severity, "signal": alert.signal},
        })
    return rows


def mark_posted(session: Session, alert_ids: list[int]) -> None:
    if alert_ids:
        session.execute(update(Alert).where(col(Alert.id).in_(alert_ids)).values(posted=True))


def unposted(session: Session, incident_id: int, limit: int = 1000) -> list[Alert]:
    return list(session.exec(
        select(Alert)
        .where(Alert.incident_id == incident_id, col(Alert.posted).is_(False))
        .order_by(col(Alert.id))
        .limit(limit)
    ))


def opening_severity(alert: Alert) -> Severity:
    return Severity(alert.severity or 3)
