"""Triage answers, runbook ticks and mitigations as timeline events, with their outbox work."""

from datetime import timedelta

import pytest
from sqlmodel import select

from incidents import timeline
from incidents.alerts.ingest import ingest
from incidents.alerts.schema import AlertIn
from incidents.lifecycle import changes as lifecycle
from incidents.models import Outbox
from incidents.outbox import Kind
from incidents.triage import checklist, mitigation_log, runbook_steps
from incidents.triage.mitigation import CallResult, Mitigation
from incidents.triage.runbooks import Step
from incidents.types import EventKind, Severity, Status
from tests.service.conftest import NOW


def declare(session, catalog, severity=Severity.SEV2):
    return lifecycle.declare(session, title="Fraud flag rate 40%", system="fraud-detector",
                           severity=severity, now=NOW, catalog=catalog, declared_by="U_ALICE")


def outbox(session, kind):
    return list(session.exec(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id)))


def test_latest_answer_counts_and_every_answer_stays_in_the_timeline(session, catalog):
    incident = declare(session, catalog)
    ref = {"channel": "C1", "ts": "1.000"}
    checklist.answer_triage(session, incident=incident, item="predictions", answer="yes",
                           actor="U_ALICE", now=NOW, message=ref)
    checklist.answer_triage(session, incident=incident, item="predictions", answer="no",
                           actor="U_BOB", now=NOW + timedelta(minutes=1), message=ref)
    answers = checklist.triage_answers(session, incident.id)
    assert answers["predictions"].value == "no" and answers["predictions"].actor == "U_BOB"
    assert answers["predictions"].changes == 1
    assert answers["predictions"].at == NOW + timedelta(minutes=1)
    events = [e for e in timeline.events(session, incident.id)
              if e.kind == EventKind.TRIAGE_ANSWER]
    assert [(e.text, e.actor) for e in events] == [
        ("Is the model producing predictions? → Yes", "U_ALICE"),
        ("Is the model producing predictions? → No (was Yes)", "U_BOB"),
    ]
    renders = outbox(session, Kind.TRIAGE_MESSAGE)
    assert [r.payload for r in renders] == [ref, ref]


def test_answers_are_refused_when_repeated_unknown_or_too_late(session, catalog):
    incident = declare(session, catalog)
    checklist.answer_triage(session, incident=incident, item="trend", answer="worse",
                           actor="U_ALICE", now=NOW)
    with pytest.raises(timeline.Refused, match="already answered"):
        checklist.answer_triage(session, incident=incident, item="trend", answer="worse",
                               actor="U_BOB", now=NOW)
    with pytest.raises(timeline.Refused, match="not part of"):
        checklist.answer_triage(session, incident=incident, item="trend", answer="sideways",
                               actor="U_BOB", now=NOW)
    lifecycle.resolve(session, incident=incident, summary="fixed", actor="U_ALICE", now=NOW)
    with pytest.raises(timeline.Refused, match="triage is over"):
        checklist.answer_triage(session, incident=incident, item="impact", answer="none",
                               actor="U_ALICE", now=NOW)


def test_opening_alert_is_the_first_firing_one(session, catalog):
    alert = AlertIn(system="recommender", title="CTR down", signal="business_metric",
                    started_at=NOW - timedelta(minutes=3))
    first = ingest(session, alert=alert, source="generic", now=NOW, catalog=catalog)
    ingest(session, alert=AlertIn(system="recommender", title="Latency up",
                                  started_at=NOW - timedelta(minutes=1)),
           source="generic", now=NOW, catalog=catalog)
    opening, count = checklist.opening_alert(session, first.incident_id)
    assert (opening.title, opening.signal, count) == ("CTR down", "business_metric", 2)
    declared = declare(session, catalog)
    assert checklist.opening_alert(session, declared.id) == (None, 0)


