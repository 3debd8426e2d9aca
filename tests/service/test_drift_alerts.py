"""Monitor findings as alerts: stable fingerprints, repeats dropped while firing, a new
episode after the incident is finished only on new data, resolutions of what went away."""

from datetime import timedelta

import numpy as np
from sqlmodel import select

from incidents.alerts.ingest import ingest_many
from incidents.drift import DriftSettings, analyse_drift
from incidents.drift.monitor import MonitorRun, evidence_digest, fingerprint, plan_alerts
from incidents.lifecycle import changes as lifecycle
from incidents.models import Alert, Incident
from incidents.types import AlertStatus, Severity, Status
from tests.service.conftest import NOW


def report(*, drifted: bool, seed: int = 1):
    rng = np.random.default_rng(seed)
    n = 1000
    reference = {"amount": rng.normal(0, 1, n), "hour": rng.integers(0, 24, n),
                 "score": rng.beta(1, 20, n)}
    current = {"amount": rng.normal(1.5 if drifted else 0, 1, n),
               "hour": rng.integers(0, 24, n),
               "score": rng.beta(1, 4 if drifted else 20, n)}
    return analyse_drift(reference, current, prediction="score")


def run(found, monitor="fraud-detector#1", modified_at=None):
    return MonitorRun(system="fraud-detector", monitor=monitor, report=found,
                      reference="ref.parquet", current="cur/*.parquet", every="15m",
                      data_modified_at=modified_at)


def send(session, alerts, now, catalog):
    return [r.outcome for r in ingest_many(session, alerts=[(a, "monitor") for a in alerts],
                                           now=now, catalog=catalog)]


def test_findings_open_one_incident_and_repeats_are_dropped(session, catalog):
    system = catalog.systems["fraud-detector"]
    found = report(drifted=True)
    alerts = plan_alerts(session, run=run(found), system=system, now=NOW)
    fingerprints = [a.fingerprint for a in alerts]
    assert fingerprints[0] == "drift:fraud-detector:prediction_distribution:score"
    assert set(fingerprints) == {fingerprint("fraud-detector", s) for s in found.findings()}
    assert "drift:fraud-detector:feature_distribution:amount" in fingerprints
    assert all(a.started_at == NOW and a.labels["monitor"] == "fraud-detector#1"
               for a in alerts)
    assert send(session, alerts, NOW, catalog) == ["opened"] + ["joined"] * (len(alerts) - 1)
    incident = session.exec(select(Incident)).one()
    assert incident.title == alerts[0].title  # the most severe finding names the incident

    later = NOW + timedelta(minutes=15)
    again = plan_alerts(session, run=run(report(drifted=True, seed=2)), system=system,
                        now=later)
    assert {a.started_at for a in again} == {NOW}
    assert send(session, again, later, catalog) == ["duplicate"] * len(again)

    # Finished (declined here): the same data again sends nothing, however long after —
    # people have dealt with exactly this.
    lifecycle.decline(session, incident=incident, actor="U_ALICE", now=later)
    next_day = NOW + timedelta(days=1)
    assert plan_alerts(session, run=run(found), system=system, now=next_day) == []
    # New data that still drifts is a new episode, and a new incident.
    fresh = plan_alerts(session, run=run(report(drifted=True, seed=3)), system=system,
                        now=next_day)
    assert {a.started_at for a in fresh} == {next_day}
    assert send(session, fresh, next_day, catalog)[0] == "opened"
    assert session.exec(select(Incident).where(Incident.status == Status.TRIAGE)).one()


def test_the_evidence_digest_follows_the_data_and_the_thresholds():
    found = report(drifted=True)
    assert evidence_digest(found) == evidence_digest(report(drifted=True))
    assert evidence_digest(found) != evidence_digest(report(drifted=True, seed=2))
    rng = np.random.default_rng(1)
    ref, cur = {"a": rng.normal(0, 1, 500)}, {"a": rng.normal(1, 1, 500)}
    assert evidence_digest(analyse_drift(ref, cur)) != evidence_digest(
        analyse_drift(ref, cur, settings=DriftSettings(psi_threshold=0.3)))


def test_findings_that_went_away_are_resolved_by_their_own_monitor(session, catalog):
    system = catalog.systems["fraud-detector"]
    alerts = plan_alerts(session, run=run(report(drifted=True)), system=system, now=NOW)
    send(session, alerts, NOW, catalog)
    later = NOW + timedelta(minutes=15)

    # Another monitor of the system sees nothing: it does not resolve what it did not raise.
    assert plan_alerts(session, run=run(report(drifted=False), monitor="fraud-detector#2"),
                       system=system, now=later) == []

    calm = plan_alerts(session, run=run(report(drifted=False)), system=system, now=later)
    assert {a.status for a in calm} == {AlertStatus.RESOLVED}
    assert {(a.fingerprint, a.started_at) for a in calm} == {
        (a.fingerprint, NOW) for a in alerts}
    assert send(session, calm, later, catalog) == ["resolved"] * len(alerts)
    assert plan_alerts(session, run=run(report(drifted=False)), system=system,
                       now=later + timedelta(minutes=15)) == []
    rows = session.exec(select(Alert).where(Alert.status == AlertStatus.RESOLVED)).all()
    assert len(rows) == len(alerts) and {r.incident_id for r in rows} != {None}


def test_files_older_than_the_last_resolution_open_nothing(session, catalog):
    # The sandbox case: people resolved the system's incident (opened by a sample alert,
    # before any monitor ran); the example files were written long before that.
    system = catalog.systems["fraud-detector"]
    incident = lifecycle.declare(session, title="Fraud flags up", system="fraud-detector",
                               severity=Severity.SEV2, now=NOW, catalog=catalog,
                               declared_by="U_ALICE")
    found = report(drifted=True)
    written = NOW - timedelta(days=30)
    assert plan_alerts(session, run=run(found, modified_at=written), system=system, now=NOW)
    # While it is open, findings join it as evidence; once resolved, the same files stay quiet.
    later = NOW + timedelta(minutes=20)
    lifecycle.resolve(session, incident=incident, summary="Known merchant change",
                    actor="U_ALICE", now=later)
    assert plan_alerts(session, run=run(found, modified_at=written), system=system,
                       now=later + timedelta(minutes=5)) == []
    # Files written after the resolution are news.
    fresh = plan_alerts(session, run=run(found, modified_at=later + timedelta(minutes=1)),
                        system=system, now=later + timedelta(minutes=5))
    assert fresh and send(session, fresh, later + timedelta(minutes=5), catalog)[0] == "opened"
