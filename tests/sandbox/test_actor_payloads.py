"""The exact shapes the actor sends, captured by a plain recording endpoint."""

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import pytest_asyncio
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.slack_actor import SlackActor
from bot.sandbox.workspace import GENERAL_CHANNEL_ID, Workspace

SECRET = "recording-secret"


class Recorder:
    """Answers every delivery with `answer` and keeps what arrived, verified and parsed."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answer: web.Response | None = None
        self.verifier = SignatureVerifier(SECRET)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        assert self.verifier.is_valid_request(body, dict(request.headers))
        if request.content_type == "application/json":
            self.received.append(json.loads(body))
        else:
            form = dict(parse_qsl(body))
            self.received.append(json.loads(form["payload"]) if "payload" in form else form)
        answer, self.answer = self.answer, None
        return answer or web.Response(status=200)


@pytest_asyncio.fixture
async def recorded(workspace: Workspace) -> AsyncIterator[tuple[SlackActor, Recorder]]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_post("/slack/events", recorder.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    async with SlackActor(url, SECRET, workspace) as slack:
        yield slack, recorder
    await runner.cleanup()


def post(ws: Workspace, **params: Any) -> str:
    return ws.handle("chat.postMessage", params, token="xoxb-sandbox").body["ts"]


async def test_slash_command_form(recorded, workspace: Workspace):
    slack, recorder = recorded
    response = await slack.command("/incident", "declare Model drift", user="U_CAROL")
    form = recorder.received[0]
    assert set(form) == {
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    }
    assert (form["command"], form["text"], form["user_id"], form["user_name"]) == (
        "/incident",
        "declare Model drift",
        "U_CAROL",
        "carol",
    )
    assert (form["channel_id"], form["channel_name"]) == (GENERAL_CHANNEL_ID, "general")
    assert form["trigger_id"] in workspace.triggers
    assert form["response_url"] == response.response_url
    assert response.applied is None  # an empty acknowledgement shows nothing


async def test_plain_text_command_answer_becomes_an_ephemeral(recorded, workspace: Workspace):
    slack, recorder = recorded
    recorder.answer = web.Response(text="Unknown subcommand. Try /incident help")
    response = await slack.command("/incident", "frobnicate", user="U_BOB")
    assert response.text.startswith("Unknown") and response.json is None
    assert [e.text for e in workspace.ephemerals_for("U_BOB")] == [
        "Unknown subcommand. Try /incident help"
    ]


async def test_block_actions_for_select_and_overflow(recorded, workspace: Workspace):
    slack, recorder = recorded
    option = {"text": {"type": "plain_text", "text": "Decline"}, "value": "decline"}
    ts = post(
        workspace,
        channel=GENERAL_CHANNEL_ID,
        text="Incident",
        blocks=[
            {
                "type": "section",
                "block_id": "head",
                "text": {"type": "mrkdwn", "text": "Incident"},
                "accessory": {"type": "overflow", "action_id": "more", "options": [option]},
            },
            {
                "type": "actions",
                "block_id": "roles",
                "elements": [
                    {"type": "users_select", "action_id": "commander"},
                    {"type": "datepicker", "action_id": "due"},
                ],
            },
        ],
    )
    await slack.click(GENERAL_CHANNEL_ID, ts, "more", "decline")
    await slack.click(GENERAL_CHANNEL_ID, ts, "commander", "U_BOB")
    overflow, users = recorder.received
    assert overflow["type"] == "block_actions"
    assert overflow["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": GENERAL_CHANNEL_ID,
        "is_ephemeral": False,
    }
    assert overflow["message"]["ts"] == ts and overflow["channel"]["name"] == "general"
    [action] = overflow["actions"]
    assert (action["type"], action["block_id"], action["action_id"]) == ("overflow", "head", "more")
    assert action["selected_option"] == option
    assert users["actions"][0]["selected_user"] == "U_BOB"
    assert users["user"] == {
        "id": "U_ALICE",
        "username": "alice",
        "name": "alice",
        "team_id": "T0SANDBOX",
    }


async def test_buttons_sharing_an_action_id_are_told_apart_by_value(recorded, workspace):
    slack, recorder = recorded

    def answer(value: str) -> dict[str, Any]:
        return {
            "type": "button",
            "action_id": "triage_answer",
            "value": value,
            "text": {"type": "plain_text", "text": value},
        }

    ts = post(
        workspace,
        channel=GENERAL_CHANNEL_ID,
        text="Is the model up?",
        blocks=[
            {
                "type": "actions",
                "block_id": "availability",
                "elements": [answer("yes"), {**answer("no"), "action_id": "triage_no"}],
            },
            {"type": "actions", "block_id": "sanity", "elements": [answer("yes")]},
        ],
    )
    await slack.click(GENERAL_CHANNEL_ID, ts, "triage_answer", "yes", block_id="sanity")
    assert recorder.received[0]["actions"][0]["block_id"] == "sanity"


async def test_clicking_an_ephemeral_message(recorded, workspace: Workspace):
    slack, recorder = recorded
    button = {
        "type": "button",
        "action_id": "confirm",
        "value": "rollback",
        "text": {"type": "plain_text", "text": "Roll back"},
    }
    ts = workspace.handle(
        "chat.postEphemeral",
        {
            "channel": GENERAL_CHANNEL_ID,
            "user": "U_ALICE",
            "text": "Sure?",
            "blocks": [{"type": "actions", "elements": [button]}],
        },
        token="xoxb-sandbox",
    ).body["message_ts"]
    response = await slack.click(GENERAL_CHANNEL_ID, ts, "confirm")
    payload = recorder.received[0]
    assert payload["container"]["is_ephemeral"] is True and "message" not in payload
    url_id = response.response_url.rsplit("/", 1)[-1]
    assert workspace.response_urls[url_id].ephemeral is True


async def test_view_closed_only_with_notify_on_close(recorded, workspace: Workspace):
    slack, recorder = recorded
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Note"}, "blocks": []}
    quiet = workspace.handle(
        "views.open",
        {"trigger_id": workspace.issue_trigger("U_ALICE"), "view": view},
        token="xoxb-sandbox",
    ).body["view"]
    assert await slack.close_view(quiet["id"]) is None
    assert recorder.received == [] and workspace.views[quiet["id"]].closed


async def test_event_envelopes(recorded, workspace: Workspace):
    slack, recorder = recorded
    await slack.message("U_BOB", GENERAL_CHANNEL_ID, "root cause: stale features")
    ts = workspace.last_message(GENERAL_CHANNEL_ID).ts
    await slack.pin_added("U_ALICE", GENERAL_CHANNEL_ID, ts)
    message, pin = recorder.received
    assert message["type"] == "event_callback" and message["team_id"] == "T0SANDBOX"
    assert message["authorizations"][0]["user_id"] == "UBOT"
    assert message["event"] == {
        "type": "message",
        "channel": GENERAL_CHANNEL_ID,
        "user": "U_BOB",
        "text": "root cause: stale features",
        "ts": ts,
        "team": "T0SANDBOX",
        "channel_type": "channel",
        "event_ts": ts,
    }
    assert pin["event"]["type"] == "pin_added" and pin["event"]["channel_id"] == GENERAL_CHANNEL_ID
    assert pin["event"]["item"]["message"]["text"] == "root cause: stale features"
    assert message["event_id"] != pin["event_id"]
    assert [m.ts for m in workspace.pinned(GENERAL_CHANNEL_ID)] == [ts]
