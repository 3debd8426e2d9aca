"""The actor plays Slack towards a real Bolt app that talks to the workspace's Web API.

The bot and the workspace share one aiohttp server, as in `incidentbot sandbox`.
"""

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.slack_actor import SlackActor
from bot.sandbox.web_api import add_routes
from bot.sandbox.workspace import GENERAL_CHANNEL_ID, Workspace

SECRET = "sandbox-signing-secret"


def declare_view(title: str) -> dict[str, Any]:
    def labelled(block_id: str, label: str, element: dict[str, Any], **extra: Any) -> dict:
        return {
            "type": "input",
            "block_id": block_id,
            "element": element,
            "label": {"type": "plain_text", "text": label},
            **extra,
        }

    def option(value: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": value.upper()}, "value": value}

    return {
        "type": "modal",
        "callback_id": "declare",
        "notify_on_close": True,
        "title": {"type": "plain_text", "text": "Declare incident"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": [
            labelled(
                "title",
                "Title",
                {"type": "plain_text_input", "action_id": "value", "initial_value": title},
            ),
            labelled(
                "severity",
                "Severity",
                {
                    "type": "static_select",
                    "action_id": "pick",
                    "options": [option(f"sev{n}") for n in range(1, 5)],
                },
            ),
            labelled("commander", "Commander", {"type": "users_select", "action_id": "pick"}),
            labelled(
                "signals",
                "Signals",
                {
                    "type": "checkboxes",
                    "action_id": "pick",
                    "options": [option("drift"), option("pipeline")],
                },
                optional=True,
            ),
            labelled(
                "due", "Review due", {"type": "datepicker", "action_id": "pick"}, optional=True
            ),
        ],
    }


def summary_blocks(title: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "section",
            "block_id": "summary",
            "text": {"type": "mrkdwn", "text": title},
            "accessory": {
                "type": "overflow",
                "action_id": "more",
                "options": [
                    {"text": {"type": "plain_text", "text": "Decline"}, "value": "decline"}
                ],
            },
        },
        {
            "type": "actions",
            "block_id": "controls",
            "elements": [
                {
                    "type": "button",
                    "action_id": "acknowledge",
                    "value": "inc-1",
                    "text": {"type": "plain_text", "text": "Acknowledge"},
                },
                {
                    "type": "static_select",
                    "action_id": "severity",
                    "options": [
                        {"text": {"type": "plain_text", "text": f"Sev{n}"}, "value": f"sev{n}"}
                        for n in range(1, 5)
                    ],
                },
            ],
        },
    ]


def build_bot(api_url: str, seen: dict[str, list[Any]]) -> AsyncApp:
    """A tiny Bolt app exercising each surface the actor drives."""
    bolt = AsyncApp(
        client=AsyncWebClient(token="xoxb-sandbox", base_url=api_url), signing_secret=SECRET
    )

    @bolt.command("/incident")
    async def incident(ack, command, client):
        if command["text"] == "help":
            await ack("Usage: /incident declare [title]")
            return
        await ack()
        title = command["text"].removeprefix("declare").strip()
        await client.views_open(trigger_id=command["trigger_id"], view=declare_view(title))

    @bolt.view("declare")
    async def declare(ack, view, client):
        values = view["state"]["values"]
        title = values["title"]["value"]["value"]
        if title == "bad":
            await ack(response_action="errors", errors={"title": "Say what is wrong"})
            return
        await ack()
        seen["submissions"].append(values)
        channel = (await client.conversations_create(name="inc-1-model-drift"))["channel"]["id"]
        await client.conversations_invite(
            channel=channel, users=values["commander"]["pick"]["selected_user"]
        )
        posted = await client.chat_postMessage(
            channel=channel, text=title, blocks=summary_blocks(title)
        )
        await client.pins_add(channel=channel, timestamp=posted["ts"])

    @bolt.view_closed("declare")
    async def declare_closed(ack, view):
        await ack()
        seen["closed"].append(view["id"])

    @bolt.action("acknowledge")
    async def acknowledge(ack, body, action, respond):
        await ack()
        seen["actions"].append(action)
        await respond(
            replace_original=True,
            text=f"Acknowledged by <@{body['user']['id']}> ({action['value']})",
        )

    @bolt.action("severity")
    async def severity(ack, action):
        await ack()
        seen["actions"].append(action)

    @bolt.event("reaction_added")
    async def reaction(event):
        seen["events"].append(event)

    @bolt.shortcut("add_to_timeline")
    async def add_to_timeline(ack, shortcut, respond):
        await ack()
        seen["shortcuts"].append(shortcut["message"]["text"])
        await respond(text="Added to the timeline")

    return bolt


@pytest_asyncio.fixture
async def actor(workspace: Workspace) -> AsyncIterator[tuple[SlackActor, dict[str, list[Any]]]]:
    seen: dict[str, list[Any]] = {
        "submissions": [],
        "actions": [],
        "events": [],
        "closed": [],
        "shortcuts": [],
    }
    app = web.Application()
    holder: dict[str, AsyncApp] = {}

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(
            await holder["bolt"].async_dispatch(await to_bolt_request(request))
        )

    app.router.add_post("/slack/events", events)
    add_routes(app, workspace)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    workspace.public_url = url
    holder["bolt"] = build_bot(f"{url}/api/", seen)
    async with SlackActor(f"{url}/slack/events", SECRET, workspace) as slack:
        yield slack, seen
    await runner.cleanup()


