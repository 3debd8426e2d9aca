"""Delivers the outbox to Slack: in order per incident, retried with backoff while Slack fails,
resumed after a restart because the work lives in the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from slack_sdk.errors import SlackApiError
from sqlmodel import col, select

from bot.container import Bot
from bot.slack.blocks.alerts import BATCH_LISTED, alert_blocks
from bot.slack.blocks.announce import announcement
from bot.slack.sync import sync_incident
from incidents import alerts as alert_service
from incidents import outbox, service
from incidents.models import Incident, Outbox, TimelineEvent
from incidents.types import EventKind

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
# Slack allows about one message per second per channel; during a storm one alert message
# every few seconds is also what people can read.
ALERT_BATCH_SPACING = timedelta(seconds=5)
# While alerts pour in, Slack work gets at most this share of the event loop: after each
# delivery the worker rests in proportion to how long it took. Accepting alerts comes first
# (each answer waits for its commit); Slack hears a moment later.
STORM_SHARE = 0.25
# The rest is capped: a delivery that was slow because Slack was (a 429's Retry-After) must
# not park the outbox for minutes.
STORM_REST_MAX = 1.0

# Slack errors a retry cannot fix. Each is still retried a few times (a channel just created
# can be "not found" for a moment), then given up so the incident's later messages go out.
PERMANENT_ERRORS = frozenset({
    "is_archived", "channel_not_found", "not_in_channel", "invalid_blocks",
    "invalid_blocks_format", "msg_too_long", "no_text", "invalid_arguments",
})
GIVE_UP_AFTER = 5

Handler = Callable[[Bot, Outbox], Awaitable[None]]


def _permanent(exc: BaseException) -> str | None:
    """The Slack error code when a retry cannot fix it."""
    if isinstance(exc, SlackApiError):
        code = exc.response.get("error")
        if code in PERMANENT_ERRORS:
            return code
    return None


def storm_rest(took: float) -> float:
    """Seconds to rest after a delivery that took `took` while alerts pour in."""
    return min(took * (1 / STORM_SHARE - 1), STORM_REST_MAX)


class OutboxWorker:
    def __init__(self, bot: Bot, handlers: dict[str, Handler] | None = None,
                 storm: Callable[[], bool] = lambda: False) -> None:
        self.bot = bot
        self._storm = storm
        self.handlers: dict[str, Handler] = {
            outbox.SYNC: _sync,
            outbox.ANNOUNCE: _announce,
            outbox.ALERTS: _alerts,
            **(handlers or {}),
        }
        self._task: asyncio.Task | None = None
        # One pass at a time, whoever asks (the loop, a test, a benchmark): never twice.
        self._lock = asyncio.Lock()

    def start(self) -> None:
        with self.bot.session() as session:
            outbox.release_claims(session)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.drain()
            except Exception:  # the worker must outlive any one bad row or outage
                log.exception("outbox pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.bot.outbox_ready.wait(), POLL_SECONDS)
            self.bot.outbox_ready.clear()

    async def drain(self) -> int:
        """One pass over due work; returns how many items were delivered."""
        async with self._lock:
            return await self._drain()

    async def _drain(self) -> int:
        with self.bot.session() as session:
            items = outbox.due(session, now=self.bot.now())
        blocked: set[int | None] = set()
        delivered = 0
        for item in items:
            if item.incident_id in blocked:
                continue  # keep each incident's messages in order behind a failed one
            started = time.monotonic()
            if not await self._deliver(item):
                blocked.add(item.incident_id)
            else:
                delivered += 1
            if self._storm():
                await asyncio.sleep(storm_rest(time.monotonic() - started))
        return delivered

    async def _deliver(self, item: Outbox) -> bool:
        handler = self.handlers.get(item.kind)
        if handler is None:
            log.error("outbox item %s has unknown kind %s", item.id, item.kind)
            return self._finish(item, error=None)
        # Claimed before reading state: a change made while we work queues a fresh sync.
        with self.bot.session() as session:
            outbox.claim(session, item, now=self.bot.now())
        try:
            await handler(self.bot, item)
        except BaseException as exc:  # cancelled mid-delivery too: release, then re-raise
            log.warning("outbox item %s (%s) failed: %s", item.id, item.kind, exc)
            refused = _permanent(exc)
            if refused and item.attempts + 1 >= GIVE_UP_AFTER:
                self._give_up(item, refused)
                return True  # what comes after it for the incident may still go through
            self._finish(item, error=f"{type(exc).__name__}: {exc}")
            if not isinstance(exc, Exception):
                raise
            return False
        return self._finish(item, error=None)

    def _finish(self, item: Outbox, *, error: str | None) -> bool:
        with self.bot.session() as session:
            if error is None:
                outbox.mark_done(session, item, now=self.bot.now())
            else:
                outbox.mark_failed(session, item, error=error, now=self.bot.now())
        return error is None

    def _give_up(self, item: Outbox, error: str) -> None:
        """Slack keeps refusing for a reason a retry cannot fix (someone archived the
        channel): stop retrying, and say so in the incident's timeline."""
        log.error("outbox item %s (%s) given up after %d attempts: %s", item.id, item.kind,
                  item.attempts + 1, error)
        now = self.bot.now()
        with self.bot.session() as session:
            outbox.give_up(session, item, error=error, now=now)
            incident = session.get(Incident, item.incident_id) if item.incident_id else None
            if incident is not None:
                service.record(
                    session, incident=incident, kind=EventKind.NOTE, now=now,
                    actor="incidentbot",
                    text=f"Slack refused a message for this incident ({error}) "
                         f"{item.attempts + 1} times; incidentbot stopped retrying it.",
                    data={"outbox": item.id, "kind": item.kind, "error": error},
                )
        self.bot.metrics.outbox_given_up.labels(item.kind).inc()


