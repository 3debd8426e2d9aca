"""Group commit for alerts: requests that arrive together share one transaction.

Each request still gets its answer only after its alerts are committed; under a storm the
batches grow by themselves (requests queue while a batch is written), so the cost of a
commit is shared by many alerts instead of paid by each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.container import Bot
from incidents.alerts import AlertIn, Ingested, ingest_many

log = logging.getLogger(__name__)
MAX_BATCH = 500

Submission = tuple[list[tuple[AlertIn, str]], asyncio.Future]


class AlertWriter:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._queue: list[Submission] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def submit(self, alerts: list[AlertIn], source: str) -> list[Ingested]:
        future = asyncio.get_running_loop().create_future()
        self._queue.append(([(alert, source) for alert in alerts], future))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="alerts")
        self._wake.set()
        return await future

    async def stop(self) -> None:
        for _, future in self._queue:
            if not future.done():
                future.set_exception(RuntimeError("the bot is shutting down"))
        self._queue.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch, taken = [], 0
                while self._queue and taken < MAX_BATCH:
                    submission = self._queue.pop(0)
                    batch.append(submission)
                    taken += len(submission[0])
                self._write(batch)
                await asyncio.sleep(0)  # let the answers go out before the next batch

    def _write(self, batch: list[Submission]) -> None:
        try:
            results = self._commit([item for alerts, _ in batch for item in alerts])
        except Exception:
            # One bad submission must not fail the others: write them one by one.
            for submission in batch:
                self._write_one(submission)
            return
        start = 0
        for alerts, future in batch:
            if not future.done():
                future.set_result(results[start:start + len(alerts)])
            start += len(alerts)

    def _write_one(self, submission: Submission) -> None:
        alerts, future = submission
        try:
            results = self._commit(alerts)
        except Exception as exc:
            log.exception("storing %d alerts failed", len(alerts))
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(results)

    def _commit(self, alerts: list[tuple[AlertIn, str]]) -> list[Ingested]:
        bot = self.bot
        with bot.session() as session:
            return ingest_many(session, alerts=alerts, now=bot.now(), catalog=bot.catalog)
