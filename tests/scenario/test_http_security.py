"""Every Slack request is signature-checked; health and metrics answer."""

import json
import time
from urllib.parse import urlencode

import aiohttp


def command_body() -> str:
    return urlencode({"command": "/incident", "text": "list", "user_id": "U_ALICE",
                      "channel_id": "C_GENERAL", "team_id": "T0SANDBOX",
                      "response_url": "http://127.0.0.1:1/nowhere", "trigger_id": "t"})


async def test_bad_signature_is_401_and_calls_nothing(harness):
    await harness.settle()
    calls_before = len(harness.workspace.calls)
    response = await harness.actor.send(command_body(), signature="v0=" + "0" * 64)
    assert response.status == 401
    await harness.settle()
    assert harness.workspace.calls[calls_before:] == []
    assert harness.workspace.ephemerals == []


async def test_stale_signature_is_401(harness):
    stale = int(time.time()) - 10 * 60
    response = await harness.actor.send(command_body(), timestamp=stale)
    assert response.status == 401
    assert harness.workspace.ephemerals == []


async def test_a_correctly_signed_request_is_accepted(harness):
    response = await harness.actor.command("/incident", "help")
    assert response.status == 200
    await harness.settle()
    assert any("/incident declare" in e.text for e in harness.workspace.ephemerals)


async def test_healthz_and_metrics(harness):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{harness.stack.url}/healthz") as response:
            assert response.status == 200
            assert json.loads(await response.text()) == {
                "status": "ok", "replica": harness.bot.replica,
                "outbox": {"backlog": 0, "oldest_seconds": 0.0, "claimed": 0}}
        await harness.actor.command("/incident", "help")
        async with http.get(f"{harness.stack.url}/metrics") as response:
            assert response.status == 200
            assert response.content_type == "text/plain"
            text = await response.text()
    assert "incidentbot_ack_latency_seconds_count 1.0" in text
    assert "incidentbot_outbox_backlog" in text
    assert "incidentbot_outbox_oldest_seconds 0.0" in text
    assert "incidentbot_alerts_received" in text


async def test_healthz_reports_a_stopped_scheduler(harness):
    from bot.keys import SCHEDULER

    harness.stack.app[SCHEDULER].shutdown(wait=False)
    async with aiohttp.ClientSession() as http, http.get(
        f"{harness.stack.url}/healthz"
    ) as response:
        assert response.status == 503
        body = await response.json()
    assert body["checks"]["scheduler"] == "not running"
