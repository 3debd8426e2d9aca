"""Deadline rows through the service: hooks, firing once, meeting, snoozing, the review."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from incidents.deadlines import clocks as deadlines
from incidents.lifecycle import changes as lifecycle
from incidents.models import Deadline, Outbox, TimelineEvent
from incidents.outbox import Kind
from incidents.types import DeadlineKind, DeadlineState, EventKind, Severity, Status
from tests.service.conftest import NOW

K = DeadlineKind


def declare(session, catalog, severity=Severity.SEV1, now=NOW):
    return lifecycle.declare(session, title="Fraud flag rate 40%", system="fraud-detector",
                           severity=severity, now=now, catalog=catalog, declared_by="U_ALICE")


def live(session, incident):
    return {d.kind: d for d in deadlines.open_deadlines(session, incident_id=incident.id)}


def events(session, incident, kind):
    return list(session.exec(select(TimelineEvent).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.kind == kind)))


def reminders_queued(session):
    return list(session.exec(select(Outbox).where(Outbox.kind == Kind.REMINDER)))


def test_declaring_a_sev1_creates_its_deadlines(session, catalog):
    incident = declare(session, catalog)
    rows = live(session, incident)
    assert set(rows) == {K.EXECUTIVE_NOTIFICATION, K.STATUS_UPDATE}
    executive = rows[K.EXECUTIVE_NOTIFICATION]
    assert executive.due_at == NOW + timedelta(minutes=30)
    assert executive.next_reminder_at == NOW + timedelta(minutes=20)  # reminder_lead: 10m
    assert rows[K.STATUS_UPDATE].due_at == NOW + timedelta(hours=2)


def test_each_moment_fires_once_and_records_it(session, catalog):
    incident = declare(session, catalog)
    assert deadlines.fire_due(session, now=NOW + timedelta(minutes=19), policy=catalog.policy) == []
    at = NOW + timedelta(minutes=20)
    fired = deadlines.fire_due(session, now=at, policy=catalog.policy)
    assert [(f.kind, f.stage) for f in fired] == [(K.EXECUTIVE_NOTIFICATION, "reminder")]
    assert deadlines.fire_due(session, now=at, policy=catalog.policy) == []  # not twice
    due = NOW + timedelta(minutes=30)
    fired = deadlines.fire_due(session, now=due, policy=catalog.policy)
    assert [f.stage for f in fired] == ["escalation"]
    executive = session.get(Deadline, fired[0].deadline_id)
    assert executive.state == DeadlineState.MISSED and executive.next_reminder_at is None
    missed = events(session, incident, EventKind.DEADLINE_MISSED)
    assert [e.occurred_at for e in missed] == [due]
    assert len(events(session, incident, EventKind.REMINDER_SENT)) == 2
    assert len(reminders_queued(session)) == 2
    assert deadlines.fire_due(session, now=due + timedelta(hours=1), policy=catalog.policy) == []


def test_a_long_outage_fires_only_the_escalation(session, catalog):
    declare(session, catalog)
    later = NOW + timedelta(minutes=45)  # both the reminder and the deadline passed meanwhile
    fired = deadlines.fire_due(session, now=later, policy=catalog.policy)
    assert [(f.kind, f.stage) for f in fired] == [(K.EXECUTIVE_NOTIFICATION, "escalation")]


def test_meeting_a_deadline_stops_its_reminders(session, catalog):
    incident = declare(session, catalog)
    at = NOW + timedelta(minutes=12)
    met = deadlines.complete(session, incident=incident, kind=K.EXECUTIVE_NOTIFICATION, now=at,
                             actor="U_BOB", policy=catalog.policy)
    assert met.state == DeadlineState.DONE and met.completed_at == at
    [event] = events(session, incident, EventKind.DEADLINE_MET)
    assert event.actor == "U_BOB" and event.data["on_time"] is True
    assert deadlines.fire_due(session, now=NOW + timedelta(hours=1), policy=catalog.policy) == []
    assert deadlines.complete(session, incident=incident, kind=K.EXECUTIVE_NOTIFICATION, now=at,
                              actor="U_BOB") is None


def test_a_late_deadline_can_still_be_met_and_says_so(session, catalog):
    incident = declare(session, catalog)
    deadlines.fire_due(session, now=NOW + timedelta(minutes=31), policy=catalog.policy)
    met = deadlines.complete(session, incident=incident, kind=K.EXECUTIVE_NOTIFICATION,
                             now=NOW + timedelta(minutes=40), actor="U_BOB")
    assert met.state == DeadlineState.DONE
    [event] = events(session, incident, EventKind.DEADLINE_MET)
    assert event.data["on_time"] is False and "10 min late" in event.text


def test_status_updates_follow_the_promised_time(session, catalog):
    incident = declare(session, catalog)
    first = live(session, incident)[K.STATUS_UPDATE]
    at = NOW + timedelta(minutes=50)
    promised = NOW + timedelta(hours=1, minutes=30)
    nxt = deadlines.set_next_status_update(session, incident=incident, due_at=promised, now=at,
                                           policy=catalog.policy)
    assert first.state == DeadlineState.DONE and first.completed_at == at
    assert nxt.due_at == promised and live(session, incident)[K.STATUS_UPDATE] is nxt
    # "Mark done" without a promised time: the next update is due one interval later.
    deadlines.mark_done(session, incident=incident, deadline_id=nxt.id, now=promised,
                        actor="U_BOB", policy=catalog.policy)
    assert live(session, incident)[K.STATUS_UPDATE].due_at == promised + timedelta(hours=2)


def test_snoozing_delays_the_reminder_not_the_deadline(session, catalog):
    incident = declare(session, catalog)
    deadlines.fire_due(session, now=NOW + timedelta(minutes=20), policy=catalog.policy)
    executive = live(session, incident)[K.EXECUTIVE_NOTIFICATION]
    at = NOW + timedelta(minutes=21)
    deadlines.snooze(session, incident=incident, deadline_id=executive.id,
                     duration=timedelta(minutes=15), now=at, actor="U_BOB")
    assert executive.state == DeadlineState.SNOOZED
    assert executive.due_at == NOW + timedelta(minutes=30)
    assert events(session, incident, EventKind.DEADLINE_SNOOZED)[0].actor == "U_BOB"
    assert deadlines.fire_due(session, now=NOW + timedelta(minutes=30), policy=catalog.policy) == []
    fired = deadlines.fire_due(session, now=at + timedelta(minutes=15), policy=catalog.policy)
    assert [f.stage for f in fired] == ["escalation"]
    assert executive.state == DeadlineState.MISSED


def test_severity_changes_move_the_clocks(session, catalog):
    incident = declare(session, catalog, severity=Severity.SEV3)
    assert set(live(session, incident)) == {K.FIRST_RESPONSE}
    upgrade = NOW + timedelta(hours=3)
    lifecycle.change_severity(session, incident=incident, severity=Severity.SEV1, actor="U_BOB",
                            now=upgrade, policy=catalog.policy)
    rows = live(session, incident)
    assert set(rows) == {K.EXECUTIVE_NOTIFICATION, K.STATUS_UPDATE}
    assert rows[K.EXECUTIVE_NOTIFICATION].due_at == upgrade + timedelta(minutes=30)
    lifecycle.change_severity(session, incident=incident, severity=Severity.SEV2, actor="U_BOB",
                            now=upgrade + timedelta(minutes=5), policy=catalog.policy)
    assert set(live(session, incident)) == {K.STATUS_UPDATE}  # a downgrade starts nothing


def test_resolving_stops_the_clocks_and_closing_meets_the_review(session, catalog):
    incident = declare(session, catalog)
    resolved_at = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)  # Thursday before Christmas
    lifecycle.resolve(session, incident=incident, summary="Rolled back", actor="U_BOB",
                    now=resolved_at, policy=catalog.policy)
    rows = live(session, incident)
    assert set(rows) == {K.REVIEW}
    # The example catalog's holidays (25 and 26 December, 1 January) are skipped.
    assert rows[K.REVIEW].due_at == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    assert deadlines.fire_due(session, now=resolved_at + timedelta(hours=1),
                              policy=catalog.policy) == []
    lifecycle.change_status(session, incident=incident, status=Status.CLOSED, actor="U_BOB",
                          now=resolved_at + timedelta(days=2), policy=catalog.policy)
    assert live(session, incident) == {}
    met = events(session, incident, EventKind.DEADLINE_MET)
    assert [e.data["kind"] for e in met] == [K.REVIEW]


def test_declined_and_merged_incidents_stop_every_clock(session, catalog):
    first = declare(session, catalog)
    second = declare(session, catalog, severity=Severity.SEV2)
    lifecycle.decline(session, incident=first, actor="U_BOB", now=NOW, policy=catalog.policy)
    third = declare(session, catalog, Severity.SEV3)
    lifecycle.merge(session, incident=second, into=third, actor="U_BOB", now=NOW,
                  policy=catalog.policy)
    assert live(session, first) == {} and live(session, second) == {}
    fired = deadlines.fire_due(session, now=NOW + timedelta(days=1), policy=catalog.policy)
    assert {f.incident_id for f in fired} == {third.id}  # only the open Sev3 remains


def test_the_fire_time_check_catches_a_change_the_hooks_missed(session, catalog):
    incident = declare(session, catalog)
    incident.status = Status.DECLINED  # changed without the service (as an old writer might)
    assert deadlines.fire_due(session, now=NOW + timedelta(hours=1), policy=catalog.policy) == []
    assert live(session, incident) == {}


def test_a_missed_deadline_stays_missed_through_a_severity_round_trip(session, catalog):
    """Sev1, the executive notification missed, Sev2, Sev1 again: no fresh 30 minutes, and
    the review, the report's definition and the timeline all say missed."""
    from incidents.deadlines.outcome import DeadlineOutcome, deadline_outcome
    from incidents.review import draft as review

    incident = declare(session, catalog)
    deadlines.fire_due(session, now=NOW + timedelta(minutes=31), policy=catalog.policy)
    lifecycle.change_severity(session, incident=incident, severity=Severity.SEV2, actor="U_BOB",
                            now=NOW + timedelta(minutes=35), policy=catalog.policy)
    lifecycle.change_severity(session, incident=incident, severity=Severity.SEV1, actor="U_BOB",
                            now=NOW + timedelta(minutes=40), policy=catalog.policy)
    rows = [d for d in deadlines.of_incident(session, incident.id)
            if d.kind == K.EXECUTIVE_NOTIFICATION]
    assert len(rows) == 1  # the same clock, not a new one
    [executive] = rows
    assert executive.due_at == NOW + timedelta(minutes=30)
    assert executive.state == DeadlineState.MISSED
    assert deadline_outcome(state=executive.state, due_at=executive.due_at,
                            completed_at=executive.completed_at, escalated=executive.escalated,
                            now=NOW + timedelta(hours=1)) == DeadlineOutcome.MISSED
    data = review.gather(session, incident_id=incident.id, catalog=catalog,
                         now=NOW + timedelta(hours=1))
    line = next(d for d in data.response["deadlines"]
                if d.what == "Client executive notification")
    assert line.outcome.startswith("missed")
    assert len(events(session, incident, EventKind.DEADLINE_MISSED)) == 1


def test_a_missed_deadline_lowered_away_is_still_missed_in_the_review(session, catalog):
    from incidents.review import draft as review

    incident = declare(session, catalog)
    deadlines.fire_due(session, now=NOW + timedelta(minutes=31), policy=catalog.policy)
    lifecycle.change_severity(session, incident=incident, severity=Severity.SEV2, actor="U_BOB",
                            now=NOW + timedelta(minutes=35), policy=catalog.policy)
    data = review.gather(session, incident_id=incident.id, catalog=catalog,
                         now=NOW + timedelta(hours=1))
    line = next(d for d in data.response["deadlines"]
                if d.what == "Client executive notification")
    assert line.outcome.startswith("missed: not done by the deadline; no longer required from "
                                   "2026-11-27 10:35:00 UTC"), line.outcome
