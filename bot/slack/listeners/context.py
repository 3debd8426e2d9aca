"""Helpers shared by listeners: finding the incident, checking membership, replying."""

from __future__ import annotations

import time

from slack_sdk.errors import SlackApiError

from bot.container import Bot
from incidents import service
from incidents.models import Incident

_MEMBER_CACHE_SECONDS = 30


def incident_by_id(bot: Bot, incident_id: int) -> Incident | None:
    with bot.session() as session:
        return service.get(session, incident_id)


def incident_in_channel(bot: Bot, channel_id: str | None) -> Incident | None:
    if not channel_id:
        return None
    with bot.session() as session:
        return service.by_channel(session, channel_id)


async def is_member(bot: Bot, channel_id: str, user_id: str) -> bool:
    """Only people in an incident's channel may change it; cached briefly to stay fast."""
    cached = bot.member_cache.get(channel_id)
    if cached and time.monotonic() - cached[0] < _MEMBER_CACHE_SECONDS and user_id in cached[1]:
        return True
    members: set[str] = set()
    cursor = None
    try:
        while True:
            response = await bot.client.conversations_members(
                channel=channel_id, cursor=cursor, limit=1000
            )
            members.update(response.get("members", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError:
        return False
    bot.member_cache[channel_id] = (time.monotonic(), members)
    return user_id in members


NOT_A_MEMBER = "Only members of the incident channel can change the incident. Join it first."
NO_INCIDENT = (
    "This command needs an incident: run it inside an incident channel "
    "(`/incident list` shows them)."
)
