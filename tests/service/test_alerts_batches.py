"""One batch of alerts, as the group commit writes it: duplicates inside the batch, a firing
alert and its resolution together, and what the channel's batch message reads."""

from sqlmodel import select

from incidents.alerts.ingest import ingest_many, unposted
from incidents.alerts.schema import AlertIn
from incidents.deadlines import clocks as deadlines
from incidents.models import Alert, Incident, Outbox, TimelineEvent
from incidents.outbox import Kind
from incidents.types import EventKind
from tests.service.conftest import NOW


def alert(**fields) -> AlertIn:
    return AlertIn.model_validate({"system": "fraud-detector", "title": "Flag rate 40%",
                                   "fingerprint": "fp-1", **fields})


def ingest(session, catalog, alerts):
    return ingest_many(session, alerts=[(a, "generic") for a in alerts], now=NOW,
                       catalog=catalog)


def test_a_batch_opens_one_incident_and_answers_duplicates_with_the_stored_row(session, catalog):
    results = ingest(session, catalog, [alert(), alert(fingerprint="fp-2"), alert()])
    assert [r.outcome for r in results] == ["opened", "joined", "duplicate"]
    assert results[2].alert_id == results[0].alert_id
    assert len({r.incident_id for r in results}) == 1
    rows = session.exec(select(Alert).order_by(Alert.id)).all()
    assert [(r.fingerprint, r.incident_id, r.posted) for r in rows] == [
        ("fp-1", results[0].incident_id, False), ("fp-2", results[0].incident_id, False)]
    timeline = session.exec(select(TimelineEvent).order_by(TimelineEvent.id)).all()
    assert timeline[0].kind == EventKind.OPENED_BY_ALERT  # before the alerts it groups
    events = [e for e in timeline if e.kind == EventKind.ALERT]
    assert [e.data["alert"] for e in events] == [r.id for r in rows]
    # One waiting alert message for the incident, however many alerts joined it.
    assert len(session.exec(select(Outbox).where(Outbox.kind == Kind.ALERTS)).all()) == 1
    # Redelivered later, the whole batch changes nothing.
    again = ingest(session, catalog, [alert(), alert(fingerprint="fp-2")])
    assert [(r.outcome, r.alert_id) for r in again] == [
        ("duplicate", results[0].alert_id), ("duplicate", results[1].alert_id)]


def test_a_resolution_in_the_same_batch_joins_the_incident_its_alert_opened(session, catalog):
    results = ingest(session, catalog, [
        alert(), alert(status="resolved"),
        alert(system="churn-model", status="resolved", fingerprint="unknown"),
    ])
    assert [r.outcome for r in results] == ["opened", "resolved", "resolved"]
    assert results[1].incident_id == results[0].incident_id
    assert results[2].incident_id is None  # nothing to show it in: recorded only
    orphan = session.get(Alert, results[2].alert_id)
    assert orphan.posted and orphan.status == "resolved"


def test_the_batch_message_lists_a_few_and_counts_all(session, catalog):
    firing = [alert(fingerprint=f"f{i}") for i in range(25)]
    results = ingest(session, catalog, [*firing, alert(fingerprint="f3", status="resolved")])
    batch = unposted(session, results[0].incident_id, shown=10)
    assert (len(batch.ids), batch.firing, batch.resolved) == (26, 25, 1)
    assert [a.fingerprint for a in batch.shown] == [f"f{i}" for i in range(10)]


def test_a_batch_opening_several_incidents_starts_each_one_like_a_declaration(session, catalog):
    # A storm's first batch opens every system's incident in one flush; each still gets its
    # opening event, its deadlines, its channel sync and its alert message.
    systems = ["fraud-detector", "recommender", "not-in-catalog"]
    results = ingest(session, catalog, [
        alert(system=system, fingerprint=f"{system}-{i}") for i in range(2) for system in systems
    ])
    assert [r.outcome for r in results] == ["opened"] * 3 + ["joined"] * 3
    incidents = [session.get(Incident, r.incident_id) for r in results[:3]]
    assert [i.system for i in incidents] == systems
    assert [r.incident_id for r in results[3:]] == [i.id for i in incidents]
    assert [i.in_catalog for i in incidents] == [True, True, False]
    paged = []
    for incident in incidents:
        events = session.exec(select(TimelineEvent).where(
            TimelineEvent.incident_id == incident.id).order_by(TimelineEvent.id)).all()
        assert [e.kind for e in events] == [EventKind.OPENED_BY_ALERT, EventKind.ALERT,
                                            EventKind.ALERT]
        assert deadlines.open_deadlines(session, incident_id=incident.id)
        kinds = session.exec(select(Outbox.kind).where(Outbox.incident_id == incident.id)).all()
        assert {Kind.SYNC, Kind.ALERTS} <= set(kinds)
        paged.append("page" in kinds)
    assert paged == [True, True, False]  # the catalog's on-call; nobody for an unknown system
