"""Incident analytics: the definitions behind `incidentbot report` and `/incident stats`.

Pure functions over plain data; `query.py` feeds them from the database: counts and
deadline outcomes aggregated in SQL, and each counted incident's moments as numbers, from
which `response_seconds` computes the response times for all incidents at once. Its tests
check that the SQL parts give what these definitions say.

- Who counts: incidents declared in the period, except declined, merged and drill ones.
- Response times (incidents/response_times.py, shared with the review): detect = impact start
  (recorded by a person, else the earliest firing alert's start) → incident opened (declared,
  or its first alert received), never negative; acknowledge = opened → the first response by
  a person (triage answer, role, page acknowledged, note…); mitigate = opened → the first
  successful mitigation or the status mitigated; resolve = opened → resolved. An incident
  without both ends has no figure (not a zero).
- Mean, median and p90 of each; median and p90 interpolate linearly between ranks (numpy's
  default, Excel PERCENTILE.INC).
- Deadline compliance, from Deadline rows: met = done no later than due; late = done after
  due; missed = not done and due (the timer marks it missed, or has yet to), or cancelled
  after it was missed; open = not due yet, left out of the rate; cancelled before it fell due
  (no longer applied) left out entirely. Rate = met / (met + late + missed).
- Recurring: the same system, root cause category, or both, `RECURRING_AT` times or more (a
  cause seen on one system only is listed once, with its system).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from incidents.analytics.periods import Bucket, Period, months, quarters
from incidents.deadlines.outcome import DeadlineOutcome
from incidents.types import REGULATORY_DEADLINES, DeadlineKind, Severity, Status

TIMES = ("detect", "acknowledge", "mitigate", "resolve")
TIME_LABELS = {"detect": "Time to detect (MTTD)", "acknowledge": "Time to acknowledge (MTTA)",
               "mitigate": "Time to mitigate (MTTM)", "resolve": "Time to resolve (MTTR)"}
COUNTED_STATUSES = (Status.TRIAGE, Status.INVESTIGATING, Status.MITIGATED, Status.RESOLVED,
                    Status.CLOSED)
EXCLUDED_STATUSES = (Status.DECLINED, Status.MERGED)
RECURRING_AT = 3


# ---------------------------------------------------------------- per-incident definitions


def excluded_reason(*, status: str, is_drill: bool) -> str | None:
    """Why an incident stays out of the figures, or None when it counts. A drill is a drill
    whatever became of it."""
    if is_drill:
        return "drill"
    return str(status) if status in EXCLUDED_STATUSES else None


@dataclass(frozen=True)
class Compliance:
    met: int = 0
    late: int = 0
    missed: int = 0
    open: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.late + self.missed

    @property
    def rate(self) -> float | None:
        return self.met / self.decided if self.decided else None

    def __add__(self, other: Compliance) -> Compliance:
        return Compliance(self.met + other.met, self.late + other.late,
                          self.missed + other.missed, self.open + other.open)


def compliance(outcomes: Iterable[tuple[DeadlineOutcome | str, int]]) -> Compliance:
    counts: Counter[str] = Counter()
    for outcome, count in outcomes:
        counts[str(outcome)] += count
    return Compliance(counts[DeadlineOutcome.MET], counts[DeadlineOutcome.LATE],
                      counts[DeadlineOutcome.MISSED], counts[DeadlineOutcome.OPEN])


# ---------------------------------------------------------------- summary statistics


@dataclass(frozen=True)
class Stat:
    """One response time over the incidents that have it, in seconds. The mean is the "M" of
    MTTD/MTTR; the median and p90 are what to read, as one slow incident moves the mean."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None


def stat(values: Sequence[float] | np.ndarray) -> Stat:
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if not array.size:
        return Stat(0, None, None, None)
    median, p90 = np.percentile(array, [50, 90])
    return Stat(int(array.size), round(float(array.mean()), 3), round(float(median), 3),
                round(float(p90), 3))


# ---------------------------------------------------------------- the report


class CubeRow(NamedTuple):
    """Incidents of the period counted by everything the report breaks them down by."""

    severity: int
    status: str
    client: str | None
    system: str
    root_cause: str | None
    is_drill: bool
    count: int