async def _sync(bot: Bot, item: Outbox) -> None:
    await sync_incident(bot, item.incident_id)


async def _announce(bot: Bot, item: Outbox) -> None:
    with bot.session() as session:
        event = session.get(TimelineEvent, item.payload["event"])
        incident = session.get(Incident, item.incident_id)
    rendered = announcement(event) if event else None
    if rendered is None:
        return
    if incident.channel_id is None:
        raise RuntimeError("the incident has no channel yet")
    text, blocks = rendered
    await bot.client.chat_postMessage(
        channel=incident.channel_id, text=text, blocks=blocks, unfurl_links=False
    )


async def _alerts(bot: Bot, item: Outbox) -> None:
    """Everything that arrived since the last post, in one message: a storm of thousands
    becomes a handful of messages, one every few seconds per channel."""
    with bot.session() as session:
        incident = session.get(Incident, item.incident_id)
        batch = alert_service.unposted(session, item.incident_id, shown=BATCH_LISTED)
    if not batch.ids:
        return
    if incident.channel_id is None:
        raise RuntimeError("the incident has no channel yet")
    text, blocks = alert_blocks(batch, incident_id=incident.id, open_=incident.status_enum.is_open)
    await bot.client.chat_postMessage(
        channel=incident.channel_id, text=text, blocks=blocks, unfurl_links=False
    )
    with bot.session() as session:
        alert_service.mark_posted(session, item.incident_id, up_to=batch.ids[-1])
        # More may have arrived while we posted; they go in the next batch.
        if alert_service.has_unposted(session, item.incident_id):
            # Up to a second later at random: channels opened by one storm drift apart
            # instead of all posting in the same moment every five seconds.
            spacing = ALERT_BATCH_SPACING * (1 + random.random() / 5)
            later = Outbox(kind=outbox.ALERTS, incident_id=item.incident_id,
                           next_attempt_at=bot.now() + spacing)
            session.add(later)


def pending_for(bot: Bot, incident_id: int) -> list[Outbox]:
    with bot.session() as session:
        return list(session.exec(
            select(Outbox).where(Outbox.incident_id == incident_id, col(Outbox.done_at).is_(None))
        ))
