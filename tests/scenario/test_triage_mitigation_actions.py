"""Mitigations end to end: the menu, a real HTTP receiver on loopback, failures and Retry."""

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.outbound.mitigation import call_action
from bot.sandbox.stack import bind
from incidents.catalog import load_catalog
from incidents.catalog.models import HttpAction
from incidents.types import EventKind, Status
from tests.scenario.conftest import without_ai_context

EXAMPLE = Path(__file__).parents[2] / "examples" / "incidentbot.yml"
SECRET = "Bearer s3cret-token"


class Receiver:
    """An ML-ops endpoint stand-in: records every request, answers with scripted statuses."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self.hooks: list = []  # called with each request as it arrives
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append({"method": request.method, "path": request.path,
                           "headers": dict(request.headers), "json": await request.json()})
        for hook in self.hooks:
            hook(request)
        await asyncio.sleep(self.delay)
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="model registry unavailable" if status >= 500
                            else '{"ok": true}')

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        sock = bind("127.0.0.1", 0)
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def close(self) -> None:
        await self._runner.cleanup()


@pytest.fixture
def catalog(receiver):
    """The example catalog with the fraud detector's actions pointing at the receiver (and no
    model registry: with one, rollback moves its alias, test_registry.py)."""
    catalog = without_ai_context(load_catalog(EXAMPLE)).model_copy(deep=True)
    action = {"headers": {"Authorization": SECRET}, "timeout": timedelta(seconds=2)}
    catalog.systems["fraud-detector"].actions = {
        name: HttpAction(url=f"{receiver.url}/models/fraud/{name}", **action)
        for name in ("rollback", "rules_fallback", "threshold")
    }  # manual_review stays unconfigured: a manual step
    return catalog


async def open_menu(harness, incident, user="U_BOB"):
    await harness.actor.command("/incident", "mitigate", channel=incident.channel_id, user=user)
    await harness.settle()
    menu = [e for e in harness.workspace.ephemerals_for(user=user)
            if e.text.startswith("Mitigations for")]
    assert menu, "no mitigation menu"
    return menu[-1]


async def click_mitigation(harness, incident, menu, name, user="U_BOB"):
    await harness.actor.click(incident.channel_id, menu.ts, "incident.mitigate",
                              f"{incident.id}:{name}", user=user)


def menu_buttons(menu):
    return {b["accessory"]["value"].split(":")[1]: b["accessory"] for b in menu.blocks
            if b.get("accessory")}


async def test_rollback_calls_the_endpoint_once_and_offers_mitigated(harness, receiver):
    ws = harness.workspace
    incident = await harness.declare()
    menu = await open_menu(harness, incident)
    buttons = menu_buttons(menu)
    assert set(buttons) == {"rollback", "rules_fallback", "manual_review", "threshold"}
    assert all("confirm" in buttons[n] for n in ("rollback", "rules_fallback", "manual_review"))
    assert "call 127.0.0.1" in buttons["rollback"]["confirm"]["text"]["text"]
    assert "manual step" in buttons["manual_review"]["confirm"]["text"]["text"]

    await click_mitigation(harness, incident, menu, "rollback")
    message = await ws.wait_for(lambda: next(
        (m for m in ws.messages(incident.channel_id) if "Roll back" in m.text), None))
    await harness.settle()
    assert len(receiver.calls) == 1
    call = receiver.calls[0]
    assert (call["method"], call["path"]) == ("POST", "/models/fraud/rollback")
    assert call["json"] == {"incident_id": incident.id, "system": "fraud-detector",
                            "action": "rollback", "parameters": {}, "requested_by": "U_BOB"}
    assert call["headers"]["Authorization"] == SECRET
    text = str(message.blocks)
    assert ":white_check_mark:" in text and "succeeded (HTTP 200)" in text and "<@U_BOB>" in text
    event = next(e for e in harness.timeline(incident.id) if e.kind == EventKind.MITIGATION)
    assert event.actor == "U_BOB" and event.data["ok"] is True and event.data["status"] == 200
    assert event.text.startswith("Roll back to the previous model version → succeeded")
    everything = json.dumps([str(m.blocks) for m in ws.messages(incident.channel_id)]) + \
        json.dumps([e.data for e in harness.timeline(incident.id)])
    assert "s3cret" not in everything  # credentials are never shown or stored

    await harness.actor.click(incident.channel_id, message.ts, "incident.set_status",
                              f"{incident.id}:mitigated", user="U_BOB")
    await harness.settle()
    assert harness.incident(incident.id).status == Status.MITIGATED


async def test_failure_is_reported_and_retry_calls_again(harness, receiver):
    ws = harness.workspace
    receiver.statuses = [500, 200]
    incident = await harness.declare()
    menu = await open_menu(harness, incident, user="U_ALICE")
    await click_mitigation(harness, incident, menu, "rules_fallback", user="U_ALICE")
    failed = await ws.wait_for(lambda: next(
        (m for m in ws.messages(incident.channel_id) if "Fall back" in m.text), None))
    await harness.settle()
    assert len(receiver.calls) == 1
    text = str(failed.blocks)
    assert ":x:" in text and "*failed*: HTTP 500: model registry unavailable" in text
    retry = next(e for b in failed.blocks if b["type"] == "actions" for e in b["elements"])
    assert retry["action_id"] == "incident.mitigate_retry"
    event = [e for e in harness.timeline(incident.id) if e.kind == EventKind.MITIGATION][-1]
    assert event.data["ok"] is False and event.data["status"] == 500
    assert harness.incident(incident.id).status == Status.TRIAGE

    await harness.actor.click(incident.channel_id, failed.ts, "incident.mitigate_retry",
                              retry["value"], user="U_BOB")
    await ws.wait_for(lambda: len([m for m in ws.messages(incident.channel_id)
                                   if "Fall back" in m.text]) == 2)
    await harness.settle()
    assert len(receiver.calls) == 2
    assert receiver.calls[1]["json"]["requested_by"] == "U_BOB"
    second = [m for m in ws.messages(incident.channel_id) if "Fall back" in m.text][-1]
    assert "succeeded" in str(second.blocks) and "(attempt 2)" in str(second.blocks)
    kinds = [(e.data["ok"], e.data["attempt"]) for e in harness.timeline(incident.id)
             if e.kind == EventKind.MITIGATION]
    assert kinds == [(False, 1), (True, 2)]


async def test_unconfigured_mitigation_is_recorded_as_a_manual_step(harness, receiver):
    ws = harness.workspace
    incident = await harness.declare()
    await harness.actor.click(incident.channel_id, incident.summary_ts, "incident.mitigate_menu",
                              str(incident.id), user="U_ALICE")
    await harness.settle()
    menu = [e for e in ws.ephemerals_for(user="U_ALICE") if e.text.startswith("Mitigations")][-1]
    await click_mitigation(harness, incident, menu, "manual_review", user="U_ALICE")
    message = await ws.wait_for(lambda: next(
        (m for m in ws.messages(incident.channel_id) if "Manual override" in m.text), None))
    await harness.settle()
    assert receiver.calls == []
    assert "recorded as a manual step done by <@U_ALICE>" in str(message.blocks)
    event = next(e for e in harness.timeline(incident.id) if e.kind == EventKind.MITIGATION)
    assert event.data["manual"] is True and event.actor == "U_ALICE"


async def test_threshold_asks_for_the_value_and_shows_the_trade_off(harness, receiver):
    ws = harness.workspace
    incident = await harness.declare()
    menu = await open_menu(harness, incident, user="U_ALICE")
    assert "reduces false positives at the cost of more false negatives" in str(menu.blocks)
    await click_mitigation(harness, incident, menu, "threshold", user="U_ALICE")
    modal = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    assert "more false negatives" in str(modal.blocks)
    bad = await harness.actor.submit_view(modal.id, {"threshold": {"value": "high"}})
    assert bad.json["response_action"] == "errors" and receiver.calls == []
    await harness.actor.submit_view(modal.id, {"threshold": {"value": "0.7"},
                                               "previous_threshold": {"value": "0.5"}})
    await ws.wait_for(lambda: any("Adjust" in m.text for m in ws.messages(incident.channel_id)))
    await harness.settle()
    assert [c["json"]["parameters"] for c in receiver.calls] == [
        {"threshold": 0.7, "previous": 0.5}
    ]
    event = next(e for e in harness.timeline(incident.id) if e.kind == EventKind.MITIGATION)
    assert "to 0.7 (from 0.5: raised: fewer false positives, more false negatives)" in event.text


async def test_call_action_reports_timeouts_and_unreachable_hosts(receiver):
    receiver.delay = 1.0
    slow = HttpAction(url=f"{receiver.url}/slow", timeout=timedelta(seconds=0.2))
    result = await call_action(slow, {"action": "rollback"})
    assert not result.ok and result.detail == "no answer within 0.2s"
    receiver.delay = 0
    closed = bind("127.0.0.1", 0)
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    gone = HttpAction(url=f"http://127.0.0.1:{port}/x?token=abc")
    result = await call_action(gone, {"action": "rollback"})
    assert not result.ok and result.status is None and "could not reach it" in result.detail
    assert "token" not in result.detail and result.target == f"127.0.0.1:{port}"


async def test_header_credentials_come_from_the_environment(receiver, monkeypatch):
    action = HttpAction(url=f"{receiver.url}/rollback",
                        headers={"Authorization": "Bearer ${MLOPS_TOKEN}", "X-Team": "ml"})
    monkeypatch.delenv("MLOPS_TOKEN", raising=False)
    result = await call_action(action, {"action": "rollback"})
    assert not result.ok and receiver.calls == []  # nothing sent without its credential
    assert result.detail == ("its headers need the environment variable MLOPS_TOKEN, "
                             "which is not set")
    monkeypatch.setenv("MLOPS_TOKEN", "t0ken-from-env")
    result = await call_action(action, {"action": "rollback"})
    assert result.ok
    assert receiver.calls[0]["headers"]["Authorization"] == "Bearer t0ken-from-env"
    assert receiver.calls[0]["headers"]["X-Team"] == "ml"
    assert "${MLOPS_TOKEN}" in action.headers["Authorization"]  # the catalog keeps the name
