from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidents.catalog import Schedule
from incidents.oncall.handoffs import between
from incidents.oncall.schedule import next_handoffs, on_call_at, shift_start


def schedule(**fields) -> Schedule:
    base = {
        "timezone": "Europe/Berlin",
        "handoff": "09:00",
        "rotation": "1w",
        "start": "2026-11-02",
        "participants": ["U_ALICE", "U_BOB", "U_CAROL"],
    }
    return Schedule.model_validate(base | fields)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekly_rotation_hands_over_at_local_handoff_in_participant_order():
    rota = schedule()  # 09:00 in Berlin in November is 08:00 UTC

    assert on_call_at(rota, utc(2026, 11, 2, 8, 0)) == "U_ALICE"
    assert on_call_at(rota, utc(2026, 11, 9, 7, 59, 59)) == "U_ALICE"
    assert on_call_at(rota, utc(2026, 11, 9, 8, 0)) == "U_BOB"
    assert on_call_at(rota, utc(2026, 11, 16, 8, 0)) == "U_CAROL"
    assert on_call_at(rota, utc(2026, 11, 23, 8, 0)) == "U_ALICE"  # round again


def test_before_the_start_the_rotation_extends_backwards():
    rota = schedule()

    assert on_call_at(rota, utc(2026, 11, 2, 7, 59)) == "U_CAROL"
    assert on_call_at(rota, utc(2026, 10, 26, 8, 0)) == "U_CAROL"  # shift -1 began
    assert on_call_at(rota, utc(2026, 10, 26, 7, 59)) == "U_BOB"


def test_same_handoff_in_two_time_zones_happens_at_different_instants():
    berlin = schedule(timezone="Europe/Berlin")
    new_york = schedule(timezone="America/New_York")  # 09:00 EST is 14:00 UTC
    midday = utc(2026, 11, 9, 12, 0)

    assert on_call_at(berlin, midday) == "U_BOB"  # handed over at 08:00 UTC
    assert on_call_at(new_york, midday) == "U_ALICE"  # not until 14:00 UTC
    assert on_call_at(new_york, utc(2026, 11, 9, 14, 0)) == "U_BOB"
    assert shift_start(new_york, 1) - shift_start(berlin, 1) == timedelta(hours=6)


def test_handoff_keeps_local_time_across_a_dst_change():
    # Europe moves its clocks forward on 2027-03-28: 09:00 Berlin goes from 08:00 to 07:00 UTC.
    rota = schedule(rotation="1d", start="2027-03-26", participants=["U_ALICE", "U_BOB"])

    handoffs = next_handoffs(rota, utc(2027, 3, 26, 12, 0), 3)

    assert [moment for moment, _ in handoffs] == [
        utc(2027, 3, 27, 8, 0), utc(2027, 3, 28, 7, 0), utc(2027, 3, 29, 7, 0)]
    assert [user for _, user in handoffs] == ["U_BOB", "U_ALICE", "U_BOB"]
    berlin = ZoneInfo("Europe/Berlin")
    assert all(moment.astimezone(berlin).hour == 9 for moment, _ in handoffs)
    # Half an hour after the summer-time handoff the new person is on call; a fixed
    # UTC handoff would still show the previous one.
    assert on_call_at(rota, utc(2027, 3, 28, 7, 30)) == "U_ALICE"


def test_weekly_handoff_across_the_autumn_change_in_new_york():
    # The US leaves daylight saving on 2026-11-01: 10:00 goes from 14:00 to 15:00 UTC.
    rota = schedule(timezone="America/New_York", handoff="10:00", start="2026-10-25",
                    participants=["U_CAROL", "U_DAVE"])

    assert shift_start(rota, 0) == utc(2026, 10, 25, 14, 0)
    assert shift_start(rota, 1) == utc(2026, 11, 1, 15, 0)
    assert on_call_at(rota, utc(2026, 11, 1, 14, 30)) == "U_CAROL"
    assert on_call_at(rota, utc(2026, 11, 1, 15, 0)) == "U_DAVE"


def test_handoff_in_the_skipped_hour_uses_the_offset_before_the_change():
    rota = schedule(handoff="02:30", rotation="1d", start="2027-03-27")

    assert shift_start(rota, 1) == utc(2027, 3, 28, 1, 30)  # 02:30 CET, i.e. 03:30 CEST
    assert shift_start(rota, 2) == utc(2027, 3, 29, 0, 30)


def test_shorter_than_a_day_rotation():
    rota = schedule(rotation="12h", participants=["U_ALICE", "U_BOB"])

    assert on_call_at(rota, utc(2026, 11, 2, 19, 59)) == "U_ALICE"
    assert on_call_at(rota, utc(2026, 11, 2, 20, 0)) == "U_BOB"  # 21:00 Berlin
    assert on_call_at(rota, utc(2026, 11, 3, 8, 0)) == "U_ALICE"


