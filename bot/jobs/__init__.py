"""Every periodic check the bot runs, in one list: what runs, how often, and from where.

Each check finds rows that fell due in the database, acts, and records that it acted in the
same transaction (bot/jobs/timers.py). With several replicas on one PostgreSQL database each check
runs under an advisory lock of its own, so one replica at a time does a given check and the
next one sees what it recorded: a due reminder, page, handoff, inject or monitor run happens
once, and when a replica dies its lock goes with its connection and another takes over at
its next tick. There is no leader whose death stops anything."""

from __future__ import annotations

from bot.container import Runtime
from bot.jobs import deadlines as reminders
from bot.jobs import drift as monitors
from bot.jobs import drills
from bot.jobs import oncall as paging


def install(runtime: Runtime) -> None:
    """Put every check on `runtime.timer_checks`; create_app hands them to the scheduler."""
    runtime.timer_checks.extend([
        ("deadlines", reminders.check, reminders.CHECK_SECONDS),
        ("escalation", paging.check_escalations, paging.ESCALATION_CHECK_SECONDS),
        ("handoffs", paging.check_handoffs, paging.HANDOFF_CHECK_SECONDS),
        ("drills", drills.check, drills.CHECK_SECONDS),
    ])
    monitors.install(runtime)
