"""The pure deadline policy: which clocks run, business days, reminder moments, plans."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from incidents.catalog.models import Client, Contact, Policy, System
from incidents.deadlines.policy import (
    Stage,
    add_business_days,
    clocks,
    lead_for,
    next_reminder_at,
    plan,
    reminder_moment,
    stage_at,
)
from incidents.deadlines.recipients import contact_to_notify, roles_to_show, who_to_remind
from incidents.models import Incident
from incidents.types import DeadlineKind, DeadlineState, Status

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday
K = DeadlineKind


@dataclass
class Row:
    kind: str
    due_at: datetime
    state: str = DeadlineState.PENDING
    created_at: datetime = T0
    reminders_sent: int = 0
    escalated: bool = False
    snoozed_until: datetime | None = None
    completed_at: datetime | None = None  # when it was done, or stopped (cancelled)


def test_business_days_skip_the_weekend():
    assert add_business_days(T0, 1, []) == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Mon
    assert add_business_days(T0, 5, []) == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    saturday = datetime(2026, 11, 28, 15, 30, tzinfo=UTC)
    assert add_business_days(saturday, 1, []) == datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    assert add_business_days(T0, 0, []) == T0


def test_business_days_skip_holidays_across_a_weekend():
    holidays = [date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)]
    thursday = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    # Fri 25 (holiday), weekend, Mon 28 .. Thu 31 = 4, Fri 1 Jan (holiday), weekend, Mon 4 = 5.
    assert add_business_days(thursday, 5, holidays) == datetime(2027, 1, 4, 17, 0, tzinfo=UTC)
    assert add_business_days(thursday, 5, []) == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)


def test_clocks_follow_the_policy_per_severity():
    default = Policy()
    assert clocks(1, default) == {K.EXECUTIVE_NOTIFICATION: timedelta(minutes=30),
                                  K.STATUS_UPDATE: timedelta(hours=2)}
    assert clocks(2, default) == {K.TECHNICAL_NOTIFICATION: timedelta(hours=2),
                                  K.STATUS_UPDATE: timedelta(hours=2)}
    assert clocks(3, default) == {K.FIRST_RESPONSE: timedelta(hours=24)}
    assert clocks(4, default) == {}
    short = Policy.model_validate({"sev1": {"executive_notification": "4s",
                                            "status_update_every": None}})
    assert clocks(1, short) == {K.EXECUTIVE_NOTIFICATION: timedelta(seconds=4)}


def test_reminder_comes_a_lead_before_but_never_before_the_clock_started():
    lead = timedelta(minutes=10)
    due = T0 + timedelta(minutes=30)
    assert reminder_moment(created_at=T0, due_at=due, lead=lead) == T0 + timedelta(minutes=20)
    short_due = T0 + timedelta(seconds=4)
    assert reminder_moment(created_at=T0, due_at=short_due, lead=lead) == T0 + timedelta(seconds=2)
    assert reminder_moment(created_at=T0, due_at=T0, lead=lead) is None
    # A week-long review is reminded a day ahead, not ten minutes ahead.
    assert lead_for(K.REVIEW, Policy()) == timedelta(days=1)
    assert lead_for(K.STATUS_UPDATE, Policy()) == lead


def test_next_moment_walks_reminder_then_escalation_then_nothing():
    lead = timedelta(minutes=10)
    row = Row(K.EXECUTIVE_NOTIFICATION, T0 + timedelta(minutes=30))
    assert next_reminder_at(row, lead=lead) == T0 + timedelta(minutes=20)
    assert stage_at(row, T0 + timedelta(minutes=20)) == Stage.REMINDER
    row.reminders_sent = 1
    assert next_reminder_at(row, lead=lead) == row.due_at
    assert stage_at(row, row.due_at) == Stage.ESCALATION
    row.escalated, row.state = True, DeadlineState.MISSED
    assert next_reminder_at(row, lead=lead) is None
    row.state, row.snoozed_until = DeadlineState.SNOOZED, T0 + timedelta(hours=1)
    assert next_reminder_at(row, lead=lead) == row.snoozed_until
    assert stage_at(row, row.snoozed_until) == Stage.OVERDUE
    row.state = DeadlineState.DONE
    assert next_reminder_at(row, lead=lead) is None


def _plan(severity, status, existing=(), start=False, policy=None):
    return plan(severity=severity, status=status, existing=list(existing), now=T0,
                policy=policy or Policy(), start_clocks=start)


def test_declaring_a_sev1_starts_its_clocks():
    result = _plan(1, Status.TRIAGE, start=True)
    assert sorted(result.create) == sorted([
        (K.EXECUTIVE_NOTIFICATION, T0 + timedelta(minutes=30)),
        (K.STATUS_UPDATE, T0 + timedelta(hours=2)),
    ])
    assert _plan(4, Status.TRIAGE, start=True).create == ()


def test_a_downgrade_stops_what_no_longer_applies_and_starts_nothing():
    executive = Row(K.EXECUTIVE_NOTIFICATION, T0 + timedelta(minutes=5))
    update = Row(K.STATUS_UPDATE, T0 + timedelta(hours=1))
    result = _plan(2, Status.INVESTIGATING, [executive, update], start=False)
    assert result.cancel == (executive,)
    assert result.create == ()  # the technical notification is not started by a downgrade


def test_an_upgrade_starts_the_tighter_clocks_from_the_change():
    technical = Row(K.TECHNICAL_NOTIFICATION, T0 + timedelta(hours=1))
    update = Row(K.STATUS_UPDATE, T0 + timedelta(hours=1, minutes=30))
    tight = Policy.model_validate({"sev1": {"status_update_every": "1h"}})
    result = _plan(1, Status.INVESTIGATING, [technical, update], start=True, policy=tight)
    assert result.cancel == (technical, update)
    assert sorted(result.create) == sorted([
        (K.EXECUTIVE_NOTIFICATION, T0 + timedelta(minutes=30)),
        (K.STATUS_UPDATE, T0 + timedelta(hours=1)),
    ])


def test_a_met_notification_is_not_restarted_but_status_updates_recur():
    done = Row(K.EXECUTIVE_NOTIFICATION, T0, state=DeadlineState.DONE)
    old_update = Row(K.STATUS_UPDATE, T0, state=DeadlineState.DONE)
    result = _plan(1, Status.INVESTIGATING, [done, old_update], start=True)
    assert result.create == ((K.STATUS_UPDATE, T0 + timedelta(hours=2)),)


def test_resolving_stops_the_clocks_and_starts_the_review():
    executive = Row(K.EXECUTIVE_NOTIFICATION, T0 + timedelta(minutes=5))
    holidays = Policy.model_validate({"holidays": ["2026-12-01"]})
    result = _plan(1, Status.RESOLVED, [executive], policy=holidays)
    assert result.cancel == (executive,)
    # Friday + 5 business days, Tuesday 1 December skipped: Monday 7 December.
    assert result.create == ((K.REVIEW, datetime(2026, 12, 7, 10, 0, tzinfo=UTC)),)
    assert _plan(3, Status.RESOLVED).create == ()  # only Sev1 and Sev2 need a review


def test_closing_meets_the_review_and_declining_cancels_everything():
    review = Row(K.REVIEW, T0 + timedelta(days=7))
    assert _plan(1, Status.CLOSED, [review]).complete == (review,)
    assert _plan(1, Status.RESOLVED, [review]).create == ()  # one review, not two
    update = Row(K.STATUS_UPDATE, T0 + timedelta(hours=1))
    declined = _plan(1, Status.DECLINED, [update, review])
    assert declined.cancel == (update, review) and declined.create == ()


def test_a_severity_round_trip_resumes_the_clock_where_it_stopped():
    # Sev1 at T0 (executive notification due T0+30m), lowered 10 minutes later: the clock
    # stops with 20 minutes left. Raised again an hour on, it has those 20 minutes, not 30.
    stopped = Row(K.EXECUTIVE_NOTIFICATION, T0 + timedelta(minutes=30),
                  state=DeadlineState.CANCELLED, completed_at=T0 + timedelta(minutes=10))
    later = T0 + timedelta(hours=1)
    result = plan(severity=1, status=Status.INVESTIGATING, existing=[stopped], now=later,
                  policy=Policy(), start_clocks=True)
    assert result.resume == ((stopped, later + timedelta(minutes=20)),)
    assert K.EXECUTIVE_NOTIFICATION not in [kind for kind, _ in result.create]


def test_a_clock_that_ran_out_stays_run_out_when_it_applies_again():
    missed = Row(K.EXECUTIVE_NOTIFICATION, T0 + timedelta(minutes=30),
                 state=DeadlineState.CANCELLED, escalated=True,
                 completed_at=T0 + timedelta(minutes=40))
    later = T0 + timedelta(hours=1)
    result = plan(severity=1, status=Status.INVESTIGATING, existing=[missed], now=later,
                  policy=Policy(), start_clocks=True)
    assert result.resume == ((missed, T0 + timedelta(minutes=30)),)
    assert result.create == ((K.STATUS_UPDATE, later + timedelta(hours=2)),)


def test_a_reminder_goes_to_the_commander_and_the_comms_lead_for_client_work():
    incident = Incident(id=1, title="t", system="fraud-detector", commander="U_C", comms="U_M",
                        engineer="U_E", declared_by="U_D")
    owners = System(owners=["U_O1", "U_O2"])
    assert who_to_remind(incident, K.EXECUTIVE_NOTIFICATION, owners) == ["U_C", "U_M"]
    assert who_to_remind(incident, K.REVIEW, owners) == ["U_C"]
    incident.comms = "U_C"  # one person holding both roles is mentioned once
    assert who_to_remind(incident, K.STATUS_UPDATE, owners) == ["U_C"]


def test_without_a_commander_the_owners_are_reminded_else_whoever_declared():
    incident = Incident(id=1, title="t", system="fraud-detector", comms="U_M", declared_by="U_D")
    assert who_to_remind(incident, K.STATUS_UPDATE, System(owners=["U_O1", "U_O2"])) == [
        "U_O1", "U_O2"]
    assert who_to_remind(incident, K.STATUS_UPDATE, System()) == ["U_D"]
    assert who_to_remind(incident, K.STATUS_UPDATE, None) == ["U_D"]


def test_a_reminder_shows_the_engineer_a_task_needs_even_when_missing():
    incident = Incident(id=1, title="t", system="s", engineer=None)
    assert roles_to_show(incident, K.FIRST_RESPONSE) == {"engineer": None}
    assert roles_to_show(incident, K.STATUS_UPDATE) == {}


def test_a_notification_deadline_names_the_client_contact_to_tell():
    client = Client(
        name="Acme Bank",
        executive_contact=Contact(name="Dana Lee", email="dana@acme.example", phone="+1 555"),
        technical_contact=Contact(name="Sam Roy"))
    assert contact_to_notify(client, K.EXECUTIVE_NOTIFICATION) == (
        "Dana Lee, Acme Bank (dana@acme.example, +1 555)")
    assert contact_to_notify(client, K.TECHNICAL_NOTIFICATION) == "Sam Roy, Acme Bank"
    assert contact_to_notify(Client(name="Globex"), K.FIRST_RESPONSE) == "Globex"
    assert contact_to_notify(client, K.STATUS_UPDATE) is None
    assert contact_to_notify(None, K.EXECUTIVE_NOTIFICATION) is None
