"""Whether a person may see an incident, as Slack knows them: the one access rule
(`incidents.access`) with channel membership looked up in Slack only when it matters.
Listeners ask it through `listeners/context.py`'s `authorise`; deliveries that list
incidents to a person (the on-call handoff) ask `visible`."""

from __future__ import annotations

import time

from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from incidents import access
from incidents.models import Incident

_MEMBER_CACHE_SECONDS = 30


async def is_member(runtime: Runtime, channel_id: str, user_id: str) -> bool:
    """Only people in an incident's channel may change it; cached briefly to stay fast."""
    cached = runtime.member_cache.get(channel_id)
    if cached and time.monotonic() - cached[0] < _MEMBER_CACHE_SECONDS and user_id in cached[1]:
        return True
    members: set[str] = set()
    cursor = None
    try:
        while True:
            response = await runtime.client.conversations_members(
                channel=channel_id, cursor=cursor, limit=1000
            )
            members.update(response.get("members", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError:
        return False
    runtime.member_cache[channel_id] = (time.monotonic(), members)
    return user_id in members


async def in_channel(runtime: Runtime, incident: Incident, user: str) -> bool:
    return bool(incident.channel_id) and await is_member(runtime, incident.channel_id, user)


async def verdict(runtime: Runtime, incident: Incident | None, user: str, *, change: bool
                  ) -> access.Verdict:
    """The access rule for this person, looking membership up only when it matters."""
    if incident is None:
        return access.Verdict.UNSEEN
    needs_lookup = incident.channel_id is not None and (
        change or (incident.private and user not in access.people_of(incident)))
    member = needs_lookup and await in_channel(runtime, incident, user)
    return access.decide(incident, user=user, in_channel=member, change=change)


async def visible(runtime: Runtime, incidents: list[Incident], user: str) -> list[Incident]:
    """The incidents of a list this person may see (private ones only to their people)."""
    return [i for i in incidents
            if await verdict(runtime, i, user, change=False) is access.Verdict.ALLOWED]
