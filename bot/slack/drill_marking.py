"""Every message the bot posts in a drill's channel says DRILL, whatever feature posts it
(summary, alerts, announcements, triage, reminders…): nobody may mistake practice for a
real incident, in the channel or in a notification."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from bot.container import Runtime
from bot.slack.blocks.common import MESSAGE_BLOCK_LIMIT
from incidents.models import Incident

MARKER_ID = "drill-marker"
MARKER_TEXT = ":performing_arts: *DRILL* · a practice incident: nothing here is real"
PREFIX = "DRILL · "
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral",
                             "chat.scheduleMessage"})


def marker_block() -> dict[str, Any]:
    return {"type": "context", "block_id": MARKER_ID,
            "elements": [{"type": "mrkdwn", "text": MARKER_TEXT, "verbatim": True}]}


def mark(body: dict[str, Any]) -> None:
    """Add the marker to a message body in place; marking twice changes nothing."""
    text = body.get("text") or ""
    if not text.startswith("DRILL"):
        body["text"] = PREFIX + text if text else "DRILL"
    blocks = body.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not blocks or len(blocks) >= MESSAGE_BLOCK_LIMIT:
        return
    if any(isinstance(b, dict) and b.get("block_id") == MARKER_ID for b in blocks):
        return
    # Under the title when the message opens with one, else on top.
    at = 1 if isinstance(blocks[0], dict) and blocks[0].get("type") == "header" else 0
    body["blocks"] = [*blocks[:at], marker_block(), *blocks[at:]]


class DrillChannels:
    """Which channels belong to drills. An incident's channel never changes between drill
    and real, so each answer is cached for good."""

    def __init__(self, runtime: Runtime) -> None:
        self.bot = runtime
        self._known: dict[str, bool] = {}

    def is_drill(self, channel: str) -> bool:
        known = self._known.get(channel)
        if known is None:
            with self.bot.session() as session:
                found = session.exec(
                    select(Incident.is_drill).where(Incident.channel_id == channel)
                ).first()
            known = self._known[channel] = bool(found)
        return known

    def __call__(self, method: str, body: dict[str, Any]) -> None:
        channel = body.get("channel")
        if method in MESSAGE_METHODS and isinstance(channel, str) and self.is_drill(channel):
            mark(body)


def install(runtime: Runtime) -> None:
    hooks = getattr(runtime.client, "outgoing", None)
    if hooks is not None:
        hooks.append(DrillChannels(runtime))
