"""Paging and escalation in the core: who is paged, when the next level is, what stops it.

The example catalog: fraud-detector pages fraud-primary (Carol by override on 2026-11-27,
Alice and Bob by rotation), then Dave; a Sev2 waits 15 minutes, Dave's level 10.
"""

from datetime import timedelta

import pytest
from sqlmodel import select

from bot import migrate
from incidents import roles, timeline
from incidents.catalog import Catalog
from incidents.db import make_engine, session_scope
from incidents.lifecycle import changes as lifecycle
from incidents.models import Outbox
from incidents.oncall import handoffs, paging
from incidents.oncall.models import Escalation, Handoff, Page
from incidents.outbox import Kind
from incidents.types import EscalationState, EventKind, Role, Severity, Status
from tests.service.conftest import NOW


def declare(session, catalog, **kw):
    args = {"title": "Fraud flag rate 40%", "system": "fraud-detector",
            "severity": Severity.SEV2, "now": NOW, "catalog": catalog}
    return lifecycle.declare(session, **{**args, **kw})


def pages(session):
    return [(p.user_id, p.level, p.repeat) for p in session.exec(select(Page).order_by(Page.id))]


def queued(session, kind):
    return [o.payload for o in session.exec(select(Outbox).where(Outbox.kind == kind)
                                             .order_by(Outbox.id))]


def chain(session, incident):
    return session.exec(select(Escalation).where(Escalation.incident_id == incident.id)).one()


def test_opening_an_incident_pages_the_first_level_and_sets_its_deadline(session, catalog):
    incident = declare(session, catalog)
    assert pages(session) == [("U_CAROL", 0, 0)]  # the override is on call that day
    escalation = chain(session, incident)
    assert escalation.policy == "fraud-policy" and escalation.state == EscalationState.ACTIVE
    assert escalation.next_at == NOW + timedelta(minutes=15)  # fraud-policy sev2 wait
    assert len(queued(session, Kind.PAGE)) == 1
    [notice] = queued(session, Kind.PAGE_NOTICE)
    assert notice["why"] == "opened" and notice["levels"] == 2 and not notice["last"]


def test_sev1_waits_less_before_escalating(session, catalog):
    incident = declare(session, catalog, severity=Severity.SEV1)
    assert chain(session, incident).next_at == NOW + timedelta(minutes=5)


def test_a_severity_change_gives_the_running_wait_the_new_severitys_length(session, catalog):
    incident = declare(session, catalog, severity=Severity.SEV3)  # fraud-policy: 30 min
    assert chain(session, incident).next_at == NOW + timedelta(minutes=30)
    lifecycle.change_severity(session, incident=incident, severity=Severity.SEV2, actor="U_BOB",
                            now=NOW + timedelta(minutes=5), catalog=catalog)
    assert chain(session, incident).next_at == NOW + timedelta(minutes=15)  # from the page
    # Raised to Sev1 after its 5 minutes have passed: the next level is due at once.
    lifecycle.change_severity(session, incident=incident, severity=Severity.SEV1, actor="U_BOB",
                            now=NOW + timedelta(minutes=8), catalog=catalog)
    assert chain(session, incident).next_at == NOW + timedelta(minutes=8)
    assert paging.run_due(session, catalog=catalog, now=NOW + timedelta(minutes=8)) == 1
    assert pages(session) == [("U_CAROL", 0, 0), ("U_DAVE", 1, 0)]
    # Lowered again, the level now being paged (Dave's, 10 min at any severity) keeps its wait.
    lifecycle.change_severity(session, incident=incident, severity=Severity.SEV4, actor="U_BOB",
                            now=NOW + timedelta(minutes=9), catalog=catalog)
    assert chain(session, incident).next_at == NOW + timedelta(minutes=18)


