"""Pure pieces of client communication and the review: durations, parsing, Block Kit."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.blockkit_limits import message_block_errors, view_errors
from bot.slack.blocks.comms import draft_message, notify_modal, status_update_modal
from bot.slack.listeners.review import FollowupSyntaxError, parse_followup
from incidents.comms import form
from incidents.comms.models import Notification
from incidents.comms.notifications import NotificationKind, initial_deadline
from incidents.models import Incident
from incidents.response_times import format_duration, response_times, time_to_detect
from incidents.review.draft import Clock, cell
from incidents.types import DeadlineKind

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@dataclass
class Times:
    created_at: datetime = T0
    impact_started_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None


def test_response_times_follow_the_definitions():
    incident = Times(impact_started_at=T0 - timedelta(minutes=7),
                     acknowledged_at=T0 + timedelta(minutes=3, seconds=12),
                     mitigated_at=T0 + timedelta(minutes=40),
                     resolved_at=T0 + timedelta(hours=1, minutes=5))
    times = response_times(incident, first_alert_at=T0 - timedelta(minutes=2))
    assert times.detect == timedelta(minutes=7)  # the recorded impact start wins
    assert times.acknowledge == timedelta(minutes=3, seconds=12)
    assert times.mitigate == timedelta(minutes=40)
    assert times.resolve == timedelta(hours=1, minutes=5)
    bare = Times()
    assert time_to_detect(bare, first_alert_at=T0 - timedelta(minutes=2)) == timedelta(minutes=2)
    assert time_to_detect(bare, first_alert_at=None) is None
    # Declared by a person before the alert fired: detected at once, not negatively.
    assert time_to_detect(bare, first_alert_at=T0 + timedelta(minutes=5)) == timedelta(0)
    assert response_times(bare, first_alert_at=None).resolve is None


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (42, "42s"), (725, "12m 05s"), (3723, "1h 02m 03s"),
    (93784, "1d 02h 03m 04s"), (-90, "-1m 30s"),
])
def test_format_duration_is_exact_to_the_second(seconds, text):
    assert format_duration(timedelta(seconds=seconds)) == text


def test_format_duration_names_a_gap():
    assert format_duration(None) == "not recorded"
    assert format_duration(None, missing="not yet recorded") == "not yet recorded"


def test_parse_followup():
    assert parse_followup("Add a schema check <@U1BOB|bob> due 2026-12-04") == (
        "Add a schema check", "U1BOB", date(2026, 12, 4))
    assert parse_followup("  Alert   on nulls ") == ("Alert on nulls", None, None)
    assert parse_followup("<@U1BOB> review the due diligence process") == (
        "review the due diligence process", "U1BOB", None)
    with pytest.raises(FollowupSyntaxError, match="one owner"):
        parse_followup("fix it <@U1> <@U2>")
    with pytest.raises(FollowupSyntaxError, match="not a date"):
        parse_followup("fix it due 2026-02-30")
    with pytest.raises(FollowupSyntaxError, match="Usage"):
        parse_followup("<@U1BOB>")


def test_initial_deadline_per_severity():
    assert initial_deadline(1) == DeadlineKind.EXECUTIVE_NOTIFICATION
    assert initial_deadline(2) == DeadlineKind.TECHNICAL_NOTIFICATION
    assert initial_deadline(3) == DeadlineKind.FIRST_RESPONSE
    assert initial_deadline(4) is None


def test_markdown_cells_cannot_break_a_table():
    assert cell("a | b\nc") == "a \\| b c"


def test_forms_are_valid_block_kit_and_check_required_and_future_times():
    values = {"recipient": "Dana <d@x.example>", "system": "Fraud detector",
              "business_impact": "x" * 5000, "actions": "Investigating",
              "next_update_at": T0 + timedelta(hours=2)}
    view = notify_modal(incident_id=7, title="Flag rate <@U1> & more",
                        kind=NotificationKind.INITIAL, values=values).to_dict()
    assert view_errors(view) == []
    assert "&lt;@U1&gt; &amp; more" in view["blocks"][0]["text"]["text"]
    assert view_errors(status_update_modal(incident_id=7, title="t", values={}).to_dict()) == []
    errors = form.problems(NotificationKind.INITIAL,
                         {"system": "Fraud detector", "next_update_at": T0}, now=T0)
    assert set(errors) == {"business_impact", "actions", "next_update_at"}


def test_a_form_needs_what_the_client_needs_and_a_next_update_still_to_come():
    resolution = {"system": "Fraud detector", "resolution": "Rolled back to v41",
                  "review_within": "5 business days"}
    assert form.problems(NotificationKind.RESOLUTION, resolution, now=T0) == {}
    assert form.problems(NotificationKind.RESOLUTION, {**resolution, "resolution": ""},
                         now=T0) == {"resolution": form.REQUIRED}
    update = {"system": "s", "current_status": "Fallback on", "business_impact": "Slower",
              "next_update_at": T0 - timedelta(minutes=1)}
    assert form.problems(NotificationKind.STATUS_UPDATE, update, now=T0) == {
        "next_update_at": form.PAST_PROMISE}
    assert form.problems(NotificationKind.STATUS_UPDATE, update,
                         now=T0 - timedelta(minutes=2)) == {}


def test_our_contact_is_the_comms_lead_else_the_commander_else_the_drafter():
    incident = Incident(id=1, title="t", system="s", comms="U_M", commander="U_C")
    assert form.speaks_for_us(incident, "U_D") == "U_M"
    incident.comms = None
    assert form.speaks_for_us(incident, "U_D") == "U_C"
    incident.commander = None
    assert form.speaks_for_us(incident, "U_D") == "U_D"


def test_draft_message_splits_long_text_and_offers_the_client_channel():
    note = Notification(id=3, incident_id=7, kind="initial", recipient="Dana <d@x.example>",
                        text=("line <!channel> & more\n" * 400), drafted_by="U1",
                        drafted_at=T0, next_update_at=T0 + timedelta(hours=2))
    text, blocks = draft_message(note, client_channel="C0CLIENT",
                                 deadline_title="Client executive notification",
                                 deadline_due=T0 + timedelta(minutes=30))
    assert text == "Initial notification for incident #7"
    payload = [b.to_dict() for b in blocks]
    assert message_block_errors(payload) == []
    rendered = str(payload)
    assert "<!channel>" not in rendered and "&lt;!channel&gt;" in rendered
    assert "Client executive notification due" in rendered
    actions = [e["action_id"] for b in payload if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["incident.notification_mark_sent", "incident.notification_send_to_client"]
    note.sent_at, note.sent_by, note.sent_via = T0, "U2", "client_channel"
    _, blocks = draft_message(note, client_channel=None)
    payload = [b.to_dict() for b in blocks]
    assert not [b for b in payload if b["type"] == "actions"]
    assert "Sent to the client channel by <@U2>" in str(payload)


@pytest.mark.parametrize("zone", [None, "Europe/Berlin", "Asia/Kolkata", "America/New_York"])
def test_review_clock_matches_strftime_across_daylight_saving(zone):
    tz = ZoneInfo(zone) if zone else None
    clock = Clock(tz)
    moments = [datetime(2026, 11, 27, 10, 0, 5, 999_999, tzinfo=UTC),
               datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # Berlin: 01:59:59 CET
               datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),  # Berlin: 03:00:00 CEST
               datetime(1960, 1, 1, 0, 0, 1, tzinfo=UTC)]
    for at in moments:
        shown = clock.moment(at)
        assert shown.utc == at.strftime("%Y-%m-%d %H:%M:%S UTC")
        there = at.astimezone(tz) if tz else None
        assert shown.local == (None if tz is None
                               else there.strftime("%Y-%m-%d %H:%M:%S ") + there.tzname())
    assert Clock(ZoneInfo("UTC")).zone is None  # UTC viewers get one column, not two
