"""Drift monitor findings as alerts, so they open or join incidents like any other alert.

Each finding of a report (`DriftReport.findings()`) becomes one `AlertIn` with a stable
fingerprint per system, signal and column. While a finding keeps firing, its alert is sent
again with the start time of the alert already stored, which ingestion treats as a
redelivery: a monitor that runs every few minutes, or again after a restart, adds nothing.
A finding that is gone from a later run is sent as resolved, which records it in the
incident's timeline; the incident itself stays open for people to close.

Once people have finished an incident, a monitor opens a new one only on data that
changed since. Two checks, either suffices to stay quiet: each alert carries a digest of
the analysis it came from (label "evidence": row counts, every column's statistics, the
thresholds), and a finding whose last alert sits in a finished incident with the same
digest is not sent again; and when the data are files written before the system's last
incident was resolved (and no incident of it is open), their findings are not sent —
people resolved it knowing that data. Unchanging data (the example files, a table
nobody refreshed) no longer reopens an incident minutes after it was resolved; new data
that still drifts does.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from incidents import contract
from incidents.alerts.schema import AlertIn, MetricIn
from incidents.catalog.models import Catalog, System
from incidents.drift import DriftFinding, DriftReport
from incidents.models import Alert, Incident
from incidents.severity import Metric, propose_severity
from incidents.types import OPEN_STATUSES, AlertStatus

SOURCE = "monitor"
MAX_FINGERPRINT = 200
MAX_TITLE = 500
# Earlier monitor alerts looked at for a system: enough for every finding of many runs.
HISTORY_LIMIT = 2000


@dataclass(frozen=True)
class MonitorRun:
    """What one run of one monitor saw, in the words its alerts use."""

    system: str  # catalog key
    monitor: str  # "fraud-detector#1": which of the system's monitors
    report: DriftReport
    reference: str  # where the data came from, for the description
    current: str
    every: str  # "15m", for the description
    data_modified_at: datetime | None = None  # newest file; None for a query


def fingerprint(system: str, finding: DriftFinding) -> str:
    key = f"drift:{system}:{finding.signal}:{finding.column or '*'}"
    if len(key) <= MAX_FINGERPRINT:
        return key
    return f"drift:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def title(system: str, finding: DriftFinding, report: DriftReport) -> str:
    if finding.metric.name == "drifted_column_share":
        what = f"{len(report.drifted_columns)} of {len(report.judged_columns)} features drifted"
    else:
        what = finding.summary
    text = f"Drift on {system}: {what}"
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


def evidence_digest(report: DriftReport) -> str:
    """A digest of everything an analysis found: equal for equal data and thresholds."""
    text = json.dumps(report.to_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def latest_alerts(session: Session, *, system: str) -> dict[str, tuple[Alert, str | None]]:
    """The latest monitor alert of each fingerprint of a system, with its incident's
    status (None when it has no incident)."""
    rows = session.exec(
        select(Alert, Incident.status)
        .join(Incident, col(Alert.incident_id) == col(Incident.id), isouter=True)
        .where(Alert.source == SOURCE, Alert.system == system)
        .order_by(col(Alert.id).desc())
        .limit(HISTORY_LIMIT)
    ).all()
    latest: dict[str, tuple[Alert, str | None]] = {}
    for alert, status in rows:
        latest.setdefault(alert.fingerprint, (alert, status))
    return latest


def _firing(latest: dict[str, tuple[Alert, str | None]]) -> dict[str, Alert]:
    """The monitor alerts of a system still firing in an open incident, by fingerprint.

    Only the latest alert of a fingerprint counts: once resolved, or once its incident is
    closed, a finding that comes back is a new alert (and, if need be, a new incident).
    """
    return {
        fp: alert for fp, (alert, status) in latest.items()
        if alert.status == AlertStatus.FIRING and status in OPEN_STATUSES
    }


def _resolved_since(session: Session, *, system: str, modified_at: datetime | None) -> bool:
    """No incident of the system is open, and one was resolved after the data were last
    written."""
    if modified_at is None:
        return False
    statuses = session.exec(select(Incident.status, Incident.resolved_at)
                            .where(Incident.system == system)).all()
    if any(status in OPEN_STATUSES for status, _ in statuses):
        return False
    return any(at is not None and at >= modified_at for _, at in statuses)


def _finished_on_same_evidence(entry: tuple[Alert, str | None] | None, evidence: str) -> bool:
    """The finding's last alert is in an incident people finished, from the same data."""
    if entry is None:
        return False
    alert, status = entry
    return (status is not None and status not in OPEN_STATUSES
            and (alert.labels or {}).get("evidence") == evidence)


