"""Time-driven work (deadline reminders, escalations, monitors) on APScheduler.

Due times live in database rows, never only in the scheduler: a check runs every
`every` seconds, finds rows that fell due, acts, and records that it acted in the same
transaction. A restart therefore loses nothing and repeats nothing; work that fell due
while the bot was down runs at the first check after start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.container import Bot

log = logging.getLogger(__name__)

Check = Callable[[Bot], Awaitable[int]]


def add_check(scheduler: AsyncIOScheduler, bot: Bot, name: str, check: Check,
              every: float = 1.0) -> None:
    async def run() -> None:
        try:
            await check(bot)
        except Exception:  # a failing check must not stop the others or the bot
            log.exception("timer check %s failed", name)

    scheduler.add_job(
        run, "interval", seconds=every, id=name, replace_existing=True,
        max_instances=1, coalesce=True, misfire_grace_time=None,
    )
