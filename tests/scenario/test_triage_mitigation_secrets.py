"""A mitigation endpoint that echoes the request's headers back must not put the
credentials into the channel or the timeline (incidents/redaction.py)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web

from bot.sandbox.stack import bind
from incidents.catalog import load_catalog
from incidents.catalog.models import HttpAction
from incidents.types import EventKind
from tests.scenario.conftest import without_ai_context

EXAMPLE = Path(__file__).parents[2] / "examples" / "incidentbot.yml"
TOKEN = "tok-3f9a81c2d7e4b6"  # the value of ${ROLLBACK_TOKEN}
API_KEY = "key-77e1b2c9aa04"


@pytest_asyncio.fixture
async def echo():
    """Answers 502 with every header it was sent, as a careless proxy does."""
    async def handle(request: web.Request) -> web.Response:
        return web.Response(status=502, text=json.dumps(dict(request.headers)))

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = bind("127.0.0.1", 0)
    await web.SockSite(runner, sock).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    await runner.cleanup()


@pytest.fixture
def catalog(echo, monkeypatch):
    monkeypatch.setenv("ROLLBACK_TOKEN", TOKEN)
    catalog = without_ai_context(load_catalog(EXAMPLE)).model_copy(deep=True)
    catalog.systems["fraud-detector"].actions = {"rollback": HttpAction(
        url=f"{echo}/rollback", timeout=timedelta(seconds=2),
        headers={"Authorization": "Bearer ${ROLLBACK_TOKEN}", "X-Api-Key": API_KEY},
    )}
    return catalog


async def test_echoed_credentials_are_neither_shown_nor_stored(harness):
    ws = harness.workspace
    incident = await harness.declare()
    await harness.actor.command("/incident", "mitigate", channel=incident.channel_id,
                                user="U_BOB")
    await harness.settle()
    menu = next(e for e in ws.ephemerals_for(user="U_BOB") if e.text.startswith("Mitigations"))
    await harness.actor.click(incident.channel_id, menu.ts, "incident.mitigate",
                              f"{incident.id}:rollback", user="U_BOB")
    await harness.settle()

    (event,) = [e for e in harness.timeline(incident.id) if e.kind == EventKind.MITIGATION]
    assert event.data["ok"] is False and event.data["status"] == 502
    assert "[redacted]" in event.data["detail"]  # the rest of the answer is still there
    assert "Host" in event.data["detail"]
    sent = json.dumps([c.params for c in ws.calls], default=str)
    stored = json.dumps([(e.text, e.data) for e in harness.timeline(incident.id)], default=str)
    assert "HTTP 502" in sent
    for secret in (TOKEN, API_KEY, "Bearer tok"):
        assert secret not in sent and secret not in stored
