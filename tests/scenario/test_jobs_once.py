"""Periodic checks with several replicas on one database: each due moment is acted on once,
whichever replica gets there, and a replica holding a check keeps the others out of it."""

from datetime import timedelta

import pytest

from bot import jobs
from bot.jobs import drift as monitors
from bot.jobs import timers
from bot.sandbox.stack import start_stack
from incidents.drift.models import MonitorSchedule
from tests.databases import on_postgres


@pytest.fixture
def monitored(catalog):
    """The example catalog's monitors are switched off for scenario tests; one is back."""
    key, system = next((k, s) for k, s in catalog.systems.items() if s.data is not None)
    monitor = {"every": timedelta(minutes=10), "min_rows": 1}
    from incidents.catalog.models import Monitor

    systems = {**catalog.systems,
               key: system.model_copy(update={"monitors": [Monitor.model_validate(monitor)]})}
    return catalog.model_copy(update={"systems": systems}), f"{key}#1"


async def test_two_replicas_book_each_monitor_run_once(settings, monitored):
    catalog, monitor_id = monitored
    first = await start_stack(settings, catalog)
    second = await start_stack(settings, catalog, workspace=first.workspace)
    try:
        now = first.bot.now()
        assert monitors.due_monitors(first.bot, now) == []  # seen: booked after the warm-up
        assert monitors.due_monitors(second.bot, now) == []
        later = now + monitors.WARM_UP + timedelta(seconds=1)
        got = monitors.due_monitors(first.bot, later) + monitors.due_monitors(second.bot, later)
        assert [due.monitor_id for due in got] == [monitor_id]
        with first.bot.session() as session:
            row = session.get(MonitorSchedule, monitor_id)
        assert row.next_due == later + timedelta(minutes=10)
        # A restart keeps the booking: nothing runs again before the interval is over.
        third = await start_stack(settings, catalog, workspace=first.workspace)
        try:
            assert monitors.due_monitors(third.bot, later + timedelta(minutes=5)) == []
        finally:
            await third.close()
    finally:
        await second.close()
        await first.close()


async def test_every_check_is_registered_in_one_place(harness):
    names = [name for name, _check, _every in harness.bot.timer_checks]
    assert {"deadlines", "escalation", "handoffs", "drills", "monitors"} <= set(names)
    assert len(names) == len(set(names))
    assert jobs.install.__module__ == "bot.jobs"


@pytest.mark.skipif(not on_postgres(), reason="PostgreSQL pass only: advisory locks")
async def test_a_check_held_by_one_replica_is_skipped_by_another(harness):
    with timers.exclusive(harness.bot.engine, "deadlines") as mine:
        assert mine
        with timers.exclusive(harness.bot.engine, "deadlines") as other:
            assert not other
        with timers.exclusive(harness.bot.engine, "escalation") as unrelated:
            assert unrelated
    with timers.exclusive(harness.bot.engine, "deadlines") as again:
        assert again  # released when the holder finished
