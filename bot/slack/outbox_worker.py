"""Delivers the outbox to Slack: in order per incident, retried with backoff while Slack fails,
resumed after a restart because the work lives in the database.

Any number of replicas run this worker on one database. Each item is claimed with a lease
(incidents/outbox_claims.py), renewed while its delivery runs and finished only by its
claimant; a replica that dies leaves leases that run out, and another replica delivers the
items then. A 429 never makes the worker sleep: the item's incident waits (at most
`MAX_RATE_LIMIT_WAIT`) while every other incident's messages keep going.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack.client import MAX_RATE_LIMIT_WAIT, OUTBOX_DELIVERY, MethodPaused, retry_after
from bot.slack.deliveries.posting import Handler
from incidents import outbox_claims, timeline
from incidents.models import Incident, Outbox
from incidents.types import EventKind

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
# While alerts pour in, Slack work gets at most this share of the event loop: after each
# delivery the worker rests in proportion to how long it took. Accepting alerts comes first
# (each answer waits for its commit); Slack hears a moment later.
STORM_SHARE = 0.25
# The rest is capped: a delivery that was slow because Slack was must not park the outbox.
STORM_REST_MAX = 1.0

# Slack errors a retry cannot fix. Each is still retried a few times (a channel just created
# can be "not found" for a moment), then given up so the incident's later messages go out.
PERMANENT_ERRORS = frozenset({
    "is_archived", "channel_not_found", "not_in_channel", "invalid_blocks",
    "invalid_blocks_format", "msg_too_long", "no_text", "invalid_arguments",
})
GIVE_UP_AFTER = 5


def _permanent(exc: BaseException) -> str | None:
    """The Slack error code when a retry cannot fix it."""
    if isinstance(exc, SlackApiError):
        code = exc.response.get("error")
        if code in PERMANENT_ERRORS:
            return code
    return None


def _rate_limited(exc: BaseException) -> float | None:
    """Retry-After seconds when Slack answered 429 (or asked us earlier to leave a method
    alone for a while)."""
    if isinstance(exc, MethodPaused):
        return exc.retry_after
    if isinstance(exc, SlackApiError) and getattr(exc.response, "status_code", None) == 429:
        return retry_after(getattr(exc.response, "headers", None))
    return None


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at a minute: Slack outages are usually short."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 60))


def rate_limit_wait(seconds: float) -> timedelta:
    return min(timedelta(seconds=max(seconds, 1.0)), MAX_RATE_LIMIT_WAIT)


def storm_rest(took: float) -> float:
    """Seconds to rest after a delivery that took `took` while alerts pour in."""
    return min(took * (1 / STORM_SHARE - 1), STORM_REST_MAX)


class OutboxWorker:
    def __init__(self, runtime: Runtime, handlers: dict[str, Handler],
                 storm: Callable[[], bool] = lambda: False) -> None:
        self.bot = runtime
        self._storm = storm
        self.handlers = handlers
        self.claimant = runtime.replica
        self.lease = timedelta(seconds=runtime.settings.outbox_lease_seconds)
        self._task: asyncio.Task | None = None
        # One pass at a time in this process, whoever asks (the loop, a test, a benchmark).
        # Other processes are kept apart by the claims in the database, not by this lock.
        self._lock = asyncio.Lock()

    def start(self) -> None:
        # Nothing is released here: another replica may be delivering what looks claimed.
        # Our own claims from before a crash run out like anyone's.
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        if self._task:
            self.bot.stopped = True
            while not self._task.done():  # a cancellation can be swallowed: send it again
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self._task), 1.0)

    async def _run(self) -> None:
        # Not `while True`: on Python 3.11 `wait_for` can swallow the cancellation `stop()`
        # sends when the event is set at the same moment, and the worker then ran on forever
        # while `stop()` waited for it (a test teardown hung that way in CI).
        while not self.bot.stopped:
            try:
                await self.drain()
            except Exception:  # the worker must outlive any one bad row or outage
                log.exception("outbox pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.bot.outbox_ready.wait(), POLL_SECONDS)
            self.bot.outbox_ready.clear()

    async def drain(self) -> int:
        """Deliver what is due until nothing is left to claim; returns how many were
        delivered."""
        async with self._lock:
            delivered = 0
            while not self.bot.stopped:
                with self.bot.session() as session:
                    item = outbox_claims.claim_next(session, claimant=self.claimant,
                                                    now=self.bot.now(), lease=self.lease)
                if item is None:
                    return delivered
                started = time.monotonic()
                if await self._deliver(item):
                    delivered += 1
                if self._storm():
                    await asyncio.sleep(storm_rest(time.monotonic() - started))
            return delivered

    async def _deliver(self, item: Outbox) -> bool:
        handler = self.handlers.get(item.kind)
        if handler is None:
            log.error("outbox item %s has unknown kind %s", item.id, item.kind)
            return self._finish(item)
        renew = asyncio.get_running_loop().create_task(self._keep_lease(item))
        token = OUTBOX_DELIVERY.set(True)
        try:
            await handler(self.bot, item)
        except BaseException as exc:  # cancelled mid-delivery too: release, then re-raise
            if not isinstance(exc, Exception):
                self._with_session(outbox_claims.release, item)
                raise
            return self._failed(item, exc)
        finally:
            OUTBOX_DELIVERY.reset(token)
            renew.cancel()
        return self._finish(item)

    async def _keep_lease(self, item: Outbox) -> None:
        """Renew the lease while the delivery runs, so a slow but living delivery keeps its
        item; a replica that dies stops renewing and the lease runs out."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            with self.bot.session() as session:
                if not outbox_claims.renew(session, item, claimant=self.claimant,
                                           now=self.bot.now(), lease=self.lease):
                    return

    def _with_session(self, step, item: Outbox, **values) -> bool:
        with self.bot.session() as session:
            done = step(session, item, claimant=self.claimant, **values)
        if not done:
            # Our lease ran out and another replica took the item over: it finishes it.
            log.warning("outbox item %s (%s): lease lost to another replica, not marked",
                        item.id, item.kind)
        return done

    def _finish(self, item: Outbox) -> bool:
        return self._with_session(outbox_claims.finish, item, now=self.bot.now())

    def _failed(self, item: Outbox, exc: Exception) -> bool:
        now = self.bot.now()
        error = self.bot.redact(f"{type(exc).__name__}: {exc}")
        waited = _rate_limited(exc)
        if waited is not None:
            wait = rate_limit_wait(waited)
            log.warning("outbox item %s (%s) rate limited: its incident waits %ss", item.id,
                        item.kind, wait.total_seconds())
            self.bot.metrics.outbox_rate_limited.labels(item.kind).inc()
            self._with_session(outbox_claims.put_off, item, error=error, until=now + wait)
            return False
        log.warning("outbox item %s (%s) failed: %s", item.id, item.kind, error)
        refused = _permanent(exc)
        if refused and item.attempts + 1 >= GIVE_UP_AFTER:
            self._give_up(item, refused)
            return True  # what comes after it for the incident may still go through
        self._with_session(outbox_claims.fail, item, error=error, now=now,
                           retry_at=now + backoff(item.attempts + 1))
        return False

    def _give_up(self, item: Outbox, error: str) -> None:
        """Slack keeps refusing for a reason a retry cannot fix (someone archived the
        channel): stop retrying, and say so in the incident's timeline."""
        log.error("outbox item %s (%s) given up after %d attempts: %s", item.id, item.kind,
                  item.attempts + 1, error)
        now = self.bot.now()
        with self.bot.session() as session:
            if not outbox_claims.give_up(session, item, claimant=self.claimant, error=error,
                                         now=now):
                return
            incident = session.get(Incident, item.incident_id) if item.incident_id else None
            if incident is not None:
                timeline.record(
                    session, incident=incident, kind=EventKind.NOTE, now=now,
                    actor="incidentbot",
                    text=f"Slack refused a message for this incident ({error}) "
                         f"{item.attempts + 1} times; incidentbot stopped retrying it.",
                    data={"outbox": item.id, "kind": item.kind, "error": error},
                )
        self.bot.metrics.outbox_given_up.labels(item.kind).inc()
