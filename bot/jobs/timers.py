"""Time-driven work (deadline reminders, escalations, monitors) on APScheduler.

Due times live in database rows, never only in the scheduler: a check runs every
`every` seconds, finds rows that fell due, acts, and records that it acted in the same
transaction. A restart therefore loses nothing and repeats nothing; work that fell due
while the bot was down runs at the first check after start-up.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import Engine

from bot.container import Runtime

log = logging.getLogger(__name__)

Check = Callable[[Runtime], Awaitable[int]]


# Namespace of the checks' advisory locks (the other key is the check's name, hashed).
LOCK_NAMESPACE = 0x1C1D


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Whether this replica may run check `name` now. On PostgreSQL: a session advisory lock,
    tried, not waited for, held while the check runs, and gone with the connection if the
    process dies. SQLite is the single-process default: always yes."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(name.encode()) - 2**31  # PostgreSQL's int4
    with engine.connect() as connection:
        taken = connection.exec_driver_sql(
            f"SELECT pg_try_advisory_lock({LOCK_NAMESPACE}, {key})").scalar()
        connection.commit()
        try:
            yield bool(taken)
        finally:
            if taken:
                connection.exec_driver_sql(
                    f"SELECT pg_advisory_unlock({LOCK_NAMESPACE}, {key})")
                connection.commit()


def add_check(scheduler: AsyncIOScheduler, runtime: Runtime, name: str, check: Check,
              every: float = 1.0) -> None:
    async def run() -> None:
        try:
            with exclusive(runtime.engine, name) as mine:
                if mine:  # else another replica is doing this check right now
                    await check(runtime)
        except Exception:  # a failing check must not stop the others or the bot
            log.exception("timer check %s failed", name)

    scheduler.add_job(
        run, "interval", seconds=every, id=name, replace_existing=True,
        max_instances=1, coalesce=True, misfire_grace_time=None,
    )