def test_nobody_acknowledging_escalates_then_repeats_the_last_level(session, catalog):
    incident = declare(session, catalog)
    assert paging.run_due(session, catalog=catalog, now=NOW + timedelta(minutes=14)) == 0
    assert pages(session) == [("U_CAROL", 0, 0)]

    later = NOW + timedelta(minutes=15)
    assert paging.run_due(session, catalog=catalog, now=later) == 1
    assert pages(session)[-1] == ("U_DAVE", 1, 0)
    escalation = chain(session, incident)
    assert escalation.level == 1 and escalation.next_at == later + timedelta(minutes=10)
    assert queued(session, Kind.PAGE_NOTICE)[-1]["why"] == "escalated"
    # Running again at the same moment pages nobody twice.
    assert paging.run_due(session, catalog=catalog, now=later) == 0

    last = later + timedelta(minutes=10)
    paging.run_due(session, catalog=catalog, now=last)
    assert pages(session)[-1] == ("U_DAVE", 1, 1)
    assert queued(session, Kind.PAGE_NOTICE)[-1]["why"] == "repeated"
    assert chain(session, incident).next_at == last + timedelta(minutes=10)


def test_acknowledging_stops_paging_and_makes_a_commander(session, catalog):
    incident = declare(session, catalog)
    at = NOW + timedelta(minutes=3)
    assert paging.acknowledge(session, incident=incident, user="U_CAROL", now=at)
    escalation = chain(session, incident)
    assert escalation.state == EscalationState.ACKNOWLEDGED and escalation.next_at is None
    assert escalation.acknowledged_by == "U_CAROL"
    assert incident.commander == "U_CAROL" and incident.acknowledged_at == at
    events = [e for e in timeline.events(session, incident.id)
              if e.kind == EventKind.ACKNOWLEDGED]
    assert [e.actor for e in events] == ["U_CAROL"]
    assert queued(session, Kind.PAGE_CLOSED) == [{"escalations": [escalation.id]}]
    paging.run_due(session, catalog=catalog, now=NOW + timedelta(hours=2))
    assert pages(session) == [("U_CAROL", 0, 0)]
    # A second acknowledgement has nothing left to stop and records nothing.
    assert not paging.acknowledge(session, incident=incident, user="U_BOB", now=at)
    assert incident.commander == "U_CAROL"
    assert len([e for e in timeline.events(session, incident.id)
                if e.kind == EventKind.ACKNOWLEDGED]) == 1


def test_acknowledging_keeps_an_existing_commander(session, catalog):
    incident = declare(session, catalog, declared_by="U_ALICE")
    roles.assign(session, incident=incident, role=Role.COMMANDER, user="U_ALICE",
                   actor="U_ALICE", now=NOW)
    assert paging.acknowledge(session, incident=incident, user="U_CAROL",
                              now=NOW + timedelta(minutes=1))
    assert incident.commander == "U_ALICE"
    assert incident.acknowledged_at == NOW  # the commander's assignment came first
    assert chain(session, incident).state == EscalationState.ACKNOWLEDGED


def test_an_incident_that_ends_stops_its_paging(session, catalog):
    incident = declare(session, catalog)
    lifecycle.decline(session, incident=incident, actor="U_BOB", now=NOW)
    assert paging.run_due(session, catalog=catalog, now=NOW + timedelta(seconds=1)) == 1
    assert chain(session, incident).state == EscalationState.CANCELLED
    assert pages(session) == [("U_CAROL", 0, 0)]
    with pytest.raises(timeline.Refused):
        paging.acknowledge(session, incident=incident, user="U_BOB", now=NOW)


def test_drills_page_nobody_unless_they_ask(session, catalog):
    declare(session, catalog, is_drill=True)
    assert pages(session) == []
    declare(session, catalog, is_drill=True, page=True, system="recommender")
    assert [user for user, _, _ in pages(session)] == ["U_DAVE"]  # ml-platform, week of 11-23


def test_page_on_demand_pages_a_person_or_a_schedule(session, catalog):
    incident = declare(session, catalog, page=False)
    paging.page_on_demand(session, incident=incident, catalog=catalog, now=NOW, actor="U_ALICE",
                          user="U_BOB")
    paging.page_on_demand(session, incident=incident, catalog=catalog, now=NOW, actor="U_ALICE",
                          schedule="ml-platform")
    assert [user for user, _, _ in pages(session)] == ["U_BOB", "U_DAVE"]
    notices = queued(session, Kind.PAGE_NOTICE)
    assert [n["why"] for n in notices] == ["requested", "requested"] and notices[0]["last"]
    with pytest.raises(timeline.Refused, match="no on-call schedule `nope`"):
        paging.page_on_demand(session, incident=incident, catalog=catalog, now=NOW,
                              actor="U_ALICE", schedule="nope")


