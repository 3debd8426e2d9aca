"""Reporting periods: what `--since/--until` and `/incident stats 2026-Q4` mean, and the
calendar months and quarters a period is split into.

Calendar boundaries (days, months, quarters) are local midnights in the reader's time zone,
converted to UTC one by one, so a month that contains a daylight-saving change is still
exactly that month; relative periods (`30d`) are plain elapsed time back from now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 90
MAX_DAYS = 3660  # ten years: beyond that a "period" is a typo
_RELATIVE = re.compile(r"^(\d{1,5})\s*([dw])$")
_QUARTER = re.compile(r"^(\d{4})-?q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PERIOD_HELP = "a period like `30d`, `12w`, `2026-Q4` or `2026-11`"


class PeriodError(ValueError):
    """Input that names no period; the message says what was expected."""


@dataclass(frozen=True)
class Period:
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded
    zone: ZoneInfo
    label: str

    @property
    def zone_name(self) -> str:
        return self.zone.key

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def describe(self) -> str:
        """`2026-10-01 00:00 – 2026-12-31 24:00 Europe/Berlin`, as the reader counts days."""
        first = self.local(self.start)
        last = self.local(self.end)
        if last.time() == time(0):
            end_text = f"{(last - timedelta(days=1)).date()} 24:00"
        else:
            end_text = f"{last:%Y-%m-%d %H:%M}"
        return f"{first:%Y-%m-%d %H:%M} – {end_text} {self.zone_name}"


@dataclass(frozen=True)
class Bucket:
    """One calendar month or quarter of a period, cut to the period's ends."""

    label: str
    start: datetime
    end: datetime
    partial: bool  # the period covers only part of it


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC moment a local day begins."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def parse_date(text: str, *, option: str) -> date:
    """An ISO `YYYY-MM-DD` date, nothing looser."""
    value = text.strip()
    if not _DATE.match(value):
        raise PeriodError(f"{option} {text!r} is not a date: use YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PeriodError(f"{option} {text!r} is not a date on the calendar") from None


def period_from_dates(
    *, since: date | None, until: date | None, now: datetime, zone: ZoneInfo | None = None,
    default_days: int = DEFAULT_DAYS,
) -> Period:
    """`--since D --until D`, both days included; without `until` the period ends now and
    without `since` it starts `default_days` before its end."""
    zone = zone or ZoneInfo("UTC")
    end = midnight(until + timedelta(days=1), zone) if until else now.astimezone(UTC)
    start = midnight(since, zone) if since else end - timedelta(days=default_days)
    if start >= end:
        raise PeriodError(f"--since {since} is after --until {until}" if since and until
                          else "the period is empty: --since must be before --until")
    first = start.astimezone(zone).date()
    last = "now" if until is None else str(until)
    return Period(start, end, zone, f"{first} – {last}")


def parse_period(text: str, *, now: datetime, zone: ZoneInfo | None = None) -> Period:
    """`30d` / `12w` (back from now), `2026-Q4`, `2026-11`; empty means the last 90 days."""
    zone = zone or ZoneInfo("UTC")
    value = text.strip().lower() or f"{DEFAULT_DAYS}d"
    now = now.astimezone(UTC)
    if match := _RELATIVE.match(value):
        days = int(match[1]) * (7 if match[2] == "w" else 1)
        if not 1 <= days <= MAX_DAYS:
            raise PeriodError(f"{text.strip()} is out of range: use 1d to {MAX_DAYS}d")
        return Period(now - timedelta(days=days), now, zone, f"last {value}")
    if match := _QUARTER.match(value):
        year, quarter = int(match[1]), int(match[2])
        first = date(year, 3 * quarter - 2, 1)
        return Period(midnight(first, zone), midnight(_add_months(first, 3), zone), zone,
                      f"{year}-Q{quarter}")
    if (match := _MONTH.match(value)) and 1 <= int(match[2]) <= 12:
        first = date(int(match[1]), int(match[2]), 1)
        return Period(midnight(first, zone), midnight(_add_months(first, 1), zone), zone,
                      f"{first:%Y-%m}")
    raise PeriodError(f"I don't understand {text.strip()!r}: give {PERIOD_HELP}.")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def quarter_label(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def months(period: Period) -> list[Bucket]:
    """The calendar months (in the period's zone) the period touches, in order."""
    return _buckets(period, step=1, label=lambda d: f"{d:%Y-%m}")


def quarters(period: Period) -> list[Bucket]:
    return _buckets(period, step=3, label=quarter_label)


def _buckets(period: Period, *, step: int, label) -> list[Bucket]:
    local = period.local(period.start).date()
    first = date(local.year, (local.month - 1) // step * step + 1, 1)
    out = []
    while True:
        begin, finish = midnight(first, period.zone), midnight(_add_months(first, step),
                                                               period.zone)
        if begin >= period.end:
            return out
        start, end = max(begin, period.start), min(finish, period.end)
        out.append(Bucket(label(first), start, end, partial=(start, end) != (begin, finish)))
        first = _add_months(first, step)
