"""The real slack_sdk AsyncWebClient against the workspace served over HTTP."""

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.sandbox.web_api import WebApiServer
from bot.sandbox.workspace import GENERAL_CHANNEL_ID, Workspace

FAST = FixedValueRetryIntervalCalculator(0.01)  # server-error retries wait this long


async def test_channel_create_and_slack_errors(client: AsyncWebClient, workspace: Workspace):
    created = await client.conversations_create(name="inc-20261127-1-model-drift")
    assert workspace.channel_by_name("inc-20261127-1-model-drift").id == created["channel"]["id"]
    for name, error in [
        ("Model Drift", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("inc-20261127-1-model-drift", "name_taken"),
    ]:
        with pytest.raises(SlackApiError) as raised:
            await client.conversations_create(name=name)
        assert raised.value.response["error"] == error
    assert len([c for c in workspace.channels.values() if c.name.startswith("inc-")]) == 1


async def test_post_update_pin_bookmark_react(client: AsyncWebClient, workspace: Workspace):
    channel = (await client.conversations_create(name="inc-1"))["channel"]["id"]
    await client.conversations_invite(channel=channel, users=["U_ALICE", "U_BOB"])
    await client.conversations_setTopic(channel=channel, topic="Sev2 | triage | cmd: none")
    posted = await client.chat_postMessage(
        channel=channel,
        text="Incident declared",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*Incident*"}}],
    )
    await client.chat_update(channel=channel, ts=posted["ts"], text="Incident (triage)")
    await client.pins_add(channel=channel, timestamp=posted["ts"])
    await client.bookmarks_add(
        channel_id=channel, title="Runbook", type="link", link="https://runbooks.example/drift"
    )
    await client.reactions_add(channel=channel, timestamp=posted["ts"], name="rotating_light")

    assert workspace.members(channel) == {"UBOT", "U_ALICE", "U_BOB"}
    assert workspace.topic(channel).value == "Sev2 | triage | cmd: none"
    [message] = workspace.pinned(channel)
    assert message.text == "Incident (triage)" and message.edited is not None
    assert message.reactions == {"rotating_light": ["UBOT"]}
    assert [b.title for b in workspace.bookmarks(channel)] == ["Runbook"]
    info = await client.conversations_info(channel=channel)  # a GET with query parameters
    assert info["channel"]["topic"]["value"].startswith("Sev2")
    history = await client.conversations_history(channel=channel)
    assert history["messages"][0]["pinned_to"] == [channel]


async def test_block_kit_limits_are_rejected(client: AsyncWebClient, workspace: Workspace):
    def section(text):
        return {"type": "section", "text": {"type": "mrkdwn", "text": text}}

    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a"}
    cases = [
        ([section("x")] * 51, "must be less than 51 items [json-pointer:/blocks]"),
        (
            [section("x" * 3001)],
            "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "actions", "elements": [button]}],
            "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        ),
    ]
    for blocks, message in cases:
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel=GENERAL_CHANNEL_ID, text="t", blocks=blocks)
        assert raised.value.response["error"] == "invalid_blocks"
        assert raised.value.response["errors"] == [message]
    assert workspace.messages(GENERAL_CHANNEL_ID) == []


@pytest.mark.parametrize(
    ("status", "handler"),
    [(429, AsyncRateLimitErrorRetryHandler), (500, AsyncServerErrorRetryHandler)],
)
async def test_retry_handlers_recover_and_leave_exactly_one_channel(
    server: WebApiServer, workspace: Workspace, status, handler
):
    client = AsyncWebClient(
        token="xoxb-sandbox",
        base_url=server.api_url,
        retry_handlers=[handler(max_retry_count=2, interval_calculator=FAST)],
    )
    workspace.faults.inject("conversations.create", status=status, times=1, retry_after=0)
    created = await client.conversations_create(name="inc-retry")
    assert created["channel"]["name"] == "inc-retry"
    assert [c.name for c in workspace.channels.values() if c.name == "inc-retry"] == ["inc-retry"]
    attempts = workspace.calls_to("conversations.create", include_injected=True)
    assert [a.status for a in attempts] == [status, 200]


async def test_without_retries_the_fault_surfaces(client: AsyncWebClient, workspace: Workspace):
    workspace.faults.inject("chat.postMessage", status=429, retry_after=3)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=GENERAL_CHANNEL_ID, text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "3"
    assert raised.value.response["error"] == "ratelimited"


async def test_steady_failure_ratio_with_retries_loses_no_message(
    server: WebApiServer, workspace: Workspace
):
    client = AsyncWebClient(
        token="xoxb-sandbox",
        base_url=server.api_url,
        retry_handlers=[AsyncServerErrorRetryHandler(max_retry_count=1, interval_calculator=FAST)],
    )
    workspace.faults.fail_ratio(0.5, status=503, method="chat.postMessage")
    for i in range(6):
        await client.chat_postMessage(channel=GENERAL_CHANNEL_ID, text=f"update {i}")
    assert [m.text for m in workspace.messages(GENERAL_CHANNEL_ID)] == [
        f"update {i}" for i in range(6)
    ]


async def test_files_upload_v2_stores_the_content(client: AsyncWebClient, workspace: Workspace):
    channel = (await client.conversations_create(name="inc-1"))["channel"]["id"]
    review = "# Post-incident review\n\nTime to detect: 12 min\n"
    uploaded = await client.files_upload_v2(
        channel=channel,
        content=review,
        filename="review.md",
        title="Review draft",
        initial_comment="Draft attached",
    )
    stored = workspace.files[uploaded["file"]["id"]]
    assert stored.content == review.encode()
    assert stored.title == "Review draft" and stored.channels == [channel]
    [message] = workspace.messages(channel)
    assert message.files == [stored.id] and message.text == "Draft attached"
    calls = [c.method for c in workspace.calls]
    assert calls[-2:] == ["files.getUploadURLExternal", "files.completeUploadExternal"]


async def test_views_open_requires_a_workspace_trigger(
    client: AsyncWebClient, workspace: Workspace
):
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Declare"}, "blocks": []}
    with pytest.raises(SlackApiError) as raised:
        await client.views_open(trigger_id="12345.98765.abcd2358fdea", view=view)
    assert raised.value.response["error"] == "invalid_trigger_id"
    opened = await client.views_open(trigger_id=workspace.issue_trigger("U_ALICE"), view=view)
    assert workspace.open_modal("U_ALICE").id == opened["view"]["id"]


async def test_form_bodies_and_token_parameter(server: WebApiServer, workspace: Workspace):
    async with aiohttp.ClientSession() as session:
        form = {"token": "xoxb-sandbox", "name": "inc-form", "is_private": "true"}
        async with session.post(f"{server.api_url}conversations.create", data=form) as response:
            body = await response.json()
        assert body["ok"] and body["channel"]["is_private"] is True
        async with session.post(
            f"{server.api_url}auth.test", headers={"Authorization": "Bearer xoxb-other"}
        ) as response:
            assert (await response.json())["error"] == "invalid_auth"
        async with session.post(
            f"{server.api_url}auth.test",
            data="{not json",
            headers={"Authorization": "Bearer xoxb-sandbox", "Content-Type": "application/json"},
        ) as response:
            assert (await response.json())["error"] == "invalid_json"


async def test_response_url_served_over_http(workspace: Workspace, server: WebApiServer):
    url = workspace.issue_response_url(channel=GENERAL_CHANNEL_ID, user="U_CAROL")
    assert url.startswith(server.url)
    webhook = AsyncWebhookClient(url)
    response = await webhook.send(text="Incident declared", response_type="in_channel")
    assert response.status_code == 200
    assert workspace.last_message(GENERAL_CHANNEL_ID).text == "Incident declared"
