"""Keeping people's names where the documents can read them (incidents/people.py).

A Bolt middleware notes who acts (and whom a command or form names) on every request; the
first time this process sees someone it asks `users.info` in the background, after the
ack, and stores their names. Paging, which names people nobody typed, asks the same way.
Names change rarely: each process asks once per person.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from incidents import people

log = logging.getLogger(__name__)


def named_in(body: dict[str, Any]) -> set[str]:
    """Who acts in a Slack payload, and whom its command text or form names."""
    found: set[str] = set()
    user = body.get("user")
    found.add(body.get("user_id") or (user.get("id") if isinstance(user, dict) else user))
    event = body.get("event")
    if isinstance(event, dict):
        found.add(event.get("user"))
    found |= people.mentioned(body.get("text"))
    view = body.get("view")
    values = ((view or {}).get("state") or {}).get("values") or {} if isinstance(view, dict) \
        else {}
    for actions in values.values():
        for state in actions.values():
            found.add(state.get("selected_user"))
            found.update(state.get("selected_users") or ())
            found |= people.mentioned(state.get("value"))
    return {u for u in found if isinstance(u, str) and people.USER_ID.match(u)}


async def learn(runtime: Runtime, user_ids: Iterable[str]) -> None:
    """Store the names of those this process has not asked about yet."""
    new = [u for u in dict.fromkeys(user_ids)
           if u and u != runtime.bot_user_id and u not in runtime.people_seen]
    runtime.people_seen.update(new)  # asked once, even by requests arriving meanwhile
    for user_id in new:
        try:
            found = (await runtime.client.users_info(user=user_id))["user"]
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error not in ("user_not_found", "user_not_visible"):
                runtime.people_seen.discard(user_id)  # Slack failing: ask again next time
            log.info("no name for %s: %s", user_id, error)
            continue
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:  # best effort: no failure
            runtime.people_seen.discard(user_id)
            log.info("no name for %s: %s", user_id, exc)
            continue
        profile = found.get("profile") or {}
        real_name = found.get("real_name") or profile.get("real_name") or ""
        handle = profile.get("display_name") or found.get("name") or ""
        with runtime.session() as session:
            people.remember(session, user_id=user_id, real_name=real_name, handle=handle,
                            now=runtime.now())


def middleware(runtime: Runtime):
    """Bolt middleware: costs a set lookup per request; new people are asked about later."""

    async def note_people(body, next):
        if isinstance(body, dict):
            new = named_in(body) - runtime.people_seen
            if new:
                runtime.spawn(learn(runtime, new))
        return await next()

    return note_people
