"""What every adapter needs, built once by `create_app` and handed to each `register()`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.log_redaction import redactor
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack.subcommands import Subcommands
from incidents.catalog import Catalog
from incidents.db import session_scope
from incidents.models import utcnow
from incidents.outbox_claims import new_claimant

log = logging.getLogger(__name__)


def _finished(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background work failed", exc_info=task.exception())


@dataclass
class Runtime:
    settings: Settings
    catalog: Catalog
    engine: Engine
    client: AsyncWebClient
    metrics: Metrics
    clock: Callable[[], datetime] = utcnow
    bot_user_id: str | None = None
    # The workspace (and Enterprise Grid org) the bot is installed in, from auth.test.
    team_id: str | None = None
    enterprise_id: str | None = None
    slack_requests_seen: int = 0
    # Signed Slack requests taken, until their replay window ends (SQLite; PostgreSQL keeps
    # them in the database for every replica: bot/http/slack_events.py).
    recent_signatures: dict[str, datetime] = field(default_factory=dict)
    # Set when the outbox has new work, so Slack hears about changes at once.
    outbox_ready: asyncio.Event = field(default_factory=asyncio.Event)
    background: set[asyncio.Task] = field(default_factory=set)
    member_cache: dict[str, tuple[float, set[str]]] = field(default_factory=dict)
    # People whose names this process has stored, or is asking Slack for (bot/slack/people.py).
    people_seen: set[str] = field(default_factory=set)
    subcommands: Subcommands = field(default_factory=Subcommands)
    # Features add periodic checks (name, async fn(bot), seconds) from their register();
    # create_app wires them in. Outbox deliveries are wired by bot/slack/deliveries.
    timer_checks: list[tuple[str, Any, float]] = field(default_factory=list)
    stopped: bool = False
    # This process's name in outbox claims; /healthz shows it, so each replica can be told.
    replica: str = field(default_factory=new_claimant)

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session
            queued = session.info.pop("outbox_added", False)
        if queued:  # committed: what the change queued for Slack can go out now
            self.outbox_ready.set()

    def spawn(self, coro) -> asyncio.Task:
        """Run slow work after an ack, keeping a reference so it is not garbage-collected."""
        task = asyncio.get_running_loop().create_task(coro)
        self.background.add(task)
        task.add_done_callback(_finished)
        task.add_done_callback(self.background.discard)
        return task

    def redact(self, text: object) -> str:
        """Error text without this process's secrets or anything shaped like a credential,
        before it is stored (the outbox's last_error) or logged (bot/log_redaction.py)."""
        return redactor(self.settings, self.catalog)(text)

    def system_label(self, key: str) -> str:
        system = self.catalog.systems.get(key)
        if system is None:
            return f"{key} (not in catalog)"
        client = self.catalog.clients.get(system.client) if system.client else None
        return f"{key} ({client.name})" if client else key