def test_signatures_verify_with_slack_sdk(workspace: Workspace):
    slack = SlackActor("http://unused", SECRET, workspace)
    verifier = SignatureVerifier(SECRET)
    body, now = "command=%2Fincident&text=help", int(time.time())
    headers = {"x-slack-request-timestamp": str(now), "x-slack-signature": slack.sign(body, now)}
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + "&x=1", headers)
    stale = now - 600
    assert not verifier.is_valid_request(
        body,
        {"x-slack-request-timestamp": str(stale), "x-slack-signature": slack.sign(body, stale)},
    )


async def test_bad_or_stale_signatures_are_refused_by_bolt(actor):
    slack, _ = actor
    body = "command=%2Fincident&text=help"
    assert (await slack.send(body, signature="v0=" + "0" * 64)).status == 401
    assert (await slack.send(body, timestamp=int(time.time()) - 600)).status == 401


async def test_command_answer_is_shown_to_the_user(actor, workspace: Workspace):
    slack, _ = actor
    response = await slack.command("/incident", "help", user="U_BOB")
    assert response.status == 200 and response.applied == "ephemeral"
    assert response.elapsed < 3  # Slack's acknowledgement limit
    [shown] = workspace.ephemerals_for("U_BOB", GENERAL_CHANNEL_ID)
    assert shown.text == "Usage: /incident declare [title]"


async def test_declare_flow_through_modal_and_buttons(actor, workspace: Workspace):
    slack, seen = actor
    await slack.command("/incident", "declare Model drift")
    modal = await workspace.wait_for(lambda: workspace.open_modal("U_ALICE"))
    assert modal.payload["callback_id"] == "declare"

    refused = await slack.submit_view(
        modal.id, {"title": "bad", "severity": "sev2", "commander": "U_BOB"}
    )
    assert refused.json == {"response_action": "errors", "errors": {"title": "Say what is wrong"}}
    assert refused.applied == "errors" and modal.errors == {"title": "Say what is wrong"}

    submitted = await slack.submit_view(
        modal.id,
        {
            "title": {"value": "Model drift"},
            "severity": "sev2",
            "commander": "U_BOB",
            "signals": ["drift"],
            "due": "2026-12-04",
        },
    )
    assert submitted.applied == "close" and workspace.open_modal("U_ALICE") is None
    values = seen["submissions"][0]
    assert values["title"]["value"] == {"type": "plain_text_input", "value": "Model drift"}
    assert values["severity"]["pick"]["selected_option"]["value"] == "sev2"
    assert values["commander"]["pick"] == {"type": "users_select", "selected_user": "U_BOB"}
    assert [o["value"] for o in values["signals"]["pick"]["selected_options"]] == ["drift"]
    assert values["due"]["pick"]["selected_date"] == "2026-12-04"

    channel = await workspace.wait_for(lambda: workspace.channel_by_name("inc-1-model-drift"))
    [summary] = await workspace.wait_for(lambda: workspace.pinned(channel.id))
    assert workspace.members(channel.id) == {"UBOT", "U_BOB"}

    await slack.click(channel.id, summary.ts, "severity", "sev1")
    await workspace.wait_for(lambda: seen["actions"])
    assert seen["actions"][0]["selected_option"]["value"] == "sev1"

    clicked = await slack.click(channel.id, summary.ts, "acknowledge", user="U_BOB")
    assert clicked.status == 200
    await workspace.wait_for(lambda: summary.text.startswith("Acknowledged"))
    assert summary.text == "Acknowledged by <@U_BOB> (inc-1)"
    assert summary.blocks == []  # a text-only replacement drops the buttons, as in Slack
    button = seen["actions"][1]
    assert (button["type"], button["block_id"], button["value"]) == ("button", "controls", "inc-1")


async def test_unknown_element_names_what_is_there(actor, workspace: Workspace):
    slack, _ = actor
    ts = workspace.handle(
        "chat.postMessage",
        {"channel": GENERAL_CHANNEL_ID, "text": "x", "blocks": summary_blocks("x")},
        token="xoxb-sandbox",
    ).body["ts"]
    with pytest.raises(LookupError, match="available: \\['acknowledge', 'more', 'severity'\\]"):
        await slack.click(GENERAL_CHANNEL_ID, ts, "nope")
    with pytest.raises(LookupError, match="not in 'severity'"):
        await slack.click(GENERAL_CHANNEL_ID, ts, "severity", "sev9")


async def test_required_inputs_must_be_filled_and_closing_notifies(actor, workspace: Workspace):
    slack, seen = actor
    await slack.command("/incident", "declare")
    modal = await workspace.wait_for(lambda: workspace.open_modal("U_ALICE"))
    with pytest.raises(ValueError, match="'title' is required"):
        await slack.submit_view(modal.id, {"severity": "sev3", "commander": "U_ALICE"})
    closed = await slack.close_view(modal.id)
    assert closed is not None and closed.status == 200
    assert seen["closed"] == [modal.id] and workspace.open_modal("U_ALICE") is None


async def test_events_and_shortcuts(actor, workspace: Workspace):
    slack, seen = actor
    message = workspace.post_as_user("U_CAROL", GENERAL_CHANNEL_ID, "Flag rate is 40%")
    response = await slack.reaction_added("U_ALICE", GENERAL_CHANNEL_ID, message.ts)
    assert response.status == 200
    await workspace.wait_for(lambda: seen["events"])
    event = seen["events"][0]
    assert event["reaction"] == "pushpin" and event["item"]["ts"] == message.ts
    assert event["item_user"] == "U_CAROL"
    assert message.reactions == {"pushpin": ["U_ALICE"]}

    await slack.message_shortcut("add_to_timeline", GENERAL_CHANNEL_ID, message.ts)
    await workspace.wait_for(lambda: workspace.ephemerals_for("U_ALICE"))
    assert seen["shortcuts"] == ["Flag rate is 40%"]
    assert workspace.ephemerals_for("U_ALICE")[0].text == "Added to the timeline"
