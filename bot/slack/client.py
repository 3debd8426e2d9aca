"""The Slack Web API client: retries 429 and 5xx the way slack_sdk does, and counts failures."""

from __future__ import annotations

from collections.abc import Callable
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


class BotWebClient(AsyncWebClient):
    """The Web API client whose JSON bodies pass through `outgoing` hooks before they are
    sent, so a feature can adjust every message of a kind (drills mark theirs DRILL), and
    then through the broadcast guard (`mrkdwn.neutralise_broadcasts`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outgoing: list[Callable[[str, dict], None]] = []

    async def api_call(self, api_method: str, *, json: dict | None = None, **kwargs: Any):
        if json is not None:
            for hook in self.outgoing:
                hook(api_method, json)
        for body in (json, kwargs.get("params"), kwargs.get("data")):
            if isinstance(body, dict):  # some methods (setTopic, file uploads) send forms
                neutralise_broadcasts(body, api_method)
        return await super().api_call(api_method, json=json, **kwargs)


def make_client(*, token: str, base_url: str, metrics: Metrics, retries: int = 5) -> AsyncWebClient:
    return BotWebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            _CountErrors(metrics),
            AsyncRateLimitErrorRetryHandler(max_retry_count=retries),
            # Longer outages are the outbox's job; do not hold a listener for minutes.
            AsyncServerErrorRetryHandler(max_retry_count=2),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )
