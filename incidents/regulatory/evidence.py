"""Evidence before change: for a system under the EU AI Act, a mitigation that alters the
model first preserves what a later evaluation of the cause would need.

Article 73(6) of the Act forbids changing the system in a way that could affect that
evaluation before the authorities are informed; an incident often cannot wait that long, so
the bot keeps the state as it was, in one file: the registry's versions (and which one
served), the latest drift report, the incident's alerts and the system's catalog entry with
its credentials removed. The file is stored (with its SHA-256) before the change is called,
recorded in the timeline, uploaded to the channel through the outbox, and summarised in
the review.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from incidents import outbox, timeline
from incidents.catalog.models import System
from incidents.models import Alert, Incident, TimelineEvent
from incidents.redaction import REDACTED, redact
from incidents.regulatory.models import EvidenceSnapshot
from incidents.triage.mitigation import Mitigation
from incidents.types import EventKind

ARTICLE = "EU AI Act Art. 73(6)"
# Mitigations that change what the model decides; falling back to rules or to people
# leaves the model as it is. Whether the bot makes the change or a person does and records
# it, the state is kept first.
ALTERS_MODEL = frozenset({Mitigation.ROLLBACK, Mitigation.THRESHOLD})
# Runbooks whose steps replace the model: opening one is the decision to change it, so the
# evidence is kept then, before any of its steps is done.
RUNBOOKS_ALTERING_MODEL = frozenset({"emergency_model_rollback", "emergency_retraining"})


def required(system: System | None, mitigation: Mitigation | None = Mitigation.ROLLBACK) -> bool:
    """Whether a change must be preceded by a snapshot: the system's obligations include
    the EU AI Act and the change alters the model (None: undoing a rollback, which does)."""
    if system is None or system.obligations is None or system.obligations.eu_ai_act is None:
        return False
    return mitigation is None or mitigation in ALTERS_MODEL


def required_for_runbook(system: System | None, runbook: str) -> bool:
    return runbook in RUNBOOKS_ALTERING_MODEL and required(system, None)


def will_preserve(system: System, *, alerts: int, drift_at: datetime | None) -> str:
    """The confirmation dialog's promise, plainly: what the file will hold."""
    parts = []
    if system.model is not None:
        parts.append(f"the versions of {system.model.name} in the model registry and which "
                     "one serves")
    parts.append(f"the latest drift report (of {drift_at:%Y-%m-%d %H:%M} UTC)" if drift_at
                 else "the latest drift report (none was run yet)")
    parts.append(f"the incident's {alerts} alert{'s' if alerts != 1 else ''}")
    parts.append("the system's catalog entry (credentials removed)")
    return (f"{ARTICLE}: before the model is changed the bot preserves "
            + ", ".join(parts[:-1]) + " and " + parts[-1]
            + ", as one file in this channel and in the timeline.")


def catalog_entry(key: str, system: System) -> dict[str, Any]:
    """The system as the catalog describes it, without a secret: every header value is
    replaced (names stay: they say how the call authenticates) and URLs lose passwords."""
    entry = system.model_dump(mode="json")
    for action in (entry.get("actions") or {}).values():
        action["headers"] = {name: REDACTED for name in action.get("headers") or {}}
        action["url"] = redact(action["url"])
    if entry.get("model"):
        entry["model"]["headers"] = {name: REDACTED for name in entry["model"].get("headers")
                                     or {}}
        entry["model"]["tracking_uri"] = redact(entry["model"]["tracking_uri"])
    query = (entry.get("data") or {}).get("current_query")
    if query:
        query["url"] = redact(query["url"])
    return {"key": key, **entry}


def alerts_of(session: Session, incident_id: int) -> list[dict[str, Any]]:
    rows = session.exec(select(Alert).where(Alert.incident_id == incident_id)
                        .order_by(col(Alert.starts_at), col(Alert.id))).all()
    return [{"id": a.id, "source": a.source, "status": a.status, "title": a.title,
             "signal": a.signal, "severity": a.severity, "starts_at": a.starts_at.isoformat(),
             "received_at": a.received_at.isoformat(), "description": a.description,
             "metric": a.metric, "labels": a.labels, "links": a.links} for a in rows]


def latest_drift(session: Session, incident_id: int) -> TimelineEvent | None:
    return session.exec(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident_id, TimelineEvent.kind == EventKind.DRIFT_REPORT,
    ).order_by(col(TimelineEvent.occurred_at).desc(), col(TimelineEvent.id).desc())).first()


