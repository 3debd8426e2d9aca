"""The analytics definitions and reporting periods, on plain data."""

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from incidents.analytics import metrics as analytics
from incidents.analytics import periods, report_format
from incidents.analytics.metrics import (
    CubeRow,
    DeadlineRow,
    FollowUps,
    Pattern,
    recurring,
    response_seconds,
    stat,
    summarize,
)
from incidents.analytics.periods import PeriodError, parse_date, parse_period, period_from_dates
from incidents.deadlines.outcome import DeadlineOutcome, deadline_outcome
from incidents.response_times import response_times

BERLIN = ZoneInfo("Europe/Berlin")
T = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
ROOT = Path(__file__).parents[2]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ---------------------------------------------------------------- deadlines


@pytest.mark.parametrize(("state", "due", "completed", "escalated", "expected"), [
    ("done", 0, -5, False, DeadlineOutcome.MET),
    ("done", 0, 0, False, DeadlineOutcome.MET),  # exactly on the deadline is on time
    ("done", 0, 1, False, DeadlineOutcome.LATE),
    ("done", 0, 30, True, DeadlineOutcome.LATE),  # escalated, then done
    ("done", 0, None, False, DeadlineOutcome.MET),
    ("missed", 10, None, True, DeadlineOutcome.MISSED),
    ("pending", -1, None, False, DeadlineOutcome.MISSED),  # overdue; the timer has not run yet
    ("pending", 0, None, False, DeadlineOutcome.MISSED),  # due now: the timer escalates at due
    ("snoozed", -1, None, False, DeadlineOutcome.MISSED),
    ("pending", 1, None, False, DeadlineOutcome.OPEN),
    ("snoozed", 5, None, False, DeadlineOutcome.OPEN),
    ("cancelled", -5, None, False, DeadlineOutcome.CANCELLED),  # stopped before it mattered
    ("cancelled", -5, None, True, DeadlineOutcome.MISSED),  # missed, then stopped by resolving
])
def test_deadline_outcome(state, due, completed, escalated, expected):
    due_at = T + timedelta(minutes=due)
    done_at = None if completed is None else due_at + timedelta(minutes=completed)
    assert deadline_outcome(state=state, due_at=due_at, completed_at=done_at,
                            escalated=escalated, now=T) == expected


def test_compliance_rate_leaves_open_deadlines_out():
    c = analytics.compliance([("met", 3), ("late", 1), ("missed", 2), ("open", 4),
                              (DeadlineOutcome.MET, 1)])
    assert (c.met, c.late, c.missed, c.open, c.decided) == (4, 1, 2, 4, 7)
    assert c.rate == pytest.approx(4 / 7)
    assert analytics.compliance([("open", 2)]).rate is None
    assert (c + c).met == 8


# ---------------------------------------------------------------- times


def test_median_and_p90_interpolate_between_ranks():
    assert stat([600, 900, 1200]) == analytics.Stat(3, 900.0, 900.0, 1140.0)
    assert stat([120, 300, 600, 900, 1200]) == analytics.Stat(5, 624.0, 600.0, 1080.0)
    assert stat([7.0]) == analytics.Stat(1, 7.0, 7.0, 7.0)
    assert stat([math.nan, 10, 20]) == analytics.Stat(2, 15.0, 15.0, 19.0)
    assert stat([]) == analytics.Stat(0, None, None, None)


class Timed:
    def __init__(self, **moments):
        self.created_at = moments["created_at"]
        self.impact_started_at = moments.get("impact_started_at")
        self.acknowledged_at = moments.get("acknowledged_at")
        self.mitigated_at = moments.get("mitigated_at")
        self.resolved_at = moments.get("resolved_at")


def _row(incident: Timed, first_alert_at, severity=2) -> list[float]:
    start = incident.impact_started_at or first_alert_at
    moments = [incident.created_at, start, incident.acknowledged_at, incident.mitigated_at,
               incident.resolved_at]
    return [severity, *(m.timestamp() if m else math.nan for m in moments)]


