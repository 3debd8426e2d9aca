"""Notification drafts, sending and status updates in the core, against a migrated database."""

from datetime import timedelta

import pytest
from jinja2 import UndefinedError
from sqlmodel import select

from incidents import timeline
from incidents.comms import notifications as communications
from incidents.comms.notifications import NotificationKind, SentVia
from incidents.deadlines import clocks as deadlines
from incidents.lifecycle import changes as lifecycle
from incidents.models import Deadline, TimelineEvent
from incidents.triage import mitigation_log
from incidents.triage.mitigation import CallResult, Mitigation
from incidents.types import DeadlineKind, DeadlineState, EventKind, Severity, Status
from tests.service.conftest import NOW


def declare(session, catalog, severity=Severity.SEV2, system="fraud-detector"):
    return lifecycle.declare(session, title="Fraud flag rate 40%", system=system,
                           severity=severity, now=NOW, catalog=catalog, declared_by="U_ALICE")


def draft(session, catalog, incident, **fields):
    values = communications.prefill(session, incident=incident, catalog=catalog,
                                    kind=NotificationKind.INITIAL, now=NOW)
    values.update(business_impact="Legitimate payments declined", **fields)
    return communications.draft(session, incident=incident, catalog=catalog,
                                kind=NotificationKind.INITIAL, fields=values, actor="U_ALICE",
                                now=NOW)


def events(session, incident, kind):
    return list(session.exec(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.kind == kind)))


def test_prefill_takes_contact_interval_and_working_mitigations(session, catalog):
    incident = declare(session, catalog)
    failed = CallResult(ok=False, status=502, detail="HTTP 502", target="ml-ops", elapsed=0.2)
    mitigation_log.record_mitigation(session, incident=incident, mitigation=Mitigation.ROLLBACK,
                               parameters={}, result=failed, actor="U_BOB", now=NOW)
    mitigation_log.record_mitigation(session, incident=incident,
                               mitigation=Mitigation.MANUAL_REVIEW, parameters={}, result=None,
                               actor="U_BOB", now=NOW)
    values = communications.prefill(session, incident=incident, catalog=catalog,
                                    kind=NotificationKind.INITIAL,
                                    now=NOW + timedelta(seconds=20), our_contact="Bob Miller")
    assert list(values) == list(communications.FIELDS[NotificationKind.INITIAL])
    assert values["recipient"] == "Sam Roy <sam.roy@acme-bank.example>"  # Sev2: technical
    assert values["business_impact"] == ""  # no alert, no metric: nothing is made up
    assert values["mitigation"] == ("Predictions are being routed to human review until the "
                                    "model is fixed.")  # the failed rollback is not claimed
    assert values["next_update_at"] == NOW + timedelta(hours=2, minutes=1)  # whole minute
    assert values["our_contact"] == "Bob Miller"
    sev1 = declare(session, catalog, severity=Severity.SEV1, system="recommender")
    assert communications.recipient(catalog, sev1) == (
        "Priya Natarajan <priya.natarajan@globex.example>")


def test_sending_meets_the_severity_deadline_once(session, catalog):
    sev3 = declare(session, catalog, severity=Severity.SEV3)
    note = draft(session, catalog, sev3)
    later = NOW + timedelta(minutes=5)
    assert communications.mark_sent(session, notification=note, via=SentVia.MARKED,
                                    actor="U_BOB", now=later, policy=catalog.policy)
    assert not communications.mark_sent(session, notification=note, via=SentVia.CLIENT_CHANNEL,
                                        actor="U_ALICE", now=later + timedelta(minutes=1),
                                        policy=catalog.policy)
    assert (note.sent_at, note.sent_by, note.sent_via) == (later, "U_BOB", "marked_as_sent")
    assert len(events(session, sev3, EventKind.NOTIFICATION_SENT)) == 1
    (first_response,) = [d for d in deadlines.of_incident(session, sev3.id)
                         if d.kind == DeadlineKind.FIRST_RESPONSE]
    assert first_response.state == DeadlineState.DONE and first_response.completed_at == later

    sev4 = declare(session, catalog, severity=Severity.SEV4, system="recommender")
    quiet = draft(session, catalog, sev4)
    assert communications.mark_sent(session, notification=quiet, via=SentVia.MARKED,
                                    actor="U_BOB", now=later, policy=catalog.policy)
    assert deadlines.of_incident(session, sev4.id) == []


def test_a_draft_is_queued_for_the_channel_and_sends_nothing(session, catalog):
    incident = declare(session, catalog)
    note = draft(session, catalog, incident, mitigation="Switched to the rules")
    assert "To limit the impact while we work on a full fix: Switched to the rules" in note.text
    assert note.sent_at is None and events(session, incident, EventKind.NOTIFICATION_SENT) == []
    technical = session.exec(select(Deadline).where(
        Deadline.incident_id == incident.id,
        Deadline.kind == DeadlineKind.TECHNICAL_NOTIFICATION)).one()
    assert technical.state == DeadlineState.PENDING
    pending = communications.pending_deadline(session, incident, NotificationKind.INITIAL)
    assert pending.id == technical.id


def test_status_update_refusals(session, catalog):
    incident = declare(session, catalog)
    values = communications.prefill(session, incident=incident, catalog=catalog,
                                    kind=NotificationKind.STATUS_UPDATE, now=NOW)
    values.update(current_status="Investigating", business_impact="Payments declined")
    with pytest.raises(timeline.Refused, match="in the future"):
        communications.record_status_update(
            session, incident=incident, catalog=catalog, actor="U_ALICE", now=NOW,
            fields={**values, "next_update_at": NOW})
    lifecycle.resolve(session, incident=incident, summary="Fixed", actor="U_BOB", now=NOW)
    with pytest.raises(timeline.Refused, match="resolution notification"):
        communications.record_status_update(session, incident=incident, catalog=catalog,
                                            fields=values, actor="U_ALICE", now=NOW)
    assert incident.status == Status.RESOLVED


def test_templates_dir_overrides_a_template_and_strict_names_fail_loudly(
    session, catalog, tmp_path
):
    (tmp_path / "notifications").mkdir()
    (tmp_path / "notifications" / "initial.txt.j2").write_text(
        "{{ client }} / {{ incident.severity }}: {{ n.business_impact }} "
        "(next update {{ next_update }})\n")
    custom = catalog.model_copy(update={"templates_dir": tmp_path})
    incident = declare(session, custom)
    note = draft(session, custom, incident)
    assert note.text == ("Acme Bank / Sev2: Legitimate payments declined "
                         "(next update 12:00 UTC on 27 Nov 2026)")
    resolution = communications.compose(
        kind=NotificationKind.RESOLUTION, incident=incident, catalog=custom,
        fields={"system": "Fraud detector", "resolution": "Rolled back",
                "review_within": "5 business days"})
    assert resolution.startswith("The Fraud detector incident is resolved.")  # shipped one
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "notifications").mkdir()
    (broken / "notifications" / "initial.txt.j2").write_text("{{ n.no_such_field }}")
    with pytest.raises(UndefinedError):
        communications.compose(kind=NotificationKind.INITIAL, incident=incident,
                               catalog=catalog.model_copy(update={"templates_dir": broken}),
                               fields={"system": "x"})
