"""Scheduled drift checks: the catalog's `systems.<key>.monitors`.

A timer check every few seconds runs each monitor whose interval has elapsed: it reads
the system's data in a worker thread, analyses it with the monitor's thresholds, and
turns what it found into alerts through the normal alert path (`ingest_many`, source
"monitor"), so a finding opens or joins an incident and the severity policy decides how
bad it is.

When each monitor last ran is kept in memory, not in a table. A run changes nothing it
need not: a finding still firing is sent with the start time of the alert already stored,
which ingestion drops as a redelivery, and a finding whose incident people have resolved
is sent again only when the data changed (incidents/drift_alerts.py). So the only cost of
forgetting the times in a restart is one early analysis per monitor — no duplicate alert,
message or page. After start-up each monitor first runs once WARM_UP has passed (or its
interval, if shorter): soon enough that a restart after a long outage does not leave a
system unchecked for a whole interval (6h, say), late enough that start-up is not slowed,
a crash loop does not hammer the data sources, and a short sandbox session or test run
is not joined by alerts it did not ask for.

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

from bot.container import Bot
from incidents.alerts import ingest_many
from incidents.catalog_models import DataSources, Monitor, System
from incidents.drift import DriftDataError, DriftReport, DriftSettings
from incidents.drift.sources import SystemData, analyse_sources, display_source, load_sources
from incidents.drift_alerts import SOURCE, MonitorRun, plan_alerts
from incidents.durations import format_duration

log = logging.getLogger(__name__)
CHECK_SECONDS = 5.0
WARM_UP = timedelta(minutes=5)
# Analyses at once: each holds both datasets in memory.
MAX_CONCURRENT = 2


@dataclass
class MonitorState:
    next_due: dict[str, datetime] = field(default_factory=dict)
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_CONCURRENT))


@dataclass(frozen=True)
class Due:
    system_key: str
    system: System
    monitor: Monitor
    monitor_id: str  # "fraud-detector#1"


def install(bot: Bot) -> MonitorState:
    """Add the monitors' timer check to the bot; returns the state it keeps."""
    state = MonitorState()

    async def check(bot: Bot) -> int:
        return await run_due(bot, state)

    bot.timer_checks.append(("monitors", check, CHECK_SECONDS))
    return state


def due_monitors(bot: Bot, state: MonitorState, now: datetime) -> list[Due]:
    """The monitors whose time has come; each is booked for its next interval at once, so
    a failing one waits for that instead of being retried at every check."""
    found = []
    for key, system in bot.catalog.systems.items():
        for number, monitor in enumerate(system.monitors, start=1):
            monitor_id = f"{key}#{number}"
            first = now + min(WARM_UP, monitor.every)
            if now >= state.next_due.setdefault(monitor_id, first):
                state.next_due[monitor_id] = now + monitor.every
                found.append(Due(key, system, monitor, monitor_id))
    return found


async def run_due(bot: Bot, state: MonitorState) -> int:
    """Run every due monitor; returns how many alerts they stored (redeliveries excluded)."""
    due = due_monitors(bot, state, bot.now())
    if not due:
        return 0
    stored = await asyncio.gather(*(run_monitor(bot, item, state.slots) for item in due))
    return sum(stored)


async def run_monitor(bot: Bot, due: Due, slots: asyncio.Semaphore) -> int:
    try:
        base = bot.catalog.source.parent if bot.catalog.source else None
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
        with bot.session() as session:
            now = bot.now()
            alerts = plan_alerts(session, run=run, system=due.system, now=now)
            results = ingest_many(session, alerts=[(alert, SOURCE) for alert in alerts],
                                  now=now, catalog=bot.catalog) if alerts else []
    except DriftDataError as exc:
        bot.metrics.monitor_failures.labels(due.system_key).inc()
        log.warning("drift monitor %s failed: %s", due.monitor_id, exc)
        return 0
    except Exception:
        bot.metrics.monitor_failures.labels(due.system_key).inc()
        log.exception("drift monitor %s failed", due.monitor_id)
        return 0
    for result in results:
        bot.metrics.alerts_received.labels(SOURCE, result.outcome).inc()
        if result.outcome == "opened":
            bot.metrics.incidents_opened.labels(SOURCE).inc()
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