def test_runbook_ticks_are_events_and_the_latest_counts(session, catalog):
    incident = declare(session, catalog)
    step = Step(2, "Check for schema changes")
    runbook_steps.open_runbook(session, incident=incident, runbook="data_pipeline_failure",
                          title="Data pipeline failure", actor="U_ALICE", now=NOW)
    runbook_steps.tick_runbook_step(session, incident=incident, runbook="data_pipeline_failure",
                               title="Data pipeline failure", step=step, done=True,
                               actor="U_BOB", now=NOW)
    with pytest.raises(timeline.Refused, match="already done"):
        runbook_steps.tick_runbook_step(session, incident=incident, runbook="data_pipeline_failure",
                                   title="Data pipeline failure", step=step, done=True,
                                   actor="U_BOB", now=NOW)
    ticks = runbook_steps.runbook_ticks(session, incident.id, "data_pipeline_failure")
    assert ticks[2].done and ticks[2].actor == "U_BOB"
    runbook_steps.tick_runbook_step(session, incident=incident, runbook="data_pipeline_failure",
                               title="Data pipeline failure", step=step, done=False,
                               actor="U_ALICE", now=NOW)
    assert not runbook_steps.runbook_ticks(session, incident.id, "data_pipeline_failure")[2].done
    texts = [e.text for e in timeline.events(session, incident.id)
             if e.kind == EventKind.RUNBOOK_STEP]
    assert texts == [
        "Runbook opened: Data pipeline failure",
        "Data pipeline failure, step 2 done: Check for schema changes",
        "Data pipeline failure, step 2 reopened: Check for schema changes",
    ]
    assert [o.payload for o in outbox(session, Kind.RUNBOOK_MESSAGE)] == [
        {"runbook": "data_pipeline_failure"}, {"runbook": "data_pipeline_failure"},
        {"runbook": "data_pipeline_failure"},
    ]


def test_mitigations_record_success_failure_and_manual_steps(session, catalog):
    incident = declare(session, catalog)
    failed = CallResult(ok=False, status=500, detail="HTTP 500: boom", target="ops.example")
    ok = CallResult(ok=True, status=200, detail="HTTP 200", target="ops.example")
    first = mitigation_log.record_mitigation(session, incident=incident,
                                             mitigation=Mitigation.ROLLBACK,
                                       parameters={}, result=failed, actor="U_ALICE", now=NOW)
    second = mitigation_log.record_mitigation(session, incident=incident,
                                        mitigation=Mitigation.ROLLBACK, parameters={}, result=ok,
                                        actor="U_BOB", now=NOW)
    manual = mitigation_log.record_mitigation(session, incident=incident,
                                        mitigation=Mitigation.THRESHOLD,
                                        parameters={"threshold": 0.7}, result=None,
                                        actor="U_BOB", now=NOW)
    assert first.kind == EventKind.MITIGATION and first.data["ok"] is False
    assert first.data["status"] == 500 and first.data["attempt"] == 1
    assert second.data["attempt"] == 2 and second.data["ok"] is True
    assert manual.data["manual"] is True and manual.actor == "U_BOB"
    assert manual.text == "Adjust the prediction threshold to 0.7 → done by hand (manual step)"
    posted = [o.payload["event"] for o in outbox(session, Kind.MITIGATION_RESULT)]
    assert posted == [first.id, second.id, manual.id]


def test_sev1_declared_or_applied_queues_the_emergency_response(session, catalog):
    calm = declare(session, catalog, severity=Severity.SEV3)
    assert outbox(session, Kind.EMERGENCY) == []
    lifecycle.change_severity(session, incident=calm, severity=Severity.SEV1, actor="U_BOB",
                            now=NOW)
    urgent = declare(session, catalog, severity=Severity.SEV1)
    queued = outbox(session, Kind.EMERGENCY)
    assert [(o.incident_id, o.payload["actor"]) for o in queued] == [
        (calm.id, "U_BOB"), (urgent.id, "U_ALICE")
    ]
    assert calm.status == Status.TRIAGE
