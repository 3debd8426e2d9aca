"""Making user- and alert-supplied text safe to show in Slack mrkdwn."""

from __future__ import annotations

import logging
import re

from incidents.people import USER_ID


def escape(text: object) -> str:
    """Slack's three control characters; nothing user-written can ping or forge a link."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack's escaped text back to what was typed; the inverse of `escape`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def user(user_id: str | None, *, none: str = "nobody yet") -> str:
    """A mention for a Slack user id we trust (validated), else plain escaped text."""
    if not user_id:
        return none
    return f"<@{user_id}>" if USER_ID.match(user_id) else escape(user_id)


def link(url: str | None, label: str) -> str:
    """A link only for http(s) URLs; anything else is shown as escaped text."""
    if url and url.startswith(("http://", "https://")) and not any(c in url for c in "<>|"):
        return f"<{url}|{escape(label).replace('|', '¦')}>"
    return escape(label)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The one place every outgoing text passes (the Web API client and every reply to an
# interaction): the bot itself never sends a broadcast (`<!channel>`, `<!here>`,
# `<!everyone>`, `<!subteam^…>`) — its only `<!…>` is a date — so one that gets here came
# from user, alert or catalog text a builder forgot to escape. It is escaped and logged, so
# the forgotten place can be fixed (the scenario suite fails on the log line).
_BROADCAST = re.compile(r"<!(?!date\^)[^<>]*>")
# Fields Slack renders as mrkdwn or as message text; ids, values and metadata are data.
_SHOWN = frozenset({"text", "initial_comment", "topic", "purpose", "fallback", "pretext",
                    "title", "footer"})
GUARD_LOG = "bot.slack.escape_guard"


def neutralise_broadcasts(value: object, where: str) -> object:
    """`value` with every broadcast mention in shown text escaped (in place for dicts)."""
    if isinstance(value, dict):
        plain = value.get("type") == "plain_text"
        for key, item in value.items():
            if isinstance(item, str):
                if key in _SHOWN and not plain:
                    value[key] = _guard(item, where)
            elif isinstance(item, dict | list):
                neutralise_broadcasts(item, where)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                neutralise_broadcasts(item, where)
    return value


def _guard(text: str, where: str) -> str:
    if "<!" not in text or not _BROADCAST.search(text):
        return text
    logging.getLogger(GUARD_LOG).warning("escaped a broadcast mention in %s", where)
    return _BROADCAST.sub(lambda m: escape(m.group(0)), text)


def clip(text: object, limit: int) -> str:
    """`text` escaped and at most `limit` characters long once escaped (an `&` becomes five
    characters, so cutting before escaping is not enough to stay inside a Block Kit limit)."""
    raw = str(text)
    shown = escape(raw)
    while len(shown) > limit:
        raw = raw[: max(len(raw) - (len(shown) - limit) - 1, 0)]
        shown = escape(raw) + "…"
    return shown
