"""`incidentbot report`'s compliance table: regulatory clocks per regulation, started, met,
late, missed, open and stopped, for the incidents the report counts.

A clock's outcome is its deadline's (analytics.deadline_outcome, the same SQL): met =
submitted no later than due, late = after, missed = not submitted and due, open = not due
yet. A clock a later assessment moved counts once, by the deadline that replaced it; one it
stopped counts as stopped (or as missed, when it was missed before it stopped).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from incidents import analytics_query
from incidents.analytics import Outcome
from incidents.models import Deadline, Incident, RegulatoryClock
from incidents.periods import Period
from incidents.regulatory_clocks import REGULATION_NAMES

CLOCK = RegulatoryClock.__table__
DEADLINE = Deadline.__table__
INCIDENT = Incident.__table__


@dataclass
class Clocks:
    started: int = 0
    met: int = 0
    late: int = 0
    missed: int = 0
    open: int = 0
    stopped: int = 0


def tally(rows: list[tuple[str, str | None, str, int]]) -> dict[str, Clocks]:
    """(regulation, ended, outcome, count) rows → figures per regulation, in the order
    the regulations are named."""
    found: dict[str, Clocks] = {}
    for regulation, ended, result, count in rows:
        if ended == "moved":
            continue  # its replacement is the clock that counts
        figures = found.setdefault(regulation, Clocks())
        stopped = result != Outcome.MISSED and (ended == "stopped"
                                                or result == Outcome.CANCELLED)
        bucket = "stopped" if stopped else str(result)
        setattr(figures, bucket, getattr(figures, bucket) + count)
        figures.started += count
    order = list(REGULATION_NAMES)
    return dict(sorted(found.items(), key=lambda kv: (order.index(kv[0])
                                                      if kv[0] in order else len(order))))


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
    return {regulation: asdict(c) for regulation, c in figures.items()}


def text(figures: dict[str, Clocks]) -> str:
    if not figures:
        return "\nRegulatory clocks: none started (no incident was assessed reportable)\n"
    lines = ["", f"{'Regulatory clocks':<30}{'started':>8}{'met':>6}{'late':>6}{'missed':>8}"
                 f"{'open':>6}{'stopped':>9}"]
    for regulation, c in figures.items():
        name = REGULATION_NAMES.get(regulation, regulation)
        lines.append(f"  {name:<28}{c.started:>8}{c.met:>6}{c.late:>6}{c.missed:>8}"
                     f"{c.open:>6}{c.stopped:>9}")
    return "\n".join(lines) + "\n"