def test_vectorised_times_follow_response_times():
    """The report's numpy definitions give what response_times (the review's) gives."""
    opened = utc("2026-10-25 00:30")  # the night Berlin's clocks go back: UTC is unaffected
    cases = [
        (Timed(created_at=opened, impact_started_at=opened - timedelta(minutes=7),
               acknowledged_at=opened + timedelta(minutes=3),
               mitigated_at=opened + timedelta(minutes=40),
               resolved_at=opened + timedelta(hours=1, minutes=15)), None),
        (Timed(created_at=opened), opened + timedelta(minutes=5)),  # alert after declaring
        (Timed(created_at=opened, resolved_at=opened + timedelta(seconds=90.25)),
         opened - timedelta(seconds=1)),
        (Timed(created_at=opened), None),
    ]
    spans = response_seconds(np.array([_row(i, alert) for i, alert in cases]))
    for (incident, alert), row in zip(cases, spans, strict=True):
        expected = response_times(incident, first_alert_at=alert)
        for value, name in zip(row, analytics.TIMES, strict=True):
            delta = getattr(expected, name)
            if delta is None:
                assert math.isnan(value), name
            else:
                assert value == pytest.approx(delta.total_seconds(), abs=1e-3), name
    assert spans[0].tolist() == [420.0, 180.0, 2400.0, 4500.0]
    assert spans[1][0] == 0.0  # a person was first: detected at once, never negative


# ---------------------------------------------------------------- patterns


def row(system, cause, count=1, severity=3, status="resolved", drill=False, client="acme"):
    return CubeRow(severity, status, client, system, cause, drill, count)


def test_recurring_systems_causes_and_pairs():
    rows = [row("fraud", "pipeline", 2), row("fraud", "drift"), row("recs", "pipeline"),
            row("recs", "drift", 2), row("maint", None, 3), row("maint", "infra", 1)]
    assert recurring(rows) == [
        Pattern("maint", None, 4),
        Pattern("fraud", None, 3),
        Pattern("recs", None, 3),
        Pattern(None, "drift", 3),
        Pattern(None, "pipeline", 3),
    ]
    # A cause seen on one system only is reported once, with its system.
    only = [row("fraud", "pipeline", 3), row("recs", "drift", 1)]
    assert recurring(only) == [Pattern("fraud", None, 3), Pattern("fraud", "pipeline", 3)]
    assert recurring(only, at_least=4) == []


# ---------------------------------------------------------------- summarize


def test_summarize_counts_excludes_and_compares_quarters():
    period = period_from_dates(since=date(2026, 7, 1), until=date(2026, 12, 31), now=T,
                               zone=BERLIN)
    q3, q4 = utc("2026-09-30 21:30"), utc("2026-09-30 22:30")  # either side of Berlin's Q4
    cube = [row("fraud", "pipeline", 1, severity=2), row("fraud", "pipeline", 1, severity=1),
            row("fraud", None, 2, status="declined"), row("fraud", None, 1, status="merged"),
            row("fraud", "pipeline", 5, drill=True, status="declined")]
    incidents = [[2, q3.timestamp(), math.nan, math.nan, math.nan, q3.timestamp() + 3600],
                 [1, q4.timestamp(), math.nan, math.nan, math.nan, q4.timestamp() + 7200]]
    deadlines = [DeadlineRow("executive_notification", "met", 1, 1),
                 DeadlineRow("status_update", "missed", 1, 1),
                 DeadlineRow("status_update", "cancelled", 0, 4),
                 DeadlineRow("technical_notification", "met", 0, 1)]
    report = summarize(period=period, now=T, cube=cube, incidents=np.array(incidents),
                       deadlines=deadlines, follow_ups=FollowUps(2, 1, 1, 0))
    assert report.incidents == 2
    assert report.excluded == {"declined": 2, "merged": 1, "drill": 5}
    assert report.by_severity == {1: 1, 2: 1, 3: 0, 4: 0}
    assert report.by_status["resolved"] == 2 and set(report.by_status) == {
        "triage", "investigating", "mitigated", "resolved", "closed"}
    assert report.times["resolve"] == analytics.Stat(2, 5400.0, 5400.0, 6840.0)
    assert report.deadlines["status_update"] == analytics.Compliance(0, 0, 1, 0)
    assert report.deadlines_total.rate == pytest.approx(2 / 3)
    assert [q.bucket.label for q in report.quarters] == ["2026-Q3", "2026-Q4"]
    assert [q.incidents for q in report.quarters] == [1, 1]
    assert [m.incidents for m in report.months] == [0, 0, 1, 1, 0, 0]
    q3_slice, q4_slice = report.quarters
    assert q3_slice.compliance.rate == 1.0 and q4_slice.compliance.rate == 0.5
    change = report.changes[1]
    assert report.changes[0] is None
    assert (change.incidents, change.incidents_pct, change.median_resolve,
            change.compliance_points) == (0, 0.0, 3600.0, -50.0)
    assert report.patterns == []  # 2 of the same is not yet a pattern


