from datetime import timedelta

import pytest
from sqlmodel import select

from incidents import queries, roles, timeline
from incidents.lifecycle import changes as lifecycle
from incidents.models import Incident, Outbox, TimelineEvent
from incidents.types import EventKind, Role, Severity, Status
from tests.service.conftest import NOW


def declare(session, catalog, **kw):
    args = {"title": "Fraud flag rate 40%", "system": "fraud-detector",
            "severity": Severity.SEV2, "now": NOW, "catalog": catalog, "declared_by": "U_ALICE"}
    return lifecycle.declare(session, **{**args, **kw})


def kinds(session, incident):
    return [e.kind for e in timeline.events(session, incident.id)]


def test_declare_records_event_and_queues_channel_sync(session, catalog):
    incident = declare(session, catalog)
    assert incident.status == Status.TRIAGE and incident.client == "acme-bank"
    assert incident.in_catalog
    assert kinds(session, incident) == [EventKind.DECLARED]
    syncs = session.exec(select(Outbox).where(Outbox.kind == "sync")).all()
    assert [o.incident_id for o in syncs] == [incident.id]


def test_unknown_system_is_flagged_not_dropped(session, catalog):
    incident = declare(session, catalog, system="mystery-model")
    assert not incident.in_catalog and incident.client is None


def test_severity_change_is_an_event_and_refuses_no_op(session, catalog):
    incident = declare(session, catalog)
    lifecycle.change_severity(session, incident=incident, severity=Severity.SEV1, actor="U_BOB",
                            now=NOW + timedelta(minutes=5))
    event = timeline.events(session, incident.id)[-1]
    assert event.kind == EventKind.SEVERITY_CHANGED and event.data == {"from": 2, "to": 1}
    assert event.actor == "U_BOB"
    with pytest.raises(timeline.Refused, match="already Sev1"):
        lifecycle.change_severity(session, incident=incident, severity=Severity.SEV1,
                                actor="U_BOB", now=NOW)


def test_status_rules_are_enforced(session, catalog):
    incident = declare(session, catalog)
    with pytest.raises(timeline.Refused, match="can move to"):
        lifecycle.change_status(session, incident=incident, status=Status.CLOSED, actor=None,
                              now=NOW)
    with pytest.raises(timeline.Refused, match="resolve"):
        lifecycle.change_status(session, incident=incident, status=Status.RESOLVED, actor=None,
                              now=NOW)
    lifecycle.change_status(session, incident=incident, status=Status.MITIGATED, actor="U_BOB",
                          now=NOW + timedelta(minutes=20))
    assert incident.mitigated_at == NOW + timedelta(minutes=20)


def test_commander_assignment_acknowledges(session, catalog):
    incident = declare(session, catalog)
    roles.assign(session, incident=incident, role=Role.COMMANDER, user="U_BOB",
                   actor="U_ALICE", now=NOW + timedelta(minutes=3))
    assert incident.commander == "U_BOB"
    assert incident.acknowledged_at == NOW + timedelta(minutes=3)
    event = timeline.events(session, incident.id)[-1]
    assert event.data["role"] == "commander" and event.data["user"] == "U_BOB"
    announcements = session.exec(select(Outbox).where(Outbox.kind == "announce")).all()
    assert announcements[-1].payload == {"event": event.id}


def test_giving_someone_the_role_they_hold_is_refused_naming_them_without_markup(
        session, catalog):
    incident = declare(session, catalog)
    roles.assign(session, incident=incident, role=Role.COMMANDER, user="U_BOB",
                 actor="U_ALICE", now=NOW)
    with pytest.raises(timeline.Refused) as refused:
        roles.assign(session, incident=incident, role=Role.COMMANDER, user="U_BOB",
                     actor="U_ALICE", now=NOW)
    assert refused.value.person == "U_BOB"
    assert str(refused.value) == "U_BOB is already the commander."
    assert refused.value.worded(lambda user: f"@{user.lower()}") == (
        "@u_bob is already the commander.")


def test_resolve_needs_summary_and_sets_time(session, catalog):
    incident = declare(session, catalog)
    with pytest.raises(timeline.Refused):
        lifecycle.resolve(session, incident=incident, summary="  ", actor="U_BOB", now=NOW)
    lifecycle.resolve(session, incident=incident, summary="Rolled back to v41", actor="U_BOB",
                    now=NOW + timedelta(hours=1), root_cause_category="model_or_deployment")
    assert incident.status == Status.RESOLVED
    assert incident.resolved_at == NOW + timedelta(hours=1)
    assert incident.root_cause_category == "model_or_deployment"


def test_decline_and_merge(session, catalog):
    first = declare(session, catalog)
    second = declare(session, catalog, title="Same problem again")
    lifecycle.merge(session, incident=second, into=first, actor="U_BOB", now=NOW)
    assert second.status == Status.MERGED and second.merged_into_id == first.id
    assert EventKind.MERGED_IN in kinds(session, first)
    with pytest.raises(timeline.Refused, match="itself"):
        lifecycle.merge(session, incident=first, into=first, actor="U_BOB", now=NOW)
    lifecycle.decline(session, incident=first, actor="U_BOB", now=NOW, reason="test alert")
    assert first.status == Status.DECLINED


def test_slack_message_is_stored_once_at_its_own_time(session, catalog):
    incident = declare(session, catalog)
    ts = str((NOW - timedelta(minutes=7)).timestamp()) + "00"
    first = timeline.add_slack_message(session, incident=incident, source_ts=ts,
                                      occurred_at=NOW - timedelta(minutes=7), author="U_BOB",
                                      text="flag rate spiking", actor="U_ALICE", now=NOW,
                                      how="reaction")
    again = timeline.add_slack_message(session, incident=incident, source_ts=ts,
                                      occurred_at=NOW - timedelta(minutes=7), author="U_BOB",
                                      text="flag rate spiking", actor="U_ALICE", now=NOW,
                                      how="pin")
    assert first is not None and again is None
    assert first.occurred_at == NOW - timedelta(minutes=7)
    stored = session.exec(select(TimelineEvent).where(TimelineEvent.source_ts == ts)).all()
    assert len(stored) == 1


def test_open_incident_for_system_ignores_closed_and_drills(session, catalog):
    drill = declare(session, catalog, is_drill=True)
    assert queries.open_incident_for_system(session, "fraud-detector") is None
    real = declare(session, catalog)
    assert queries.open_incident_for_system(session, "fraud-detector").id == real.id
    assert drill.id != real.id
    assert session.get(Incident, real.id).created_at.tzinfo is not None
