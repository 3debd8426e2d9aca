"""Alerts: one internal model for every source, and the grouping rules that turn them into
incidents. An alert storm opens one incident per system; later alerts join its timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from incidents import contract, outbox
from incidents.alerts.schema import AlertIn
from incidents.catalog.models import Catalog
from incidents.db import lock_systems
from incidents.lifecycle import changes as lifecycle
from incidents.models import Alert, Incident, TimelineEvent
from incidents.severity import Metric, propose_severity
from incidents.types import OPEN_STATUSES, AlertStatus, EventKind, Severity
from incidents.wording import describe_metric

# What became of one alert delivered: it opened an incident, joined the open one, was a
# redelivery, or recorded a resolution.
Disposition = Literal["opened", "joined", "duplicate", "resolved"]


@dataclass(frozen=True)
class Ingested:
    outcome: Disposition
    alert_id: int | None
    incident_id: int | None


def ingest(
    session: Session, *, alert: AlertIn, source: str, now: datetime, catalog: Catalog
) -> Ingested:
    """Store one alert and apply the grouping rules. Redelivery changes nothing."""
    return ingest_many(session, alerts=[(alert, source)], now=now, catalog=catalog)[0]


def ingest_many(
    session: Session, *, alerts: list[tuple[AlertIn, str]], now: datetime, catalog: Catalog
) -> list[Ingested]:
    """Store a batch of alerts in one transaction, with a handful of queries for the batch
    rather than per alert: a storm of thousands a second is many alerts, few incidents.
    Alerts and their timeline events go in with one bulk insert each: the ORM's bookkeeping
    per object cost more than the database did."""
    keys = _delivery_keys(session, alerts, now)
    stored = _existing(session, keys)  # key -> (alert id, incident id)
    # system -> its open incident: an id, or a draft opened by this batch (no id until the
    # drafts are stored together below)
    systems = {a.system for a, _ in alerts}
    lock_systems(session, systems)  # one open incident per system, across replicas
    open_by_system: dict[str, int | Incident] = _open_incidents(session, systems)
    drafts: list[Incident] = []
    firing: dict[str, int | Incident] = {}  # fingerprint -> incident, for a resolution below
    results: list[tuple[Disposition, tuple]] = []
    fresh: dict[tuple, dict] = {}
    for (alert, source), key in zip(alerts, keys, strict=True):
        if key in stored or key in fresh:
            results.append(("duplicate", key))
            continue
        row = fresh[key] = _row(alert, source, key, now, catalog)
        if alert.status == AlertStatus.RESOLVED:
            incident = firing.get(key[0]) or _incident_of_firing(session, key[0]) \
                or open_by_system.get(alert.system)
            outcome: Disposition = "resolved"
        elif alert.system in open_by_system:
            incident, outcome = open_by_system[alert.system], "joined"
        else:
            incident = open_by_system[alert.system] = lifecycle.draft(
                title=alert.title, system=alert.system, severity=Severity(row["severity"]),
                description=alert.description, now=now, catalog=catalog,
            )
            drafts.append(incident)
            outcome = "opened"
        if alert.status != AlertStatus.RESOLVED:
            firing[key[0]] = incident
        row["incident_id"] = incident
        results.append((outcome, key))
    lifecycle.open_all(session, drafts, now=now, catalog=catalog, kind=EventKind.OPENED_BY_ALERT)
    for row in fresh.values():
        incident = row["incident_id"]
        row["incident_id"] = incident.id if isinstance(incident, Incident) else incident
        # A resolution for nothing we know is recorded, with nothing to show.
        row["posted"] = row["incident_id"] is None
    _store(session, list(fresh.values()), now)
    for key, row in fresh.items():
        stored[key] = (row["id"], row["incident_id"])
    outbox.alerts_for(session, list(dict.fromkeys(
        row["incident_id"] for row in fresh.values() if row["incident_id"] is not None)))
    return [Ingested(outcome, *stored[key]) for outcome, key in results]


def _delivery_keys(session: Session, alerts: list[tuple[AlertIn, str]],
                   now: datetime) -> list[tuple]:
    """What makes two deliveries the same alert: (fingerprint, start, status). An alert that
    states no start is the alert its fingerprint last reported, as long as its status is the
    same, so a sender's redelivery (a retry, Alertmanager's repeat) changes nothing; firing
    again after a resolution is a new alert."""
    fingerprints = [alert.derived_fingerprint() for alert, _ in alerts]
    unstated = {fp for fp, (alert, _) in zip(fingerprints, alerts, strict=True)
                if alert.started_at is None}
    latest = _latest(session, unstated) if unstated else {}
    keys = []
    for fingerprint, (alert, _) in zip(fingerprints, alerts, strict=True):
        starts_at = alert.started_at
        if starts_at is None:
            last = latest.get(fingerprint)
            starts_at = last[0] if last and last[1] == alert.status else now
        keys.append((fingerprint, starts_at, alert.status))
    return keys


def _store(session: Session, rows: list[dict], now: datetime) -> None:
    """Insert alert rows (setting their "id") and their timeline events, one statement each."""
    if not rows:
        return
    # Core statements skip the ORM's autoflush: write what declaring incidents added first,
    # so their timeline events come before the alerts' ones.
    session.flush()
    table = Alert.__table__
    statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    ids = session.connection().execute(statement, rows).scalars()
    for row, alert_id in zip(rows, ids, strict=True):
        row["id"] = alert_id
    events = _timeline_rows(rows, now)
    if events:
        session.connection().execute(TimelineEvent.__table__.insert(), events)


def ingest_drill(
    session: Session, *, incident: Incident, alert: AlertIn, now: datetime, catalog: Catalog,
    source: str = "drill",
) -> Ingested:
    """A drill's alert goes straight into its practice incident: it never opens or joins a
    real incident (and real alerts never group into drills, see `_open_incidents`)."""
    key = (alert.derived_fingerprint(), alert.started_at or now, alert.status)
    existing = _existing(session, [key]).get(key)
    if existing is not None:
        return Ingested("duplicate", *existing)
    row = _row(alert, source, key, now, catalog)
    row["incident_id"], row["posted"] = incident.id, False
    _store(session, [row], now)
    outbox.alerts(session, incident)
    return Ingested("joined", row["id"], incident.id)


# Built once: constructing a statement costs more than running it on a batch of ten.
_STORED = select(Alert.fingerprint, Alert.starts_at, Alert.status, Alert.id, Alert.incident_id) \
    .where(col(Alert.fingerprint).in_(bindparam("fingerprints", expanding=True)))
_OPEN = (
    select(Incident.system, Incident.id)
    .where(col(Incident.system).in_(bindparam("systems", expanding=True)))
    .where(col(Incident.status).in_(list(OPEN_STATUSES)), col(Incident.is_drill).is_(False))
    .order_by(col(Incident.id).desc())
)


_LATEST = select(Alert.fingerprint, Alert.starts_at, Alert.status) \
    .where(col(Alert.fingerprint).in_(bindparam("fingerprints", expanding=True))) \
    .order_by(col(Alert.id))


def _latest(session: Session, fingerprints: set[str]) -> dict[str, tuple[datetime, str]]:
    """The last stored (start, status) of each fingerprint."""
    rows = session.exec(_LATEST, params={"fingerprints": list(fingerprints)})
    return {fingerprint: (starts_at, status) for fingerprint, starts_at, status in rows}


def _existing(session: Session, keys: list[tuple]) -> dict[tuple, tuple[int, int | None]]:
    """The stored alerts among these delivery keys: key -> (alert id, incident id)."""
    rows = session.exec(_STORED, params={"fingerprints": list({key[0] for key in keys})})
    return {(fingerprint, starts_at, status): (alert_id, incident_id)
            for fingerprint, starts_at, status, alert_id, incident_id in rows}


def _open_incidents(session: Session, systems: set[str]) -> dict[str, int]:
    """The oldest open, non-drill incident of each system, in one query for the batch."""
    return dict(session.exec(_OPEN, params={"systems": list(systems)}).all())


def _row(alert: AlertIn, source: str, key: tuple, now: datetime, catalog: Catalog) -> dict:
    """The alert as a row of the `alert` table, less its incident."""
    system = catalog.systems.get(alert.system)
    metric = alert.metric.model_dump() if alert.metric else {}
    proposal = propose_severity(
        signal=alert.signal,
        metric=Metric.from_dict(metric),
        criticality=system.criticality if system else "standard",
        stated=alert.severity,
        **contract.terms(catalog, alert.system),
    )
    fingerprint, starts_at, status = key
    return {
        "source": source,
        "fingerprint": fingerprint,
        "starts_at": starts_at,
        "status": str(status),
        "system": alert.system,
        "title": alert.title,
        "signal": alert.signal and str(alert.signal),
        "severity": int(proposal.severity),
        "description": alert.description,
        "metric": metric,
        "links": alert.links,
        "labels": {**alert.labels, "severity_reason": proposal.reason},
        "received_at": now,
    }


def _incident_of_firing(session: Session, fingerprint: str) -> int | None:
    """The incident the firing alert of this fingerprint joined, if any."""
    return session.exec(
        select(Alert.incident_id)
        .where(Alert.fingerprint == fingerprint, Alert.status == AlertStatus.FIRING)
        .where(col(Alert.incident_id).is_not(None))
        .order_by(col(Alert.id).desc())
    ).first()


def _timeline_rows(alerts: list[dict], now: datetime) -> list[dict]:
    """Timeline events for alerts that joined incidents, as rows for one bulk insert:
    during a storm these are most of what is written."""
    rows = []
    for alert in alerts:
        if alert["incident_id"] is None:
            continue
        resolved = alert["status"] == AlertStatus.RESOLVED
        detail = describe_metric(alert["metric"])
        rows.append({
            "incident_id": alert["incident_id"],
            "kind": EventKind.ALERT_RESOLVED if resolved else EventKind.ALERT,
            "occurred_at": now if resolved else alert["starts_at"],
            "recorded_at": now,
            "actor": alert["source"],
            "text": ("Alert resolved: " if resolved else "Alert fired: ") + alert["title"]
            + (f" ({detail})" if detail else ""),
            "data": {"alert": alert["id"], "severity": alert["severity"],
                     "signal": alert["signal"]},
        })
    return rows


# Statements of the outbox's alert batches, built once and run on the connection: the ORM's
# per-statement work was most of a batch delivery's time, which the event loop shares with
# alerts still arriving.
_ALERT = Alert.__table__.c
_UNPOSTED = (
    sa.select(_ALERT.id, _ALERT.status)
    .where(_ALERT.incident_id == bindparam("incident"), _ALERT.posted.is_(False))
    .order_by(_ALERT.id)
)
_MARK_POSTED = (
    sa.update(Alert.__table__)
    .where(_ALERT.incident_id == bindparam("incident"), _ALERT.posted.is_(False),
           _ALERT.id <= bindparam("up_to"))
    .values(posted=True)
)
_HAS_UNPOSTED = _UNPOSTED.with_only_columns(_ALERT.id).limit(1)


def mark_posted(session: Session, incident_id: int, *, up_to: int) -> None:
    """The incident's alerts up to this id are in its channel now (one range, not a list of
    a thousand ids: a storm's batches are that large)."""
    session.connection().execute(_MARK_POSTED, {"incident": incident_id, "up_to": up_to})


@dataclass(frozen=True)
class Unposted:
    """Alerts of an incident not yet shown in its channel: all their ids, the oldest few in
    full. A batch message lists only a few, so a storm never loads thousands of rows."""

    ids: list[int]
    firing: int
    resolved: int
    shown: list[Alert]


def unposted(session: Session, incident_id: int, *, limit: int = 1000,
             shown: int = 10) -> Unposted:
    rows = session.connection().execute(_UNPOSTED.limit(limit), {"incident": incident_id}).all()
    ids = [alert_id for alert_id, _ in rows]
    resolved = sum(1 for _, status in rows if status == AlertStatus.RESOLVED)
    full = session.exec(select(Alert).where(col(Alert.id).in_(ids[:shown]))
                        .order_by(col(Alert.id))).all() if ids else []
    return Unposted(ids=ids, firing=len(ids) - resolved, resolved=resolved, shown=list(full))


def has_unposted(session: Session, incident_id: int) -> bool:
    return session.connection().execute(
        _HAS_UNPOSTED, {"incident": incident_id}).first() is not None
