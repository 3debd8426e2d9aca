"""Replies to an interaction (`respond`, and `ack` with a body) pass the same broadcast
guard as Web API calls (`mrkdwn.neutralise_broadcasts`): they go to Slack's response_url,
not through the bot's client, and would otherwise be the one unguarded way out."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from bot.slack.mrkdwn import neutralise_broadcasts


def guarded(handler: Callable) -> Callable:
    @functools.wraps(handler)  # Bolt reads the wrapped function's argument names
    async def run(**kwargs: Any) -> Any:
        for name in ("respond", "ack", "say"):
            if kwargs.get(name) is not None:
                kwargs[name] = _guard(kwargs[name], name)
        return await handler(**kwargs)

    return run


def _guard(send: Callable, name: str) -> Callable:
    async def guarded_send(*args: Any, **options: Any) -> Any:
        texts = [a for a in args if isinstance(a, str)]
        rest = [a for a in args if not isinstance(a, str)]
        if texts:  # respond("…") and ack("…") take the text positionally
            options.setdefault("text", texts[0])
        for key in ("blocks", "attachments"):
            if options.get(key):
                options[key] = [_as_dict(b) for b in options[key]]
        if options.get("view") is not None:
            options["view"] = _as_dict(options["view"])
        neutralise_broadcasts(options, name)
        return await send(*rest, **options)

    return guarded_send


def _as_dict(item: Any) -> Any:
    return item.to_dict() if hasattr(item, "to_dict") else item
