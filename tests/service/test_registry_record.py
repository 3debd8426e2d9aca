"""Registry use cases on the database (incidents/registry/record.py,
incidents/regulatory/evidence.py):
a read queued when an incident opens and recorded with the triage answer, a click that
moves the alias stored once (also when two sessions race), the result recorded with both
versions, and the evidence file stored with its digest."""

import hashlib
import json
from datetime import timedelta

import pytest
from sqlmodel import select

from incidents import queries, timeline
from incidents.lifecycle import changes as lifecycle
from incidents.models import Outbox, TimelineEvent
from incidents.registry import record as registry_record
from incidents.registry.models import ModelChange
from incidents.registry.policy import RegistryState, Version
from incidents.regulatory import evidence
from incidents.regulatory.models import EvidenceSnapshot
from incidents.triage import checklist
from incidents.triage.mitigation import CallResult
from incidents.types import EventKind, Severity
from tests.service.conftest import NOW

BOT = "U_INCIDENTBOT"


def open_incident(session, catalog, system="fraud-detector"):
    return lifecycle.declare(session, title="Fraud flag rate 40%", system=system,
                           severity=Severity.SEV2, now=NOW, catalog=catalog,
                           declared_by="U_ALICE")


def seeded_state(serving=42) -> RegistryState:
    return RegistryState("fraud-detector", "champion", "mlflow.northwind.example", NOW, serving, (
        Version(42, NOW - timedelta(hours=4), NOW - timedelta(hours=3)),
        Version(41, NOW - timedelta(days=20), NOW - timedelta(days=19))))


def events(session, incident, kind):
    return list(session.exec(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.kind == kind)))


def test_opening_queues_one_read_for_a_system_with_a_registry_and_none_without(session,
                                                                               catalog):
    fraud = open_incident(session, catalog)
    open_incident(session, catalog, system="recommender")  # no `model:`
    drill = lifecycle.declare(session, title="Drill", system="fraud-detector",
                            severity=Severity.SEV3, now=NOW, catalog=catalog, is_drill=True)
    session.flush()

    reads = session.exec(select(Outbox).where(Outbox.kind == "registry.read")).all()
    assert [r.payload for r in reads] == [{"incident": fraud.id}]
    assert drill.id not in [r.payload["incident"] for r in reads]


def test_a_read_is_recorded_with_the_bots_triage_answer_unless_a_person_answered(session,
                                                                                 catalog):
    model = catalog.systems["fraud-detector"].model
    first, second = open_incident(session, catalog), open_incident(session, catalog)
    checklist.answer_triage(session, incident=second, item="model_updated", answer="no",
                           actor="U_BOB", now=NOW)

    for incident in (first, second):
        registry_record.record_read(session, incident=incident, model=model,
                                    state=seeded_state(), error=None, window=timedelta(hours=24),
                                    actor=BOT, now=NOW + timedelta(seconds=1))

    (read,) = events(session, first, EventKind.MODEL_VERSION)
    assert read.actor == BOT and read.data["model"]["version"] == 42
    assert read.text == ("Model registry: fraud-detector champion is v42; v42 promoted 3 h "
                         "before the incident was declared")
    answers = checklist.triage_answers(session, first.id)
    assert answers["model_updated"].value == "yes" and answers["model_updated"].actor == BOT
    assert answers["model_updated"].note == "v42 promoted 3 h before the incident was declared"
    kept = checklist.triage_answers(session, second.id)["model_updated"]
    assert (kept.value, kept.actor) == ("no", "U_BOB")
    assert registry_record.serving_now(session, first.id)["version"] == 42
    # No checklist was posted: the bot's answer does not post one.
    assert not session.exec(select(Outbox).where(Outbox.kind == "triage_message",
                                                 Outbox.incident_id == first.id)).all()


