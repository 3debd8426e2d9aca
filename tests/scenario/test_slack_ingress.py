"""/slack/events takes a request only when Slack signed it, only once, and only from the
workspace the bot is installed in; whatever else arrives gets a 4xx and no traceback."""

import logging
import time
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio

from bot.sandbox.stack import start_stack
from incidents.types import EventKind
from tests.databases import on_postgres
from tests.scenario.conftest import Harness


def command(harness, text: str, *, team: str = "T0SANDBOX", channel: str = "C_GENERAL") -> str:
    ws = harness.workspace
    return urlencode({
        "command": "/incident", "text": text, "user_id": "U_ALICE", "channel_id": channel,
        "team_id": team, "trigger_id": ws.issue_trigger("U_ALICE"),
        "response_url": ws.issue_response_url(channel=channel, user="U_ALICE")})


def no_tracebacks(caplog) -> None:
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []


async def test_malformed_timestamps_are_401_without_a_traceback(harness, caplog):
    for timestamp in ("abc", "12.5", "", "1e9", "٣٤٥"):
        response = await harness.actor.send(command(harness, "list"), timestamp=timestamp)
        assert response.status == 401, (timestamp, response.text)
        assert "X-Slack-Request-Timestamp" in response.json["error"]
    no_tracebacks(caplog)


async def test_a_body_that_is_not_utf8_is_400_without_a_traceback(harness, caplog):
    async with aiohttp.ClientSession() as http, http.post(
        harness.actor.events_url, data=b"payload=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "X-Slack-Request-Timestamp": str(int(time.time())),
                 "X-Slack-Signature": "v0=" + "0" * 64}) as response:
        assert response.status == 400
        assert "UTF-8" in (await response.json())["error"]
    no_tracebacks(caplog)


async def test_a_signed_payload_that_is_not_json_is_400_without_a_traceback(harness, caplog):
    for body in ("payload=%7Bnot-json", "payload=%5B1%5D", "payload=" + "%5B" * 5000):
        response = await harness.actor.send(body)
        assert response.status == 400, response.text
        assert "payload" in response.json["error"]
    response = await harness.actor.send("[1, 2]", content_type="application/json")
    assert response.status == 400
    no_tracebacks(caplog)


def notes(harness, incident_id: int):
    return [e for e in harness.timeline(incident_id) if e.kind == EventKind.NOTE]


async def test_a_replayed_request_is_refused_and_slack_retries_do_nothing(harness):
    incident = await harness.declare()
    body = command(harness, "note first look at the flag rate", channel=incident.channel_id)
    timestamp = int(time.time())
    first = await harness.actor.send(body, timestamp=timestamp)
    assert first.status == 200
    again = await harness.actor.send(body, timestamp=timestamp)
    assert again.status == 401 and "replayed" in again.json["error"]
    retry = await harness.actor.send(body, timestamp=timestamp,
                                     headers={"X-Slack-Retry-Num": "1"})
    assert retry.status == 200 and retry.headers.get("X-Slack-No-Retry") == "1"
    await harness.settle()
    assert len(notes(harness, incident.id)) == 1


@pytest.mark.skipif(not on_postgres(), reason="replicas share PostgreSQL (SQLite: one process)")
async def test_a_replay_to_another_replica_is_refused_too(harness, settings, catalog):
    incident = await harness.declare()
    other = await start_stack(settings, catalog, workspace=harness.workspace,
                              signing_secret=harness.stack.signing_secret)
    try:
        body = command(harness, "note seen once", channel=incident.channel_id)
        timestamp = int(time.time())
        assert (await harness.actor.send(body, timestamp=timestamp)).status == 200
        replayed = await other.actor.send(body, timestamp=timestamp)
        assert replayed.status == 401
    finally:
        await other.close()
    await harness.settle()
    assert len(notes(harness, incident.id)) == 1


async def test_a_request_from_another_workspace_is_refused(harness):
    await harness.settle()  # auth.test has answered: the bot knows its workspace
    assert harness.bot.team_id == harness.workspace.team_id
    incidents_before = len(harness.incidents())
    response = await harness.actor.send(command(harness, "declare From elsewhere",
                                                team="T0OTHER"))
    assert response.status == 403
    await harness.settle()
    assert harness.workspace.open_modal("U_ALICE") is None
    assert len(harness.incidents()) == incidents_before
    assert (await harness.actor.send(command(harness, "help"))).status == 200


@pytest_asyncio.fixture
async def unsigned_bot(settings, catalog):
    """Socket Mode would deliver events; the HTTP endpoint then has nothing to take."""
    stack = await start_stack(settings, catalog)
    stack.bot.settings = stack.bot.settings.model_copy(update={"slack_signing_secret": None})
    yield Harness(stack)
    await stack.close()


async def test_without_a_signing_secret_nothing_is_taken(unsigned_bot):
    response = await unsigned_bot.actor.send("command=%2Fincident&text=help")
    assert response.status == 404
