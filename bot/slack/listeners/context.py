"""Helpers shared by listeners: what a request is about (its channel, the clicked value,
a form's values, the incident), the one access rule (`incidents.access`) on whether this
person may see or change it, and how to answer the person."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack.ids import VALUE, decode
from incidents import access, queries
from incidents.models import Incident

_MEMBER_CACHE_SECONDS = 30
Tell = Callable[[str], Awaitable[None]]


def channel_id(body: dict) -> str | None:
    """The channel a click or shortcut came from; None for a modal's submission."""
    return (body.get("channel") or {}).get("id")


def action_value(body: dict) -> str:
    """The clicked button's value, or the chosen option's for a menu."""
    action = body["actions"][0]
    if "selected_option" in action:
        return action["selected_option"]["value"]
    return action.get("value", "")


def clicked(body: dict) -> tuple[int, list[str]]:
    """(incident id, the other parts) of the clicked value (`bot.slack.ids.encode`)."""
    return decode(action_value(body))


def view_values(view: dict) -> dict[str, object]:
    """A submitted form's state flattened into {block_id: value} for each input's `value`
    action."""
    flat: dict[str, object] = {}
    for block_id, actions in view["state"]["values"].items():
        state = actions.get(VALUE) or {}
        match state.get("type"):
            case "static_select" | "radio_buttons":
                flat[block_id] = (state.get("selected_option") or {}).get("value")
            case "users_select":
                flat[block_id] = state.get("selected_user")
            case "checkboxes":
                flat[block_id] = [o["value"] for o in state.get("selected_options") or []]
            case "datetimepicker":
                flat[block_id] = state.get("selected_date_time")
            case _:
                flat[block_id] = state.get("value")
    return flat


async def accepted(ack, errors: dict[str, str]) -> bool:
    """Ack a form's submission: with its errors (Slack shows each under its field and keeps
    the form open), else plainly. True when the form went through."""
    if errors:
        await ack(response_action="errors", errors=errors)
        return False
    await ack()
    return True


def view_incident_id(view: dict) -> int:
    """The incident a form is about, as its builder put it in private_metadata."""
    return int(json.loads(view["private_metadata"])["incident_id"])


async def say(respond, text: str, **extra: object) -> None:
    """An answer only the person who clicked sees, leaving the clicked message as it is."""
    await respond(response_type="ephemeral", replace_original=False, text=text, **extra)


def teller(respond) -> Tell:
    """`say` bound to one request's `respond`, for code that takes a `Tell`."""

    async def tell(text: str) -> None:
        await say(respond, text)

    return tell


def dm(runtime: Runtime, user: str):
    """A `respond` for modals, which have none: the answer reaches the person as a direct
    message."""

    async def send(*, text: str, **_: object) -> None:
        opened = await runtime.client.conversations_open(users=user)
        await runtime.client.chat_postMessage(channel=opened["channel"]["id"], text=text)

    return send


def incident_by_id(runtime: Runtime, incident_id: int) -> Incident | None:
    with runtime.session() as session:
        return queries.get(session, incident_id)


def incident_in_channel(runtime: Runtime, channel_id: str | None) -> Incident | None:
    if not channel_id:
        return None
    with runtime.session() as session:
        return queries.by_channel(session, channel_id)


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


async def authorise(runtime: Runtime, incident_id: int | None, user: str, *, change: bool = True
                    ) -> tuple[Incident | None, str | None]:
    """(the incident, None) when allowed, else (None, what to tell the person). Every
    listener that takes an incident id from a button, a form or typed text asks this."""
    incident = incident_by_id(runtime, incident_id) if incident_id is not None else None
    match await verdict(runtime, incident, user, change=change):
        case access.Verdict.ALLOWED:
            return incident, None
        case access.Verdict.NOT_A_MEMBER:
            return None, NOT_A_MEMBER
        case _:
            return None, access.no_such_incident(incident_id if incident_id is not None else "?")


async def visible(runtime: Runtime, incidents: list[Incident], user: str) -> list[Incident]:
    """The incidents of a list this person may see (private ones only to their people)."""
    return [i for i in incidents
            if await verdict(runtime, i, user, change=False) is access.Verdict.ALLOWED]


NOT_A_MEMBER = "Only members of the incident channel can change the incident. Join it first."
NO_INCIDENT = (
    "This command needs an incident: run it inside an incident channel "
    "(`/incident list` shows them)."
)
