"""Fault injection: answer some Web API calls with rate limits, server errors or API errors.

An injected fault is decided before the method runs, so it never changes the workspace:
a client that retries a failed conversations.create ends up with exactly one channel. An
`after` fault is the exception: the method runs, then the fault is answered (a lost answer).
"""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass
from typing import Any

_ERROR_FOR_STATUS = {
    429: "ratelimited",
    500: "fatal_error",
    502: "fatal_error",
    503: "service_unavailable",
}


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: int = 1
    error: str | None = None
    # The call takes effect, then the fault is answered: Slack posted the message but the
    # answer was an error or never came, so the caller cannot tell it happened.
    after: bool = False

    def response(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        """HTTP status, JSON body and headers the client receives."""
        headers: dict[str, str] = {}
        if self.status == 429:
            headers["Retry-After"] = str(self.retry_after)
        error = self.error or _ERROR_FOR_STATUS.get(self.status, "fatal_error")
        return self.status, {"ok": False, "error": error}, headers


@dataclass
class _Rule:
    method: str
    fault: Fault
    remaining: int | None  # None: until cleared
    ratio: float = 0.0
    phase: float = 0.0
    seen: int = 0
    channel: str | None = None  # only calls for this channel (Slack limits posts per channel)

    def matches(self, method: str, channel: str | None) -> bool:
        return self.method in ("*", method) and self.channel in (None, channel)

    def fires(self) -> bool:
        if self.ratio:
            # Evenly spread and deterministic: ratio 0.5 fails every other call, so a client
            # with a single retry always recovers.
            before = math.floor(self.seen * self.ratio + self.phase)
            self.seen += 1
            return math.floor(self.seen * self.ratio + self.phase) > before
        if self.remaining is None:
            return True
        if self.remaining > 0:
            self.remaining -= 1
            return True
        return False


class Faults:
    """The workspace's fault rules, consulted once per Web API call."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._holds: list[tuple[str, asyncio.Event]] = []

    def hold_answer(self, method: str) -> asyncio.Event:
        """Carry out the next call of `method` but hold its answer until the returned event
        is set: the call's effect is in the workspace while the caller has not heard of it
        (a process killed at that moment never learns the message's ts)."""
        gate = asyncio.Event()
        self._holds.append((method, gate))
        return gate

    def held(self, method: str) -> asyncio.Event | None:
        """The gate an answer to this call waits for, if a hold was set; used once."""
        for hold in self._holds:
            if hold[0] == method:
                self._holds.remove(hold)
                return hold[1]
        return None

    def inject(
        self,
        method: str = "*",
        status: int = 429,
        times: int | None = 1,
        retry_after: int = 1,
        error: str | None = None,
        channel: str | None = None,
        after: bool = False,
    ) -> None:
        """Fail the next `times` calls of `method` ("*" for any; None times: until clear()),
        or only those whose `channel` argument is `channel` when given. `after`: the call is
        carried out first and the fault answered instead of its result.

        status 429 answers HTTP 429 with Retry-After; 5xx answers that status; status 200 with
        `error` answers a normal API error such as {"ok": false, "error": "channel_not_found"}.
        """
        self._rules.append(_Rule(method, Fault(status, retry_after, error, after), times,
                                 channel=channel))

    def fail_ratio(
        self,
        ratio: float,
        status: int = 429,
        seed: int = 0,
        method: str = "*",
        retry_after: int = 1,
    ) -> None:
        """Fail a steady fraction of calls (0 < ratio <= 1); `seed` shifts which ones."""
        if not 0 < ratio <= 1:
            raise ValueError("ratio must be in (0, 1]")
        phase = random.Random(seed).random() * (1 - ratio) if ratio < 1 else 0.0
        self._rules.append(_Rule(method, Fault(status, retry_after), None, ratio, phase))

    def clear(self) -> None:
        self._rules.clear()
        for _, gate in self._holds:
            gate.set()
        self._holds.clear()

    def take(self, method: str, channel: str | None = None) -> Fault | None:
        """The fault for this call, if a rule fires; spent rules are dropped."""
        for rule in list(self._rules):
            if rule.matches(method, channel) and rule.fires():
                if rule.remaining == 0:
                    self._rules.remove(rule)
                return rule.fault
        return None