def test_a_click_is_stored_once_and_one_change_at_a_time(session, catalog):
    model = catalog.systems["fraud-detector"].model
    incident = open_incident(session, catalog)

    def ask(key):
        return registry_record.request_change(
            session, incident=incident, model=model, kind="rollback", to_version=41,
            from_version=42, actor="U_BOB", key=key, now=NOW)

    change = ask("view:V1")
    with pytest.raises(timeline.Refused, match="already asked for"):
        ask("view:V1")
    with pytest.raises(timeline.Refused, match="already under way"):
        ask("view:V2")
    work = session.exec(select(Outbox).where(Outbox.kind == "registry.change")).all()
    assert [w.payload for w in work] == [{"incident": incident.id, "change": change.id}]

    state = seeded_state(serving=41)
    event = registry_record.finish_change(
        session, change=change, result=CallResult(True, 200, "alias moved, HTTP 200",
                                                   "mlflow.northwind.example"),
        from_version=42, state=state, now=NOW + timedelta(seconds=2))
    assert event.kind == EventKind.MITIGATION and event.data["change"] == change.id
    assert event.text.startswith("Roll back to the previous model version (fraud-detector "
                                 "champion: v42 → v41) → succeeded")
    assert (change.state, change.active) == ("done", None)
    assert registry_record.serving_now(session, incident.id)["how"] == "rollback"
    ask("view:V2")  # the incident is free for the next change


def test_a_race_past_the_check_is_refused_by_the_database(engine, catalog, monkeypatch):
    """Two replicas store a change for the same incident at the same moment: each checked
    before the other committed, so the check passes for both; the unique constraint on the
    unfinished change refuses the second."""
    from incidents.db import session_scope

    with session_scope(engine) as session:
        incident_id = open_incident(session, catalog).id
    model = catalog.systems["fraud-detector"].model
    with session_scope(engine) as first:
        registry_record.request_change(
            first, incident=queries.get(first, incident_id), model=model, kind="rollback",
            to_version=41, from_version=42, actor="U_BOB", key="view:A", now=NOW)
    monkeypatch.setattr(registry_record, "active_change", lambda session, incident_id: None)
    with session_scope(engine) as second, pytest.raises(timeline.Refused):
        registry_record.request_change(
            second, incident=queries.get(second, incident_id), model=model, kind="rollback",
            to_version=40, from_version=42, actor="U_CAROL", key="view:B", now=NOW)
    with session_scope(engine) as session:
        assert [c.request_key for c in session.exec(select(ModelChange))] == ["view:A"]
        assert len(session.exec(select(Outbox).where(Outbox.kind == "registry.change"))
                   .all()) == 1


def test_the_evidence_file_is_stored_with_its_digest_and_queued_for_upload(session, catalog):
    incident = open_incident(session, catalog)
    system = catalog.systems["fraud-detector"]
    content = evidence.document(
        incident=incident, before="Roll back (v42 → v41)", taken_at=NOW, taken_by="U_BOB",
        registry=seeded_state().to_dict(), drift=None,
        alerts=evidence.alerts_of(session, incident.id),
        entry=evidence.catalog_entry("fraud-detector", system))

    snapshot = evidence.preserve(session, incident=incident, content=content,
                                 before="Roll back (v42 → v41)", actor="U_BOB", now=NOW)

    stored = session.exec(select(EvidenceSnapshot)).one()
    assert hashlib.sha256(stored.document.encode()).hexdigest() == stored.sha256
    assert json.loads(stored.document)["model_registry"]["serving"] == 42
    assert "MLFLOW_TOKEN" not in stored.document and "MLOPS_TOKEN" not in stored.document
    (event,) = events(session, incident, EventKind.EVIDENCE_PRESERVED)
    assert "registry: v42 serving, 2 versions" in event.text
    assert "no drift report run; 0 alerts;" in event.text
    upload = session.exec(select(Outbox).where(Outbox.kind == "evidence.upload")).one()
    assert upload.payload == {"snapshot": snapshot.id} and upload.incident_id == incident.id