# Columns of the per-incident array handed to `summarize`: the severity, then moments as
# seconds since the epoch (NaN when not recorded). DETECT_START is the impact start, else
# the first alert's start (response_times.detection_start).
SEVERITY, OPENED, DETECT_START, ACKNOWLEDGED, MITIGATED, RESOLVED = range(6)
INCIDENT_COLUMNS = 6


def response_seconds(moments: np.ndarray) -> np.ndarray:
    """TIMES for each incident row, in seconds (NaN when unknown): what
    response_times.response_times gives for one incident (the tests hold them together),
    for a hundred thousand at once."""
    moments = np.asarray(moments, dtype=float).reshape(-1, INCIDENT_COLUMNS)
    opened = moments[:, OPENED]
    detect = opened - moments[:, DETECT_START]
    # An alert that started after someone declared the incident: a person was first.
    detect = np.where(detect < 0, 0.0, detect)
    spans = [detect] + [moments[:, column] - opened
                        for column in (ACKNOWLEDGED, MITIGATED, RESOLVED)]
    # Millisecond precision: what SQLite keeps, and more than a report needs.
    return np.round(np.column_stack(spans), 3)


class DeadlineRow(NamedTuple):
    kind: str
    outcome: str
    quarter: int  # index into periods.quarters(period), by the incident's declaration
    count: int


@dataclass(frozen=True)
class FollowUps:
    total: int = 0
    done: int = 0
    open: int = 0
    overdue: int = 0  # open with a due date that has passed


@dataclass(frozen=True)
class Pattern:
    system: str | None
    root_cause: str | None
    count: int


@dataclass(frozen=True)
class Slice:
    """A month or quarter of the period."""

    bucket: Bucket
    incidents: int
    by_severity: dict[int, int]
    times: dict[str, Stat]
    compliance: Compliance | None  # quarters only


@dataclass(frozen=True)
class Change:
    """A quarter against the one before it."""

    incidents: int
    incidents_pct: float | None
    median_resolve: float | None  # seconds; negative is faster
    compliance_points: float | None  # percentage points


@dataclass(frozen=True)
class Report:
    period: Period
    generated_at: datetime
    filters: dict[str, str | None]
    incidents: int
    excluded: dict[str, int]
    by_severity: dict[int, int]
    by_status: dict[str, int]
    by_client: list[tuple[str | None, int]]
    by_system: list[tuple[str, int]]
    by_root_cause: list[tuple[str | None, int]]
    times: dict[str, Stat]
    deadlines: dict[str, Compliance]
    follow_ups: FollowUps
    patterns: list[Pattern]
    months: list[Slice]
    quarters: list[Slice]
    changes: list[Change | None] = field(default_factory=list)  # one per quarter
    recurring_at: int = RECURRING_AT

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())

    @property
    def deadlines_total(self) -> Compliance:
        return sum(self.deadlines.values(), Compliance())

    @property
    def spans_quarters(self) -> bool:
        return len(self.quarters) > 1


def _ranked(counter: Counter) -> list[tuple]:
    # Most frequent first; ties by key, with "not recorded" (None) last.
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))


def recurring(rows: Iterable[CubeRow], *, at_least: int = RECURRING_AT) -> list[Pattern]:
    systems: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for row in rows:
        systems[row.system] += row.count
        if row.root_cause:
            causes[row.root_cause] += row.count
            pairs[(row.system, row.root_cause)] += row.count
    found = [Pattern(s, None, n) for s, n in systems.items() if n >= at_least]
    found += [Pattern(s, c, n) for (s, c), n in pairs.items() if n >= at_least]
    # A cause seen on one system only is said by its (system, cause) pattern already.
    on_one_system = {p.root_cause for p in found
                     if p.root_cause and p.count == causes[p.root_cause]}
    found += [Pattern(None, c, n) for c, n in causes.items()
              if n >= at_least and c not in on_one_system]
    return sorted(found, key=lambda p: (-p.count, p.system is None, p.system or "",
                                        p.root_cause or ""))


def _times(spans: np.ndarray) -> dict[str, Stat]:
    return {name: stat(spans[:, i]) for i, name in enumerate(TIMES)}


