"""Answer Slack the moment a listener acks, and let the rest of its work run after.

Listeners are written plainly — `await ack()`, then the slow work — and registered through
`EarlyAckApp`, which runs each one as a task and returns to Bolt as soon as it has acked.
Bolt's own non-blocking mode polls for the ack every 10 ms; this answers without polling,
so the HTTP answer never waits for database writes or Web API calls.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack.reply_guard import guarded

log = logging.getLogger(__name__)
# Slack gives 3 s; answer a little before, whatever the listener is doing.
ACK_WAIT_SECONDS = 2.5
# Work after the ack runs a few listeners at a time, so a burst of requests queues its slow
# work instead of slowing every answer: the event loop stays free for acks.
AFTER_ACK_CONCURRENCY = 4


def early_ack(
    handler: Callable, spawn: Callable[[Any], asyncio.Task], slots: asyncio.Semaphore
) -> Callable:
    @functools.wraps(handler)  # Bolt reads the wrapped function's argument names
    async def run(**kwargs: Any) -> None:
        ack = kwargs.get("ack")
        if ack is None:  # events: Bolt acks them itself once we return
            spawn(_in_slot(slots, handler(**kwargs)))
            return
        acked = asyncio.Event()
        holding = False

        async def ack_then_wait_turn(*args: Any, **options: Any) -> Any:
            nonlocal holding
            try:
                return await ack(*args, **options)
            finally:
                acked.set()
                await slots.acquire()
                holding = True

        async def work() -> None:
            try:
                await handler(**{**kwargs, "ack": ack_then_wait_turn})
            finally:
                if holding:
                    slots.release()

        task = spawn(work())
        waiter = asyncio.ensure_future(acked.wait())
        await asyncio.wait({task, waiter}, timeout=ACK_WAIT_SECONDS,
                           return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()

    return run


async def _in_slot(slots: asyncio.Semaphore, work: Any) -> None:
    async with slots:
        await work


class EarlyAckApp:
    """The Bolt app as listener modules see it: the same decorators, early acks."""

    def __init__(self, app: AsyncApp, spawn: Callable[[Any], asyncio.Task]) -> None:
        self._app = app
        self._spawn = spawn
        self._slots = asyncio.Semaphore(AFTER_ACK_CONCURRENCY)

    def __getattr__(self, name: str) -> Any:
        register = getattr(self._app, name)
        if name not in {"command", "action", "view", "shortcut", "event", "options",
                        "block_action", "view_submission", "message_shortcut"}:
            return register

        def decorator_factory(*args: Any, **kwargs: Any) -> Callable:
            bolt_decorator = register(*args, **kwargs)

            def decorate(handler: Callable) -> Callable:
                bolt_decorator(early_ack(guarded(handler), self._spawn, self._slots))
                return handler

            return decorate

        return decorator_factory
