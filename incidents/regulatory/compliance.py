"""`incidentbot report`'s compliance table: regulatory clocks per regulation, started, met,
late, missed, open and stopped, for the incidents the report counts.

A clock's outcome is its deadline's (incidents/deadlines/outcome.py, and its SQL twin in
incidents/analytics/query.py): met = submitted no later than due, late = after, missed = not
submitted and due, open = not due yet. A clock a later assessment moved counts once, by the
deadline that replaced it; one it stopped counts as stopped (or as missed, when it was missed
before it stopped).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from incidents.analytics import query as analytics_query
from incidents.analytics.periods import Period
from incidents.deadlines.outcome import DeadlineOutcome
from incidents.models import Deadline, Incident
from incidents.regulatory.clocks import REGULATION_NAMES
from incidents.regulatory.models import RegulatoryClock

CLOCK = RegulatoryClock.__table__
DEADLINE = Deadline.__table__
INCIDENT = Incident.__table__


# The columns of the table, in order; "started" is the sum of the others.
COLUMNS = ("started", "met", "late", "missed", "open", "stopped")
Clocks = dict[str, int]  # column -> count


def tally(rows: list[tuple[str, str | None, str, int]]) -> dict[str, Clocks]:
    """(regulation, ended, outcome, count) rows → figures per regulation, in the order
    the regulations are named."""
    found: dict[str, Counter[str]] = {}
    for regulation, ended, result, count in rows:
        if ended == "moved":
            continue  # its replacement is the clock that counts
        stopped = result != DeadlineOutcome.MISSED and (ended == "stopped"
                                                or result == DeadlineOutcome.CANCELLED)
        figures = found.setdefault(regulation, Counter())
        figures["stopped" if stopped else str(result)] += count
        figures["started"] += count
    order = [r for r in REGULATION_NAMES if r in found] + sorted(set(found) - set(REGULATION_NAMES))
    return {r: {column: found[r][column] for column in COLUMNS} for r in order}


def compliance(engine: Engine, *, period: Period, now: datetime, client: str | None = None,
               system: str | None = None) -> dict[str, Clocks]:
    inner = (
        sa.select(CLOCK.c.regulation, CLOCK.c.ended,
                  analytics_query.outcome(now).label("outcome"))
        .select_from(CLOCK.join(DEADLINE, CLOCK.c.deadline_id == DEADLINE.c.id)
                     .join(INCIDENT, CLOCK.c.incident_id == INCIDENT.c.id))
        .where(*analytics_query.in_period(period, client=client, system=system),
               *analytics_query.counted())
        .subquery()
    )
    query = sa.select(inner.c.regulation, inner.c.ended, inner.c.outcome, sa.func.count()) \
        .group_by(inner.c.regulation, inner.c.ended, inner.c.outcome)
    with engine.connect() as conn:
        rows = [(r, e, o, int(n)) for r, e, o, n in conn.execute(query)]
    return tally(rows)


def as_json(figures: dict[str, Clocks]) -> dict[str, Any]:
    return {regulation: dict(c) for regulation, c in figures.items()}


def text(figures: dict[str, Clocks]) -> str:
    if not figures:
        return "\nRegulatory clocks: none started (no incident was assessed reportable)\n"
    lines = ["", f"{'Regulatory clocks':<30}" + "".join(f"{c:>9}" for c in COLUMNS)]
    for regulation, c in figures.items():
        name = REGULATION_NAMES.get(regulation, regulation)
        lines.append(f"  {name:<28}" + "".join(f"{c[column]:>9}" for column in COLUMNS))
    return "\n".join(lines) + "\n"
