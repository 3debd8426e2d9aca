"""Helpers shared by listeners: what a request is about (its channel, the clicked value,
a form's values, the incident), whether this person may see or change it (`authorise`:
the one access rule, `incidents.access`, through bot/slack/membership.py), and how to
answer the person."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from bot.container import Runtime
from bot.slack.ids import VALUE, decode
from bot.slack.membership import verdict
from incidents import access, queries
from incidents.models import Incident

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


NOT_A_MEMBER = "Only members of the incident channel can change the incident. Join it first."
NO_INCIDENT = (
    "This command needs an incident: run it inside an incident channel "
    "(`/incident list` shows them)."
)