def _slice(bucket: Bucket, rows: np.ndarray, spans: np.ndarray,
           deadlines: Compliance | None) -> Slice:
    severities = rows[:, SEVERITY].astype(int)
    return Slice(
        bucket=bucket,
        incidents=len(rows),
        by_severity={int(s): int(np.count_nonzero(severities == s)) for s in Severity},
        times=_times(spans),
        compliance=deadlines,
    )


def bucket_of(opened: np.ndarray, buckets: Sequence[Bucket]) -> np.ndarray:
    """The bucket each moment (epoch seconds) falls in; the moments lie inside the period."""
    bounds = np.array([b.start.timestamp() for b in buckets[1:]], dtype=float)
    return np.searchsorted(bounds, opened, side="right")


def _change(before: Slice, after: Slice) -> Change:
    delta = after.incidents - before.incidents
    pct = round(100 * delta / before.incidents, 1) if before.incidents else None
    b, a = before.times["resolve"].median, after.times["resolve"].median
    rb = before.compliance.rate if before.compliance else None
    ra = after.compliance.rate if after.compliance else None
    return Change(
        incidents=delta,
        incidents_pct=pct,
        median_resolve=round(a - b, 3) if a is not None and b is not None else None,
        compliance_points=round(100 * (ra - rb), 1) if ra is not None and rb is not None
        else None,
    )


def summarize(
    *,
    period: Period,
    now: datetime,
    cube: Iterable[CubeRow],
    incidents: np.ndarray,
    deadlines: Iterable[DeadlineRow],
    follow_ups: FollowUps,
    filters: dict[str, str | None] | None = None,
    recurring_at: int = RECURRING_AT,
) -> Report:
    """The report. `cube`: every incident declared in the period (excluded ones too), counted
    by breakdown; `incidents`: one row per counted incident (see INCIDENT_COLUMNS);
    `deadlines`: the counted incidents' deadline outcomes by kind and quarter."""
    excluded: Counter[str] = Counter()
    counted = []
    for row in cube:
        reason = excluded_reason(status=row.status, is_drill=row.is_drill)
        if reason:
            excluded[reason] += row.count
        else:
            counted.append(row)
    tallies: dict[str, Counter] = {name: Counter() for name in
                                   ("severity", "status", "client", "system", "root_cause")}
    for row in counted:
        for name, tally in tallies.items():
            tally[getattr(row, name)] += row.count

    rows = np.asarray(incidents, dtype=float).reshape(-1, INCIDENT_COLUMNS)
    spans = response_seconds(rows)
    # Regulatory clocks have their own table (incidents/regulatory/compliance.py).
    deadlines = [d for d in deadlines if d.outcome != DeadlineOutcome.CANCELLED
                 and d.kind not in REGULATORY_DEADLINES]
    month_buckets, quarter_buckets = months(period), quarters(period)
    in_month = bucket_of(rows[:, OPENED], month_buckets)
    in_quarter = bucket_of(rows[:, OPENED], quarter_buckets)
    month_slices = [_slice(b, rows[in_month == i], spans[in_month == i], None)
                    for i, b in enumerate(month_buckets)]
    quarter_slices = [
        _slice(b, rows[in_quarter == i], spans[in_quarter == i],
               compliance((d.outcome, d.count) for d in deadlines if d.quarter == i))
        for i, b in enumerate(quarter_buckets)
    ]
    changes: list[Change | None] = [None] + [
        _change(a, b) for a, b in pairwise(quarter_slices)]
    return Report(
        period=period,
        generated_at=now,
        filters=dict(filters or {}),
        incidents=sum(r.count for r in counted),
        excluded={reason: excluded[reason] for reason in ("declined", "merged", "drill")},
        by_severity={int(s): tallies["severity"][int(s)] for s in Severity},
        by_status={str(s): tallies["status"][str(s)] for s in COUNTED_STATUSES},
        by_client=_ranked(tallies["client"]),
        by_system=_ranked(tallies["system"]),
        by_root_cause=_ranked(tallies["root_cause"]),
        times=_times(spans),
        deadlines={str(kind): compliance((d.outcome, d.count) for d in deadlines
                                         if d.kind == kind) for kind in DeadlineKind
                   if kind not in REGULATORY_DEADLINES},
        follow_ups=follow_ups,
        patterns=recurring(counted, at_least=recurring_at),
        months=month_slices,
        quarters=quarter_slices,
        changes=changes,
        recurring_at=recurring_at,
    )
