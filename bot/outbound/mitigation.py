"""Calling a system's mitigation endpoint (catalog `systems.<key>.actions`).

Exactly one request per call: a rollback is not something to repeat behind a person's
back, so failures are reported and retried only when someone presses Retry. Headers may
carry credentials (best as `${ENV_VAR}` references, expanded here) and URLs may carry
tokens: neither is logged nor shown; only the host is. What the endpoint answers is shown
only after `incidents.redaction.redact` (an endpoint may echo the request's headers).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from incidents.catalog.env_refs import MissingVariable, expand
from incidents.catalog.models import HttpAction
from incidents.redaction import redact, secrets_of
from incidents.triage.mitigation import CallResult

log = logging.getLogger(__name__)
# Enough of an error body to say what went wrong, not enough to flood a channel.
DETAIL_BYTES = 300


def target_of(action: HttpAction) -> str:
    parts = urlsplit(action.url)
    host = parts.hostname or "the endpoint"
    return f"{host}:{parts.port}" if parts.port else host


async def call_action(action: HttpAction, body: dict[str, Any]) -> CallResult:
    """Send `body` as JSON with the action's method and headers; never raises."""
    target = target_of(action)
    seconds = action.timeout.total_seconds()
    started = time.perf_counter()

    def result(ok: bool, status: int | None, detail: str) -> CallResult:
        return CallResult(ok=ok, status=status, detail=detail, target=target,
                          elapsed=time.perf_counter() - started)

    try:
        headers = {name: expand(value, os.environ) for name, value in action.headers.items()}
    except MissingVariable as missing:
        return result(False, None, f"its headers need the environment variable "
                                   f"{missing.name}, which is not set")
    try:
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=seconds)
        ) as http, http.request(
            action.method, action.url, json=body, headers=headers, allow_redirects=False
        ) as response:
            raw = await response.content.read(DETAIL_BYTES)
            status = response.status
    except TimeoutError:
        outcome = result(False, None, f"no answer within {seconds:g}s")
    except aiohttp.ClientError as exc:
        # The exception text can contain the URL; its type says enough.
        outcome = result(False, None, f"could not reach it ({type(exc).__name__})")
    else:
        if 200 <= status < 300:
            outcome = result(True, status, f"HTTP {status}")
        else:
            text = redact(" ".join(raw.decode("utf-8", "replace").split()),
                          secrets=secrets_of(action.headers.values(), os.environ))
            outcome = result(False, status, f"HTTP {status}" + (f": {text}" if text else ""))
    log.info("mitigation %s for incident %s on %s: %s", body.get("action"),
             body.get("incident_id"), target, outcome.detail if outcome.ok else "failed")
    return outcome
