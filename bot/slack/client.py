"""The Web API client: retries 429 and 5xx the way slack_sdk does, and counts failures.

A 429 is retried here only for a short Retry-After and never inside an outbox delivery:
the outbox puts the channel's work off instead (bot/slack/outbox_worker.py), so one rate
limit never holds up other incidents' messages.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import Metrics
from bot.slack.mrkdwn import neutralise_broadcasts


class _CountErrors(AsyncRetryHandler):
    """Never retries; it sees every response first, so it is where failures are counted."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=1_000_000)
        self._metrics = metrics

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = request.url.rsplit("/", 1)[-1]
        if error is not None:
            self._metrics.slack_api_errors.labels(method, type(error).__name__).inc()
        elif response is not None and response.status_code >= 400:
            self._metrics.slack_api_errors.labels(method, f"http_{response.status_code}").inc()
        elif response is not None and isinstance(response.body, dict) and not response.body.get(
            "ok", True
        ):
            self._metrics.slack_api_errors.labels(method, str(response.body.get("error"))).inc()
        return False


# True while the outbox worker delivers an item (set by the worker, read by the retry handler).
OUTBOX_DELIVERY: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "outbox_delivery", default=False)
# Longest Retry-After a listener waits out in place; longer ones fail the call.
LISTENER_RATE_LIMIT_WAIT = 5
# The longest a rate limit puts outbox work off, whatever Retry-After says: a Retry-After of
# a day would otherwise silence an incident (Slack's are usually seconds).
MAX_RATE_LIMIT_WAIT = timedelta(seconds=60)
# Slack limits posting per channel (the outbox waits per incident for those); every other
# method is limited per workspace, so after its 429 no incident's delivery calls it again
# before Retry-After has passed.
PER_CHANNEL = frozenset({"chat.postMessage", "chat.postEphemeral"})


class MethodPaused(Exception):
    """Raised instead of calling a method Slack asked us to leave alone for a while."""

    def __init__(self, method: str, seconds: float) -> None:
        super().__init__(f"{method} is rate limited for {seconds:.0f} s more")
        self.method, self.retry_after = method, seconds


class MethodLimits:
    """When each workspace-limited method may be called again (this process's view)."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def note(self, method: str, seconds: float) -> None:
        if method in PER_CHANNEL:
            return
        seconds = min(seconds, MAX_RATE_LIMIT_WAIT.total_seconds())
        self._until[method] = max(self._until.get(method, 0.0), time.monotonic() + seconds)

    def remaining(self, method: str) -> float:
        until = self._until.get(method)
        if until is None:
            return 0.0
        left = until - time.monotonic()
        if left <= 0:
            del self._until[method]
        return max(left, 0.0)


def retry_after(headers: Mapping[str, Any] | None) -> float:
    """Seconds from a 429's Retry-After header (a list or a string), 1 when missing."""
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                return 1.0
    return 1.0


class _CappedRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    def __init__(self, limits: MethodLimits, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._limits = limits

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response.headers)
        self._limits.note(request.url.rsplit("/", 1)[-1], wait)
        return not OUTBOX_DELIVERY.get() and wait <= LISTENER_RATE_LIMIT_WAIT


class _NoBlindRepost:
    """A lost or failed answer to chat.postMessage may mean the message was posted: inside an
    outbox delivery the outbox retries it, looking for the message first, instead of the
    client posting it again blind."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if OUTBOX_DELIVERY.get() and request.url.endswith("/chat.postMessage"):
            return False
        return await super()._can_retry_async(state=state, request=request, response=response,
                                              error=error)


class _IdempotentConnectionRetry(_NoBlindRepost, AsyncConnectionErrorRetryHandler):
    pass


class _IdempotentServerErrorRetry(_NoBlindRepost, AsyncServerErrorRetryHandler):
    pass


class BotWebClient(AsyncWebClient):
    """The Web API client whose JSON bodies pass through `outgoing` hooks before they are
    sent, so a feature can adjust every message of a kind (drills mark theirs DRILL), and
    then through the broadcast guard (`mrkdwn.neutralise_broadcasts`)."""

    def __init__(self, *args: Any, limits: MethodLimits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outgoing: list[Callable[[str, dict], None]] = []
        self.limits = limits or MethodLimits()

    async def api_call(self, api_method: str, *, json: dict | None = None, **kwargs: Any):
        if OUTBOX_DELIVERY.get():
            wait = self.limits.remaining(api_method)
            if wait > 0:
                raise MethodPaused(api_method, wait)
        if json is not None:
            for hook in self.outgoing:
                hook(api_method, json)
        for body in (json, kwargs.get("params"), kwargs.get("data")):
            if isinstance(body, dict):  # some methods (setTopic, file uploads) send forms
                neutralise_broadcasts(body, api_method)
        return await super().api_call(api_method, json=json, **kwargs)


def make_client(*, token: str, base_url: str, metrics: Metrics, retries: int = 5) -> AsyncWebClient:
    limits = MethodLimits()
    return BotWebClient(
        limits=limits,
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            _CountErrors(metrics),
            _CappedRateLimitRetry(limits, max_retry_count=retries),
            # Longer outages are the outbox's job; do not hold a listener for minutes.
            _IdempotentServerErrorRetry(max_retry_count=2),
            _IdempotentConnectionRetry(max_retry_count=2),
        ],
    )
