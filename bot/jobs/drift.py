"""Scheduled drift checks: the catalog's `systems.<key>.monitors`.

A timer check every few seconds runs each monitor whose interval has elapsed: it reads
the system's data in a worker thread, analyses it with the monitor's thresholds, and
turns what it found into alerts through the normal alert path (`ingest_many`, source
"monitor"), so a finding opens or joins an incident and the severity policy decides how
bad it is.

When each monitor runs next is kept in the database (`monitor_schedule`), booked before the
run, so with several replicas each monitor runs once per interval. A run changes nothing it
need not: a finding still firing is sent with the start time of the alert already stored,
which ingestion drops as a redelivery, and a finding whose incident people have finished
is sent again only when the data changed (incidents/drift/monitor.py). A monitor first runs
once WARM_UP has passed after the bot first saw it (or its interval, if shorter): late
enough that start-up is not slowed and a short sandbox session or test run is not joined
by alerts it did not ask for; a restart keeps the booked times, so a crash loop neither
hammers the data sources nor leaves a system unchecked.

A failing monitor (a missing file, a bad query, anything else) is logged and counted on
/metrics as `incidentbot_monitor_failures_total{system=…}`; it never stops the other
monitors or the bot, and it is tried again at its next interval, not at every check.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col, select

from bot.container import Runtime
from incidents.alerts.ingest import ingest_many
from incidents.catalog.durations import format_duration
from incidents.catalog.models import DataSources, Monitor, System
from incidents.drift import DriftDataError, DriftReport, DriftSettings
from incidents.drift.models import MonitorSchedule
from incidents.drift.monitor import SOURCE, MonitorRun, plan_alerts
from incidents.drift.sources import SystemData, analyse_sources, display_source, load_sources

log = logging.getLogger(__name__)
CHECK_SECONDS = 5.0
WARM_UP = timedelta(minutes=5)
# Analyses at once: each holds both datasets in memory.
MAX_CONCURRENT = 2


@dataclass
class MonitorState:
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_CONCURRENT))


@dataclass(frozen=True)
class Due:
    system_key: str
    system: System
    monitor: Monitor
    monitor_id: str  # "fraud-detector#1"


def install(runtime: Runtime) -> MonitorState:
    """Add the monitors' timer check to the bot; returns the state it keeps."""
    state = MonitorState()

    async def check(runtime: Runtime) -> int:
        return await run_due(runtime, state)

    runtime.timer_checks.append(("monitors", check, CHECK_SECONDS))
    return state


def due_monitors(runtime: Runtime, now: datetime) -> list[Due]:
    """The monitors whose time has come; each is booked for its next interval at once, in
    the database and before it runs, so a failing one waits for that instead of being
    retried at every check, and no other replica runs it for the same interval (the check
    runs under its lock, bot/jobs/__init__.py; the booking is a compare-and-set besides)."""
    wanted = {f"{key}#{number}": (key, system, monitor)
              for key, system in runtime.catalog.systems.items()
              for number, monitor in enumerate(system.monitors, start=1)}
    if not wanted:
        return []
    found = []
    with runtime.session() as session:
        booked = dict(session.exec(
            select(MonitorSchedule.monitor_id, MonitorSchedule.next_due)
            .where(col(MonitorSchedule.monitor_id).in_(list(wanted)))).all())
        for monitor_id, (key, system, monitor) in wanted.items():
            next_due = booked.get(monitor_id)
            if next_due is None:
                session.add(MonitorSchedule(monitor_id=monitor_id,
                                            next_due=now + min(WARM_UP, monitor.every)))
            elif now >= next_due:
                table = MonitorSchedule.__table__
                moved = session.connection().execute(
                    sa.update(table)
                    .where(table.c.monitor_id == monitor_id, table.c.next_due == next_due)
                    .values(next_due=now + monitor.every)).rowcount
                if moved == 1:
                    found.append(Due(key, system, monitor, monitor_id))
    return found


async def run_due(runtime: Runtime, state: MonitorState) -> int:
    """Run every due monitor; returns how many alerts they stored (redeliveries excluded)."""
    due = due_monitors(runtime, runtime.now())
    if not due:
        return 0
    stored = await asyncio.gather(*(run_monitor(runtime, item, state.slots) for item in due))
    return sum(stored)


async def run_monitor(runtime: Runtime, due: Due, slots: asyncio.Semaphore) -> int:
    try:
        base = runtime.catalog.source.parent if runtime.catalog.source else None
        async with slots:
            loaded, report = await asyncio.to_thread(_analyse, due.system.data, due.monitor,
                                                     base)
        if report is None:
            log.info("drift monitor %s skipped: %d current rows, fewer than min_rows %d",
                     due.monitor_id, loaded.current.rows, due.monitor.min_rows)
            return 0
        run = MonitorRun(
            system=due.system_key,
            monitor=due.monitor_id,
            report=report,
            reference=display_source(loaded.reference.source, base),
            current=display_source(loaded.current.source, base),
            every=format_duration(due.monitor.every),
            data_modified_at=loaded.modified_at,
        )
        with runtime.session() as session:
            now = runtime.now()
            alerts = plan_alerts(session, run=run, system=due.system, now=now,
                                 catalog=runtime.catalog)
            results = ingest_many(session, alerts=[(alert, SOURCE) for alert in alerts],
                                  now=now, catalog=runtime.catalog) if alerts else []
    except DriftDataError as exc:
        runtime.metrics.monitor_failures.labels(due.system_key).inc()
        log.warning("drift monitor %s failed: %s", due.monitor_id, exc)
        return 0
    except Exception:
        runtime.metrics.monitor_failures.labels(due.system_key).inc()
        log.exception("drift monitor %s failed", due.monitor_id)
        return 0
    for result in results:
        runtime.metrics.alerts_received.labels(SOURCE, result.outcome).inc()
        if result.outcome == "opened":
            runtime.metrics.incidents_opened.labels(SOURCE).inc()
    stored = [r for r in results if r.outcome != "duplicate"]
    if stored:
        log.info("drift monitor %s stored %d alerts (%s)", due.monitor_id, len(stored),
                 ", ".join(sorted({r.outcome for r in stored})))
    return len(stored)


def monitor_settings(monitor: Monitor) -> DriftSettings:
    """The analysis as the monitor asks for it: its PSI line for a drifted feature, its
    significance level, and its row minimum for a verdict."""
    return DriftSettings(psi_threshold=monitor.psi_threshold, alpha=monitor.alpha,
                         min_rows=monitor.min_rows)


def _analyse(data: DataSources | None, monitor: Monitor,
             base: Path | None) -> tuple[SystemData, DriftReport | None]:
    if data is None:  # the catalog refuses monitors without data; built in code, it may not
        raise DriftDataError("the system has monitors but no data sources")
    loaded = load_sources(data, base=base)
    if loaded.current.rows < monitor.min_rows:
        return loaded, None
    return loaded, analyse_sources(data, loaded, settings=monitor_settings(monitor), base=base)
