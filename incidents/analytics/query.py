"""The analytics definitions (incidents/analytics/metrics.py) fed from the database.

The report reads three small results whatever the number of incidents (counts grouped by
everything it breaks incidents down by, deadline outcomes grouped by kind and quarter,
follow-up totals) and six numbers per counted incident (severity and moments as epoch
seconds), from which analytics computes the response times. The CSV log reads the same
numbers per incident, with the text columns, and computes its times the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any, TextIO

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from incidents.analytics import metrics as analytics
from incidents.analytics import report_format
from incidents.analytics.metrics import CubeRow, DeadlineRow, FollowUps, Report
from incidents.analytics.periods import Period, quarters
from incidents.deadlines.outcome import DeadlineOutcome
from incidents.models import Alert, Deadline, Incident, UTCDateTime
from incidents.review.models import FollowUp
from incidents.types import AlertStatus, DeadlineState

INCIDENT = Incident.__table__
ALERT = Alert.__table__
DEADLINE = Deadline.__table__
FOLLOW_UP = FollowUp.__table__


class epoch_seconds(FunctionElement):
    """A timestamp as seconds since 1970-01-01 UTC (NULL stays NULL), in the database's own
    dialect: numbers are cheap to hand over, and the arithmetic is done in numpy."""

    type = sa.Float()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds)
def _epoch_default(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS FLOAT)"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # julianday keeps milliseconds; 2440587.5 is the Julian day of the Unix epoch.
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds, "mysql")
@compiles(epoch_seconds, "mariadb")
def _epoch_mysql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # Not UNIX_TIMESTAMP: it reads the stored (UTC) value in the session's time zone.
    return (f"(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', "
            f"{compiler.process(element.clauses, **kw)}) / 1000000.0)")


def bucket_index(column: ColumnElement, bounds: Sequence[datetime], offset: int = 0) -> Any:
    """How many of the sorted `bounds` are at or before `column`: a balanced tree of CASEs,
    so a row costs log2(len(bounds)) comparisons and any database can evaluate it."""
    if not bounds:
        return sa.literal(offset, sa.Integer)
    mid = len(bounds) // 2
    return sa.case(
        (column < bounds[mid], bucket_index(column, bounds[:mid], offset)),
        else_=bucket_index(column, bounds[mid + 1:], offset + mid + 1),
    )


def quarter_index(period: Period) -> Any:
    return bucket_index(INCIDENT.c.created_at, [q.start for q in quarters(period)[1:]])


def in_period(period: Period, *, client: str | None, system: str | None) -> list[Any]:
    where = [INCIDENT.c.created_at >= period.start, INCIDENT.c.created_at < period.end]
    if client:
        where.append(INCIDENT.c.client == client)
    if system:
        where.append(INCIDENT.c.system == system)
    return where


def counted() -> list[Any]:
    """SQL for analytics.excluded_reason(...) is None."""
    excluded = [str(s) for s in analytics.EXCLUDED_STATUSES]
    return [INCIDENT.c.status.not_in(excluded), INCIDENT.c.is_drill == sa.false()]


def first_alert_start() -> Any:
    return sa.type_coerce(
        sa.select(sa.func.min(ALERT.c.starts_at))
        .where(ALERT.c.incident_id == INCIDENT.c.id, ALERT.c.status == AlertStatus.FIRING)
        .scalar_subquery(),
        UTCDateTime,
    )


def detection_start() -> Any:
    """SQL for response_times.detection_start. COALESCE stops at the first non-NULL value, so
    the alert lookup runs only for incidents without a recorded impact start."""
    return sa.func.coalesce(INCIDENT.c.impact_started_at, first_alert_start())


def moments() -> list[Any]:
    """The per-incident columns of analytics.INCIDENT_COLUMNS, in order."""
    i = INCIDENT.c
    return [i.severity, *(epoch_seconds(c) for c in (
        i.created_at, detection_start(), i.acknowledged_at, i.mitigated_at, i.resolved_at))]


def outcome(now: datetime) -> Any:
    """SQL for incidents.deadlines.outcome.deadline_outcome."""
    d = DEADLINE.c
    escalated = d.escalated == sa.true()
    return sa.case(
        (d.state == DeadlineState.CANCELLED,
         sa.case((escalated, DeadlineOutcome.MISSED.value),
                 else_=DeadlineOutcome.CANCELLED.value)),
        (d.state == DeadlineState.DONE,
         sa.case((sa.or_(escalated, sa.and_(d.completed_at.is_not(None),
                                            d.completed_at > d.due_at)),
                  DeadlineOutcome.LATE.value), else_=DeadlineOutcome.MET.value)),
        (sa.or_(d.state == DeadlineState.MISSED, d.due_at <= now),
         DeadlineOutcome.MISSED.value),
        else_=DeadlineOutcome.OPEN.value,
    )


def _grouped(inner: sa.Subquery, *columns: str) -> sa.Select:
    # Grouping a subquery's plain columns: the same SQL on every dialect, bound values or not.
    keys = [inner.c[name] for name in columns]
    return sa.select(*keys, sa.func.count()).group_by(*keys)


def cube(conn: Connection, *, period: Period, client: str | None = None,
         system: str | None = None) -> list[CubeRow]:
    i = INCIDENT.c
    keys = [i.severity, i.status, i.client, i.system, i.root_cause_category, i.is_drill]
    query = (sa.select(*keys, sa.func.count())
             .where(*in_period(period, client=client, system=system)).group_by(*keys))
    return [CubeRow(int(s), st, c, sy, rc, bool(d), int(n))
            for s, st, c, sy, rc, d, n in conn.execute(query)]


def incident_moments(conn: Connection, *, period: Period, client: str | None = None,
                     system: str | None = None) -> np.ndarray:
    query = sa.select(*moments()).where(*in_period(period, client=client, system=system),
                                        *counted())
    result = conn.execute(query)
    try:
        # Numbers only, one row per incident: read the DBAPI cursor's plain tuples straight
        # into numpy, without building a Row object per incident (half the time of it all).
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return np.array(rows, dtype=float).reshape(-1, analytics.INCIDENT_COLUMNS)


def deadline_outcomes(conn: Connection, *, period: Period, now: datetime,
                      client: str | None = None, system: str | None = None
                      ) -> list[DeadlineRow]:
    inner = (
        sa.select(DEADLINE.c.kind, outcome(now).label("outcome"),
                  quarter_index(period).label("quarter"))
        .select_from(DEADLINE.join(INCIDENT, DEADLINE.c.incident_id == INCIDENT.c.id))
        .where(*in_period(period, client=client, system=system), *counted())
        .subquery()
    )
    rows = conn.execute(_grouped(inner, "kind", "outcome", "quarter"))
    return [DeadlineRow(kind, result, int(quarter), int(n)) for kind, result, quarter, n in rows]


def follow_ups(conn: Connection, *, period: Period, now: datetime, client: str | None = None,
               system: str | None = None) -> FollowUps:
    f = FOLLOW_UP.c
    is_open = f.done == sa.false()
    query = (
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((is_open, 0), else_=1)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((sa.and_(is_open, f.due_at < now), 1),
                                                 else_=0)), 0),
        )
        .select_from(FOLLOW_UP.join(INCIDENT, f.incident_id == INCIDENT.c.id))
        .where(*in_period(period, client=client, system=system), *counted())
    )
    total, done, overdue = conn.execute(query).one()
    return FollowUps(total=int(total), done=int(done), open=int(total) - int(done),
                     overdue=int(overdue))


def _shares_connections(engine: Engine) -> bool:
    """An in-memory SQLite database exists once per connection: its queries must share one."""
    url = engine.url
    return url.get_backend_name() == "sqlite" and (
        url.database in (None, "", ":memory:") or "mode=memory" in str(url))


def report(
    engine: Engine, *, period: Period, now: datetime, client: str | None = None,
    system: str | None = None, recurring_at: int = analytics.RECURRING_AT,
) -> Report:
    scope = {"period": period, "client": client, "system": system}
    parts: dict[str, Callable[[Connection], Any]] = {
        "cube": partial(cube, **scope),
        "incidents": partial(incident_moments, **scope),
        "deadlines": partial(deadline_outcomes, now=now, **scope),
        "follow_ups": partial(follow_ups, now=now, **scope),
    }
    if _shares_connections(engine):
        with engine.connect() as conn:
            found = {name: part(conn) for name, part in parts.items()}
    else:
        # The four queries are independent and the database does the work (drivers let go
        # of the GIL meanwhile): run them side by side, one connection each.
        def run(part: Callable[[Connection], Any]) -> Any:
            with engine.connect() as conn:
                return part(conn)

        with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="report") as pool:
            futures = {name: pool.submit(run, part) for name, part in parts.items()}
            found = {name: future.result() for name, future in futures.items()}
    return analytics.summarize(period=period, now=now, filters={"client": client,
                               "system": system}, recurring_at=recurring_at, **found)


# ---------------------------------------------------------------- the incident log (CSV)


def _per_incident(period: Period, now: datetime, client: str | None,
                  system: str | None) -> tuple[sa.Subquery, sa.Subquery]:
    scope = [*in_period(period, client=client, system=system), *counted()]
    result = outcome(now)

    def tally(value: DeadlineOutcome) -> Any:
        return sa.func.sum(sa.case((result == value.value, 1), else_=0)).label(value.value)

    deadlines = (
        sa.select(DEADLINE.c.incident_id, tally(DeadlineOutcome.MET),
                  tally(DeadlineOutcome.LATE), tally(DeadlineOutcome.MISSED))
        .select_from(DEADLINE.join(INCIDENT, DEADLINE.c.incident_id == INCIDENT.c.id))
        .where(*scope).group_by(DEADLINE.c.incident_id).subquery()
    )
    followups = (
        sa.select(FOLLOW_UP.c.incident_id, sa.func.count().label("open"))
        .select_from(FOLLOW_UP.join(INCIDENT, FOLLOW_UP.c.incident_id == INCIDENT.c.id))
        .where(*scope, FOLLOW_UP.c.done == sa.false())
        .group_by(FOLLOW_UP.c.incident_id).subquery()
    )
    return deadlines, followups


def write_log(
    engine: Engine, *, period: Period, out: TextIO, now: datetime | None = None,
    client: str | None = None, system: str | None = None, batch: int = 5000,
) -> int:
    """The period's incident log, one CSV row per counted incident; returns the row count.
    Moments come as epoch seconds, as for the report, and the times are computed by the same
    `analytics.response_seconds`: the log and the report cannot disagree."""
    now = now or period.end
    i = INCIDENT.c
    deadlines, followups = _per_incident(period, now, client, system)
    query = (
        sa.select(
            i.id, i.title, i.severity, i.status, i.client, i.system, i.root_cause_category,
            i.root_cause, i.business_impact, i.resolution_summary, i.channel_name,
            *(epoch_seconds(c) for c in (i.created_at, i.impact_started_at, first_alert_start(),
                                         i.acknowledged_at, i.mitigated_at, i.resolved_at,
                                         i.closed_at)),
            sa.func.coalesce(deadlines.c.met, 0), sa.func.coalesce(deadlines.c.late, 0),
            sa.func.coalesce(deadlines.c.missed, 0), sa.func.coalesce(followups.c.open, 0),
        )
        .select_from(INCIDENT.outerjoin(deadlines, deadlines.c.incident_id == i.id)
                     .outerjoin(followups, followups.c.incident_id == i.id))
        .where(*in_period(period, client=client, system=system), *counted())
        .order_by(i.created_at, i.id)
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(report_format.LOG_COLUMNS)
    written = 0
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=batch).execute(query)
        for part in result.partitions():
            rows = [tuple(row) for row in part]
            moments = np.array([r[11:18] for r in rows], dtype=float).reshape(-1, 7)
            detect_start = np.where(np.isnan(moments[:, 1]), moments[:, 2], moments[:, 1])
            spans = analytics.response_seconds(np.column_stack([
                [r[2] for r in rows], moments[:, 0], detect_start, moments[:, 3:6]]))
            stamps = report_format.epoch_iso(moments)
            writer.writerows(report_format.log_row(row, stamp, span) for row, stamp, span
                             in zip(rows, stamps, spans.tolist(), strict=True))
            written += len(rows)
    return written
