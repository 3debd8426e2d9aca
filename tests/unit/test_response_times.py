"""Pure rules behind the review's figures: the first human response, the moment people type
for the impact start, and business impact read as sentences."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidents.comms.notifications import join_sentences
from incidents.response_times import first_response
from incidents.review.findings import parse_moment
from incidents.timeline import Refused
from incidents.types import EventKind

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def responded(kind, actor, *, at, before=None, occurred_at=None):
    return first_response(before, created_at=T0, kind=kind, actor=actor, now=at,
                          occurred_at=occurred_at)


def test_the_first_thing_a_person_records_is_the_acknowledgement():
    answer = T0 + timedelta(seconds=40)
    assert responded(EventKind.TRIAGE_ANSWER, "U_CAROL", at=answer) == answer
    # Later responses (the commander, 40 minutes on) leave it where it is.
    later = T0 + timedelta(minutes=41)
    assert responded(EventKind.ROLE_ASSIGNED, "U_CAROL", at=later, before=answer) == answer


def test_opening_the_incident_and_the_bot_are_no_response():
    assert responded(EventKind.DECLARED, "U_ALICE", at=T0) is None
    assert responded(EventKind.OPENED_BY_ALERT, None, at=T0) is None
    assert responded(EventKind.REMINDER_SENT, None, at=T0 + timedelta(minutes=5)) is None
    assert responded(EventKind.NOTE, "incidentbot", at=T0 + timedelta(minutes=5)) is None


def test_a_message_copied_later_responded_when_it_was_written():
    acknowledged = T0 + timedelta(minutes=10)
    written = T0 + timedelta(minutes=2)
    assert responded(EventKind.SLACK_MESSAGE, "U_BOB", at=T0 + timedelta(minutes=30),
                     before=acknowledged, occurred_at=written) == written
    # One written before the incident opened was no response to it.
    assert responded(EventKind.SLACK_MESSAGE, "U_BOB", at=T0 + timedelta(minutes=30),
                     before=acknowledged, occurred_at=T0 - timedelta(hours=1)) == acknowledged
    # Recording when the impact began (an event dated before the opening) responds now.
    now = T0 + timedelta(minutes=3)
    assert responded(EventKind.IMPACT_STARTED, "U_BOB", at=now,
                     occurred_at=T0 - timedelta(minutes=20)) == now


def test_impact_start_as_people_type_it():
    now = datetime(2026, 12, 6, 8, 30, tzinfo=UTC)  # 09:30 in Berlin
    assert parse_moment("09:10", now=now, zone=BERLIN) == datetime(2026, 12, 6, 8, 10,
                                                                   tzinfo=UTC)
    # A time of day still to come today is yesterday's.
    assert parse_moment("23:50", now=now, zone=BERLIN) == datetime(2026, 12, 5, 22, 50,
                                                                   tzinfo=UTC)
    assert parse_moment("25m ago", now=now, zone=BERLIN) == now - timedelta(minutes=25)
    assert parse_moment("1h30m ago", now=now, zone=BERLIN) == now - timedelta(minutes=90)
    assert parse_moment("2026-12-05 18:00", now=now, zone=BERLIN) == datetime(
        2026, 12, 5, 17, 0, tzinfo=UTC)
    assert parse_moment("2026-12-06T07:00:00Z", now=now, zone=BERLIN) == datetime(
        2026, 12, 6, 7, 0, tzinfo=UTC)
    for wrong in ("soon", "25:00", "ages ago"):
        with pytest.raises(Refused):
            parse_moment(wrong, now=now, zone=BERLIN)


def test_business_impact_reads_as_sentences():
    assert join_sentences("1,900 payments held for review.", "null rate 0.2% → 38%") == \
        "1,900 payments held for review. Null rate 0.2% → 38%."
    assert join_sentences("payments held", "null rate 0.2% → 38%") == \
        "payments held; null rate 0.2% → 38%"
    assert join_sentences(None, "null rate 0.2% → 38%") == "null rate 0.2% → 38%"
    assert join_sentences("payments held.", "") == "payments held."