def test_a_schedule_without_a_policy_is_paged_and_repeated():
    catalog = Catalog.model_validate({
        "systems": {"scorer": {"oncall": "rota"}},
        "oncall": {"rota": {"timezone": "UTC", "start": "2026-11-02",
                            "participants": ["U_BOB"]}},
    })
    engine = make_engine("sqlite://")
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        incident = declare(session, catalog, system="scorer")
        assert chain(session, incident).next_at == NOW + paging.DEFAULT_WAIT
        paging.run_due(session, catalog=catalog, now=NOW + paging.DEFAULT_WAIT)
        assert pages(session) == [("U_BOB", 0, 0), ("U_BOB", 0, 1)]
    engine.dispose()


def test_handoffs_are_announced_once_and_only_the_latest_after_downtime(session, catalog):
    # ml-platform: New York 10:00 weekly, Carol then Dave from 2026-11-02.
    assert handoffs.check(session, catalog=catalog, now=NOW) == []  # first sight: no message
    baseline = session.exec(select(Handoff).where(Handoff.schedule == "ml-platform")).one()
    assert baseline.user_id == "U_DAVE" and not baseline.announced

    monday = NOW.replace(day=30, hour=15, minute=0)  # 10:00 in New York
    announced = handoffs.check(session, catalog=catalog, now=monday)
    # fraud-primary went from Carol's override to Bob (Saturday 09:00 UTC), then to Alice
    # (Monday 09:00 Berlin): Bob's shift is over, so only Alice hears about hers.
    assert [(h.schedule, h.user_id, h.at) for h in announced] == [
        ("fraud-primary", "U_ALICE", monday.replace(hour=8)),
        ("ml-platform", "U_CAROL", monday)]
    assert handoffs.check(session, catalog=catalog, now=monday + timedelta(hours=1)) == []
    assert [p["handoff"] for p in queued(session, Kind.HANDOFF)] == [h.id for h in announced]

    # Down for three weeks: only the shifts running now are announced.
    later = monday + timedelta(weeks=3, hours=1)
    announced = handoffs.check(session, catalog=catalog, now=later)
    assert [(h.schedule, h.user_id) for h in announced] == [
        ("fraud-primary", "U_BOB"), ("ml-platform", "U_DAVE")]
    assert announced[1].at == monday + timedelta(weeks=3)


def test_handoff_lists_the_open_incidents_of_the_systems_covered(session, catalog):
    open_ = declare(session, catalog, system="recommender", page=False)
    declare(session, catalog, system="recommender", is_drill=True)
    declare(session, catalog, system="fraud-detector", page=False)
    closed = declare(session, catalog, system="maintenance-predictor", page=False)
    lifecycle.decline(session, incident=closed, actor="U_BOB", now=NOW)
    systems = handoffs.covered_systems(catalog, "ml-platform")
    assert systems == ["recommender", "maintenance-predictor"]
    assert [i.id for i in handoffs.open_incidents_for(session, systems)] == [open_.id]


def test_acknowledging_counts_for_time_to_acknowledge_once(session, catalog):
    incident = declare(session, catalog)
    at = NOW + timedelta(minutes=7)
    paging.acknowledge(session, incident=incident, user="U_BOB", now=at)
    assert incident.acknowledged_at - incident.created_at == timedelta(minutes=7)
    paging.acknowledge(session, incident=incident, user="U_CAROL", now=at + timedelta(minutes=1))
    assert incident.acknowledged_at - incident.created_at == timedelta(minutes=7)


def test_an_earlier_response_is_the_acknowledgement_not_the_page(session, catalog):
    # A status change by a person two minutes in responded before anyone acknowledged
    # the page (README: time to acknowledge runs to the first human response).
    incident = declare(session, catalog)
    lifecycle.change_status(session, incident=incident, status=Status.INVESTIGATING,
                          actor="U_BOB", now=NOW + timedelta(minutes=2))
    paging.acknowledge(session, incident=incident, user="U_BOB", now=NOW + timedelta(minutes=7))
    assert incident.acknowledged_at - incident.created_at == timedelta(minutes=2)
