"""The stats chart: a PNG drawn headless, the same bytes for the same figures."""

import math
import struct
from datetime import UTC, date, datetime

import numpy as np

from bot.charts.analytics import alt_text, chart_slices, stats_chart
from incidents.analytics.metrics import CubeRow, FollowUps, summarize
from incidents.analytics.periods import period_from_dates

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def report(since: date, until: date, opened: list[datetime]):
    rows = [[2, t.timestamp(), math.nan, math.nan, math.nan, t.timestamp() + 5400]
            for t in opened]
    return summarize(
        period=period_from_dates(since=since, until=until, now=NOW),
        now=NOW, cube=[CubeRow(2, "resolved", "acme", "fraud", None, False, len(opened))],
        incidents=np.array(rows).reshape(-1, 6), deadlines=[], follow_ups=FollowUps())


def test_chart_is_a_deterministic_png():
    figures = report(date(2026, 7, 1), date(2026, 11, 30),
                     [datetime(2026, 9, 3, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)])
    png = stats_chart(figures)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (900, 650)
    assert stats_chart(figures) == png
    empty = report(date(2026, 7, 1), date(2026, 11, 30), [])
    assert stats_chart(empty) != png  # no incidents still draws, differently


def test_long_periods_are_charted_by_quarter():
    long = report(date(2024, 1, 1), date(2026, 6, 30), [datetime(2025, 5, 5, tzinfo=UTC)])
    slices, unit = chart_slices(long)
    assert unit == "quarter" and len(slices) == 10 and len(long.months) == 30
    assert alt_text(long).startswith("Two charts: incidents per quarter")
    short = report(date(2026, 1, 1), date(2026, 6, 30), [])
    assert chart_slices(short)[1] == "month"
