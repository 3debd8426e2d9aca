"""Contract thresholds through alert ingestion, the notification drafts and the review: the
severity and its reason, and the metric against the contract in the client's words."""

from incidents import queries
from incidents.alerts import ingest as alerts
from incidents.alerts.schema import AlertIn
from incidents.comms import notifications as communications
from incidents.comms.notifications import NotificationKind
from incidents.models import Alert
from incidents.review import draft as review
from tests.service.conftest import NOW


def ingest(session, catalog, system="fraud-detector", source="generic", **metric):
    opened = alerts.ingest(session, alert=AlertIn(
        system=system, title="Accuracy dropped", signal="performance",
        metric={"name": "accuracy", **metric}), source=source, now=NOW, catalog=catalog)
    return queries.get(session, opened.incident_id), session.get(Alert, opened.alert_id)


def test_an_alert_past_the_contract_opens_a_sev2_saying_why(session, catalog):
    incident, alert = ingest(session, catalog, value=0.74, baseline=0.85)

    assert incident.severity == 2
    assert alert.labels["severity_reason"] == ("accuracy 0.74 is below the 0.80 the contract "
                                               "with Acme Bank guarantees: materially wrong "
                                               "predictions")


def test_a_monitors_finding_within_the_contract_is_sev3(session, catalog):
    incident, alert = ingest(session, catalog, source="monitor", value=0.82, baseline=0.88,
                             threshold=0.84, name="is_fraud.accuracy")

    assert incident.severity == 3
    assert "still above the 0.80 the contract with Acme Bank guarantees" \
        in alert.labels["severity_reason"]


def test_notifications_and_review_state_the_metric_against_the_contract(session, catalog):
    incident, _ = ingest(session, catalog, value=0.74, baseline=0.85, threshold=0.82)
    fields = communications.prefill(session, incident=incident, catalog=catalog,
                                    kind=NotificationKind.INITIAL, now=NOW)
    said = "accuracy 85.0% → 74.0%, below the contractual 80.0%"

    assert fields["business_impact"].startswith(said)
    session.flush()
    text = review.render(review.gather(session, incident_id=incident.id, catalog=catalog,
                                       now=NOW))
    assert f"- Business impact: {said}" in text
    assert f"(signal: performance, from generic): {said}" in text


def test_a_system_without_a_contract_keeps_the_alerts_threshold(session, catalog):
    incident, alert = ingest(session, catalog, system="recommender", value=0.70, baseline=0.85,
                             threshold=0.80)
    fields = communications.prefill(session, incident=incident, catalog=catalog,
                                    kind=NotificationKind.INITIAL, now=NOW)

    assert "contract" not in alert.labels["severity_reason"]
    assert fields["business_impact"].startswith("accuracy 85.0% → 70.0% (threshold 80.0%)")