def document(
    *,
    incident: Incident,
    before: str,
    taken_at: datetime,
    taken_by: str | None,
    registry: dict[str, Any],
    drift: TimelineEvent | None,
    alerts: list[dict[str, Any]],
    entry: dict[str, Any],
) -> dict[str, Any]:
    """The snapshot's contents. `registry`: what it answered just now, or why it could not."""
    return {
        "preserved_under": ARTICLE,
        "before": before,
        "taken_at": taken_at.isoformat(),
        "taken_by": taken_by,
        "incident": {"id": incident.id, "title": incident.title, "system": incident.system,
                     "severity": incident.severity, "status": incident.status,
                     "opened_at": incident.created_at.isoformat()},
        "model_registry": registry,
        # The report as recorded by /incident drift; its full JSON is in `report` when the
        # bot kept it, and in the files it uploaded (`files`).
        "drift_report": None if drift is None else {
            "at": drift.occurred_at.isoformat(), "by": drift.actor, **(drift.data or {})},
        "alerts": alerts,
        "catalog_entry": entry,
    }


def summary_of(content: dict[str, Any]) -> dict[str, Any]:
    registry = content.get("model_registry") or {}
    drift = content.get("drift_report")
    return {
        "serving": registry.get("serving"),
        "versions": [v.get("version") for v in registry.get("versions") or []],
        "registry_error": registry.get("error"),
        "drift_at": drift.get("at") if drift else None,
        "alerts": len(content.get("alerts") or []),
    }


def summary_text(summary: dict[str, Any], sha256: str) -> str:
    """"registry: v42 serving, 3 versions; drift report of …; 4 alerts; catalog entry"."""
    if summary.get("registry_error"):
        registry = f"registry not readable ({summary['registry_error']})"
    elif summary.get("serving") is not None:
        registry = (f"registry: v{summary['serving']} serving, "
                    f"{len(summary.get('versions') or [])} versions")
    else:
        registry = "no model registry configured"
    drift = f"drift report of {summary['drift_at'][:16].replace('T', ' ')} UTC" \
        if summary.get("drift_at") else "no drift report run"
    alerts = summary.get("alerts", 0)
    return (f"{registry}; {drift}; {alerts} alert{'' if alerts == 1 else 's'}; catalog entry "
            f"(credentials removed); SHA-256 {sha256[:12]}…")


def preserve(
    session: Session,
    *,
    incident: Incident,
    content: dict[str, Any],
    before: str,
    actor: str | None,
    now: datetime,
    change: int | None = None,
    runbook: str | None = None,
) -> EvidenceSnapshot:
    """Store the file and its digest, record it in the timeline and queue its upload. The
    caller commits before it changes anything."""
    body = json.dumps(content, indent=2, sort_keys=True, default=str, allow_nan=False)
    digest = hashlib.sha256(body.encode()).hexdigest()
    summary = summary_of(content)
    snapshot = EvidenceSnapshot(
        incident_id=incident.id, taken_at=now, taken_by=actor, before=before,
        filename=f"incident-{incident.id}-evidence-{now:%Y%m%d-%H%M%S}.json", document=body,
        sha256=digest, summary=summary)
    session.add(snapshot)
    session.flush()  # its id, for the event and the upload
    said = f"Evidence preserved before: {before} ({summary_text(summary, digest)})"
    facts = {"snapshot": snapshot.id, "sha256": digest, "filename": snapshot.filename,
             "before": before, "change": change, "runbook": runbook, **summary}
    timeline.record(session, incident=incident, kind=EventKind.EVIDENCE_PRESERVED, now=now,
                   actor=actor, text=said, data=facts)
    outbox.evidence_upload(session, incident_id=incident.id, snapshot_id=snapshot.id)
    return snapshot


def preserved_for_runbook(session: Session, incident_id: int, runbook: str) -> bool:
    """Kept once per runbook: opening it again changes nothing more."""
    return any((e.data or {}).get("runbook") == runbook
               for e in timeline.events_of(session, incident_id, EventKind.EVIDENCE_PRESERVED))


def preserve_first(session: Session, system: System | None, incident_id: int,
                   runbook: str) -> bool:
    """Opening this runbook will preserve the evidence first: its steps change the model,
    the system is under the Act, and nothing was preserved for it yet in this incident."""
    return required_for_runbook(system, runbook) and not preserved_for_runbook(
        session, incident_id, runbook)


def snapshots(session: Session, incident_id: int) -> list[EvidenceSnapshot]:
    return list(session.exec(select(EvidenceSnapshot).where(
        EvidenceSnapshot.incident_id == incident_id).order_by(col(EvidenceSnapshot.id))))