def plan_alerts(
    session: Session, *, run: MonitorRun, system: System | None, now: datetime,
    catalog: Catalog | None = None,
) -> list[AlertIn]:
    """The alerts one monitor run sends: its findings, most severe first (the first one
    opens the incident and sets its severity), then resolutions of findings now gone.
    Findings already dealt with in a finished incident on the same data are left out."""
    latest = latest_alerts(session, system=run.system)
    firing = _firing(latest)
    evidence = evidence_digest(run.report)
    known_data = _resolved_since(session, system=run.system, modified_at=run.data_modified_at)
    criticality = system.criticality if system else "standard"
    terms = contract.terms(catalog, run.system) if catalog is not None else {}
    found: list[tuple[int, int, AlertIn]] = []
    seen: set[str] = set()
    for order, finding in enumerate(run.report.findings()):
        fp = fingerprint(run.system, finding)
        if fp in seen:
            continue
        seen.add(fp)
        previous = firing.get(fp)
        if previous is None and (known_data
                                 or _finished_on_same_evidence(latest.get(fp), evidence)):
            continue
        alert = _alert(run, finding, fp, started_at=previous.starts_at if previous else now,
                         dashboard=system.dashboard if system else None, evidence=evidence)
        metric = Metric.from_dict(alert.metric.model_dump()) if alert.metric else None
        severity = propose_severity(
            signal=alert.signal, metric=metric, criticality=criticality, **terms
        ).severity
        found.append((int(severity), order, alert))
    found.sort(key=lambda item: item[:2])
    resolved = [
        AlertIn(
            system=run.system,
            title=alert.title,
            signal=alert.signal,
            status=AlertStatus.RESOLVED,
            fingerprint=fp,
            started_at=alert.starts_at,
            description=f"No longer found by the drift monitor at its run of "
            f"{now:%Y-%m-%d %H:%M} UTC.",
            labels={"monitor": run.monitor},
        )
        for fp, alert in firing.items()
        if fp not in seen and alert.labels.get("monitor") == run.monitor
    ]
    return [alert for _, _, alert in found] + resolved


def _alert(run: MonitorRun, finding: DriftFinding, fp: str, *, started_at: datetime,
           dashboard: str | None, evidence: str) -> AlertIn:
    report = run.report
    metric = finding.metric
    labels = {"monitor": run.monitor, "evidence": evidence}
    if finding.column:
        labels["column"] = finding.column
    description = (
        f"{finding.summary}.\n"
        f"Found by the drift monitor {run.monitor} (every {run.every}), comparing "
        f"{run.current} ({report.current_rows:,} rows) with the reference "
        f"{run.reference} ({report.reference_rows:,} rows). "
        "Run /incident drift in the incident channel for the full report and charts."
    )
    return AlertIn(
        system=run.system,
        title=title(run.system, finding, report),
        signal=finding.signal,
        fingerprint=fp,
        started_at=started_at,
        description=description,
        metric=MetricIn(name=metric.name, value=float(metric.value),
                        baseline=_finite(metric.baseline), threshold=_finite(metric.threshold))
        if _finite(metric.value) is not None else None,
        links={"dashboard": dashboard} if dashboard else {},
        labels=labels,
    )


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None
