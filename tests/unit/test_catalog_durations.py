from datetime import timedelta

import pytest

from incidents.catalog.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("45s", timedelta(seconds=45)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1w2d3h4m5s", timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5)),
        (" 1h 30m ", timedelta(hours=1, minutes=30)),
        ("1.5h", timedelta(minutes=90)),
        ("0s", timedelta(0)),
        (90, timedelta(seconds=90)),
        (2.5, timedelta(seconds=2.5)),
        (0, timedelta(0)),
    ],
)
def test_parse_duration_reads_units_and_plain_seconds(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "empty"),
        ("30", "missing unit"),
        ("5x", "unknown unit 'x'"),
        ("5min", "unknown unit 'min'"),
        ("h", "invalid duration 'h'"),
        ("1m30m", "largest first"),
        ("30s1h", "largest first"),
        ("-5m", "invalid duration '-5m'"),
        ("1h30", "invalid duration '1h30'"),
        ("1h and 30m", "invalid duration"),
        (-1, "non-negative"),
        (float("nan"), "non-negative"),
        (True, "invalid duration True"),
        (None, "invalid duration None"),
    ],
)
def test_parse_duration_rejects_with_a_clear_message(value, fragment):
    with pytest.raises(ValueError, match="invalid duration") as caught:
        parse_duration(value)
    assert fragment in str(caught.value)


def test_parse_duration_error_shows_the_accepted_form():
    with pytest.raises(ValueError) as caught:
        parse_duration("soon")
    assert "1h30m" in str(caught.value)


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(minutes=30), "30m"),
        (timedelta(hours=2), "2h"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(seconds=4), "4s"),
        (timedelta(weeks=1), "1w"),
        (timedelta(days=10), "1w3d"),
        (timedelta(days=1, seconds=5), "1d5s"),
        (timedelta(0), "0s"),
        (timedelta(seconds=1.5), "1.5s"),
        (timedelta(milliseconds=250), "0.25s"),
        (timedelta(minutes=-5), "-5m"),
    ],
)
def test_format_duration(td, text):
    assert format_duration(td) == text


@pytest.mark.parametrize(
    "td",
    [
        timedelta(seconds=1),
        timedelta(minutes=90),
        timedelta(days=8, hours=1, minutes=2, seconds=3),
        timedelta(hours=25, microseconds=7),
    ],
)
def test_format_then_parse_round_trips(td):
    assert parse_duration(format_duration(td)) == td