def test_summarize_with_no_incidents():
    period = parse_period("30d", now=T)
    report = summarize(period=period, now=T, cube=[], incidents=np.empty((0, 6)),
                       deadlines=[], follow_ups=FollowUps())
    assert report.incidents == 0
    assert report.times["detect"] == analytics.Stat(0, None, None, None)
    assert report.deadlines_total.rate is None
    text = report_format.text(report)
    # 28 October – 27 November lies in one quarter: nothing to compare.
    assert "Incidents: 0 (not counted: 0 declined, 0 merged, 0 drills)" in text
    assert len(report.quarters) == 1 and "Quarter over quarter" not in text
    data = report_format.as_json(report)
    assert data["times"]["resolve"] == {"count": 0, "mean_seconds": None,
                                        "median_seconds": None, "p90_seconds": None}
    assert data["deadline_compliance"]["all"]["rate"] is None


# ---------------------------------------------------------------- periods


def test_relative_and_calendar_periods():
    last = parse_period("90d", now=T, zone=BERLIN)
    assert (last.start, last.end, last.label) == (T - timedelta(days=90), T, "last 90d")
    assert parse_period("", now=T).start == T - timedelta(days=90)
    assert parse_period("2w", now=T).start == T - timedelta(days=14)
    q4 = parse_period("2026-Q4", now=T, zone=BERLIN)
    # Midnight in Berlin: CEST (+2) on 1 October, CET (+1) on 1 January.
    assert (q4.start, q4.end) == (utc("2026-09-30 22:00"), utc("2026-12-31 23:00"))
    assert parse_period("2026q4", now=T).start == utc("2026-10-01 00:00")
    march = parse_period("2026-03", now=T, zone=BERLIN)
    assert (march.start, march.end) == (utc("2026-02-28 23:00"), utc("2026-03-31 22:00"))


@pytest.mark.parametrize("text", ["0d", "9999d", "2026-Q5", "2026-13", "last week", "90"])
def test_periods_that_make_no_sense_are_refused(text):
    with pytest.raises(PeriodError):
        parse_period(text, now=T)


def test_months_follow_local_midnights_across_daylight_saving():
    period = period_from_dates(since=date(2026, 9, 15), until=date(2026, 11, 10), now=T,
                               zone=BERLIN)
    buckets = periods.months(period)
    assert [b.label for b in buckets] == ["2026-09", "2026-10", "2026-11"]
    assert [(b.start, b.end, b.partial) for b in buckets] == [
        (utc("2026-09-14 22:00"), utc("2026-09-30 22:00"), True),
        (utc("2026-09-30 22:00"), utc("2026-10-31 23:00"), False),  # 31 days and 1 hour
        (utc("2026-10-31 23:00"), utc("2026-11-10 23:00"), True),
    ]
    assert [(q.label, q.partial) for q in periods.quarters(period)] == [
        ("2026-Q3", True), ("2026-Q4", True)]
    assert period.describe() == "2026-09-15 00:00 – 2026-11-10 24:00 Europe/Berlin"


def test_dates_are_strict_and_ordered():
    assert parse_date("2026-10-25", option="--since") == date(2026, 10, 25)
    for bad in ("2026-1-5", "25.10.2026", "2026-02-30", "20261025"):
        with pytest.raises(PeriodError, match="--since"):
            parse_date(bad, option="--since")
    with pytest.raises(PeriodError, match="after --until"):
        period_from_dates(since=date(2026, 12, 1), until=date(2026, 11, 1), now=T)
    open_ended = period_from_dates(since=None, until=None, now=T)
    assert (open_ended.start, open_ended.end) == (T - timedelta(days=90), T)


# ---------------------------------------------------------------- formats


def test_log_cells_never_become_spreadsheet_formulas():
    assert report_format.cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert report_format.cell("+1 555") == "'+1 555" and report_format.cell("@here") == "'@here"
    assert report_format.cell("Flag rate 40%") == "Flag rate 40%"
    assert report_format.cell(None) == ""
    assert report_format.seconds(90.0) == "90" and report_format.seconds(90.25) == "90.250"
    assert report_format.seconds(math.nan) == ""
    assert report_format.iso(utc("2026-10-25 01:45")) == "2026-10-25T01:45:00Z"
    moments = [[utc("2026-10-25 01:45").timestamp() - 4e-5, math.nan],
               [utc("2026-10-25 01:45:59").timestamp() + 0.9994, 0.0]]
    assert report_format.epoch_iso(np.array(moments)) == [
        ["2026-10-25T01:45:00Z", ""], ["2026-10-25T01:45:59Z", "1970-01-01T00:00:00Z"]]