def test_override_wins_for_its_window_only():
    rota = schedule(overrides=[
        {"user": "U_DAVE", "start": "2026-11-10T12:00:00Z", "end": "2026-11-11T12:00:00Z"},
    ])

    assert on_call_at(rota, utc(2026, 11, 10, 11, 59)) == "U_BOB"
    assert on_call_at(rota, utc(2026, 11, 10, 12, 0)) == "U_DAVE"
    assert on_call_at(rota, utc(2026, 11, 11, 11, 59)) == "U_DAVE"
    assert on_call_at(rota, utc(2026, 11, 11, 12, 0)) == "U_BOB"


def test_overlapping_overrides_the_last_listed_wins():
    rota = schedule(overrides=[
        {"user": "U_DAVE", "start": "2026-11-10T00:00:00Z", "end": "2026-11-12T00:00:00Z"},
        {"user": "U_CAROL", "start": "2026-11-11T00:00:00+01:00",
         "end": "2026-11-11T12:00:00+01:00"},
    ])

    assert on_call_at(rota, utc(2026, 11, 10, 23, 0)) == "U_CAROL"
    assert on_call_at(rota, utc(2026, 11, 11, 11, 0)) == "U_DAVE"


def test_next_handoffs_include_overrides_and_skip_hidden_rotation_changes():
    rota = schedule(participants=["U_ALICE", "U_BOB"], overrides=[
        # Covers the 2026-11-09 08:00 UTC handoff from Alice to Bob.
        {"user": "U_CAROL", "start": "2026-11-08T18:00:00Z", "end": "2026-11-09T18:00:00Z"},
    ])

    handoffs = next_handoffs(rota, utc(2026, 11, 3), 4)

    assert handoffs == [
        (utc(2026, 11, 8, 18, 0), "U_CAROL"),
        (utc(2026, 11, 9, 18, 0), "U_BOB"),
        (utc(2026, 11, 16, 8, 0), "U_ALICE"),
        (utc(2026, 11, 23, 8, 0), "U_BOB"),
    ]


def test_next_handoffs_are_strictly_after_the_given_moment():
    rota = schedule(participants=["U_ALICE", "U_BOB"])

    first, = next_handoffs(rota, utc(2026, 11, 9, 8, 0), 1)

    assert first == (utc(2026, 11, 16, 8, 0), "U_ALICE")


def test_a_single_person_rotation_has_no_handoffs_beyond_its_overrides():
    rota = schedule(participants=["U_ALICE"], overrides=[
        {"user": "U_BOB", "start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z"},
    ])

    assert next_handoffs(rota, utc(2026, 11, 3), 5) == [
        (utc(2026, 11, 20), "U_BOB"), (utc(2026, 11, 21), "U_ALICE")]
    assert next_handoffs(rota, utc(2026, 11, 3), 0) == []


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="no time zone"):
        on_call_at(schedule(), datetime(2026, 11, 3, 12, 0))
    with pytest.raises(ValueError, match="no time zone"):
        next_handoffs(schedule(), datetime(2026, 11, 3, 12, 0), 1)


def test_handoffs_between_two_moments_follow_each_zone_and_overrides():
    # Two daily rotations across Europe's spring change (2027-03-28): Berlin's 09:00 moves
    # from 08:00 to 07:00 UTC, New York's 09:00 (already on summer time) stays at 13:00 UTC.
    berlin = schedule(rotation="1d", start="2027-03-26", participants=["U_ALICE", "U_BOB"])
    new_york = schedule(timezone="America/New_York", rotation="1d", start="2027-03-26",
                        participants=["U_ALICE", "U_BOB"],
                        overrides=[{"user": "U_CAROL", "start": "2027-03-28T15:00:00Z",
                                    "end": "2027-03-28T16:00:00Z"}])
    after, until = utc(2027, 3, 27, 12, 0), utc(2027, 3, 29, 7, 0)

    assert between(berlin, after=after, until=until) == [
        (utc(2027, 3, 28, 7, 0), "U_ALICE"), (utc(2027, 3, 29, 7, 0), "U_BOB")]
    assert between(new_york, after=after, until=until) == [
        (utc(2027, 3, 27, 13, 0), "U_BOB"), (utc(2027, 3, 28, 13, 0), "U_ALICE"),
        (utc(2027, 3, 28, 15, 0), "U_CAROL"), (utc(2027, 3, 28, 16, 0), "U_ALICE")]
    # Many handoffs (more than one batch) are all found, oldest first.
    moments = between(berlin, after=after, until=after + timedelta(days=45))
    assert len(moments) == 45 and moments == sorted(moments)
