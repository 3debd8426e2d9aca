"""The sandbox page's server side, through its real endpoints: typed @mentions reach the bot
as Slack sends them, uploaded files are served for the page, the fake ML-ops service answers
the example catalog's `.example` actions, and a failed action can be recorded as done by hand.
"""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from bot.outbound.mitigation import call_action
from bot.sandbox import mlops
from bot.sandbox.run import banner, cli_hint
from incidents.catalog import load_catalog
from incidents.catalog.models import HttpAction
from incidents.types import EventKind
from tests.scenario.conftest import without_ai_context
from tests.scenario.test_triage_mitigation_actions import (
    EXAMPLE,
    click_mitigation,
    open_menu,
)


@pytest.fixture
def catalog(receiver):
    """The example catalog, the fraud detector's fallback answering HTTP 500."""
    catalog = without_ai_context(load_catalog(EXAMPLE)).model_copy(deep=True)
    catalog.systems["fraud-detector"].actions = {
        "rules_fallback": HttpAction(url=f"{receiver.url}/fallback",
                                     timeout=timedelta(seconds=2)),
    }
    quiet = {key: s.model_copy(update={"monitors": []}) for key, s in catalog.systems.items()}
    return catalog.model_copy(update={"systems": quiet})


async def page_post(harness, name: str, body: dict) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.post(
        f"{harness.stack.url}/sandbox/ui/{name}", json=body
    ) as response:
        return response.status, await response.json(content_type=None)


async def test_typed_mentions_assign_and_page_as_the_readme_says(harness):
    incident = await harness.declare(user="U_ALICE")
    channel = incident.channel_id
    status, _ = await page_post(harness, "command", {
        "user": "U_ALICE", "channel": channel, "text": "/incident assign comms @bob"})
    assert status == 200
    await harness.settle()
    # The bot reads only <@U…> mentions: the page sent `@bob` as Slack does.
    assert harness.incident(incident.id).comms == "U_BOB"

    await page_post(harness, "command", {
        "user": "U_ALICE", "channel": channel, "text": "/incident page @carol"})
    await harness.settle()
    kinds = [e.kind for e in harness.timeline(incident.id)]
    assert EventKind.PAGED in kinds, kinds

    # A typed message: the mention becomes <@U…|name>; a name nobody has stays text.
    await page_post(harness, "message", {
        "user": "U_BOB", "channel": channel, "text": "@carol see this, and @nobody <b>"})
    said = harness.workspace.messages(channel)[-1].text
    assert said == "<@U_CAROL|carol> see this, and @nobody &lt;b&gt;"


async def test_join_button_adds_the_person_to_a_public_channel(harness):
    incident = await harness.declare(user="U_ALICE")
    channel = harness.workspace.channels[incident.channel_id]
    assert "U_DAVE" not in channel.members
    status, answer = await page_post(harness, "join", {"user": "U_DAVE",
                                                       "channel": channel.id})
    assert status == 200 and answer["channel"] == channel.id
    assert "U_DAVE" in channel.members


async def test_fake_mlops_answers_example_actions_and_nothing_else_is_rewritten(harness):
    example = load_catalog(EXAMPLE)
    local = mlops.local_actions(example, harness.stack.url)
    rollback = local.systems["fraud-detector"].actions["rollback"]
    assert rollback.url.startswith(f"{harness.stack.url}/sandbox/mlops/ml-ops.example/")
    assert rollback.headers == {}  # the real service's credential is not sent to the fake
    result = await call_action(rollback, {"action": "rollback", "incident_id": 1})
    assert result.ok and result.status == 200
    calls = harness.stack.app[mlops.CALLS]
    assert calls[-1]["path"] == "/ml-ops.example/api/models/fraud-detector/rollback"
    assert calls[-1]["body"]["action"] == "rollback"
    # A real endpoint is left as written.
    real = example.model_copy(deep=True)
    real.systems["fraud-detector"].actions["rollback"] = HttpAction(
        url="https://mlops.acme.com/rollback")
    kept = mlops.local_actions(real, harness.stack.url)
    assert kept.systems["fraud-detector"].actions["rollback"].url == \
        "https://mlops.acme.com/rollback"


async def test_a_failed_action_can_be_recorded_as_done_by_hand(harness, receiver):
    ws = harness.workspace
    receiver.statuses = [500]
    incident = await harness.declare()
    menu = await open_menu(harness, incident, user="U_ALICE")
    await click_mitigation(harness, incident, menu, "rules_fallback", user="U_ALICE")
    failed = await ws.wait_for(lambda: next(
        (m for m in ws.messages(incident.channel_id) if "Fall back" in m.text), None))
    buttons = {e["action_id"]: e for b in failed.blocks if b["type"] == "actions"
               for e in b["elements"]}
    assert set(buttons) == {"incident.mitigate_retry", "incident.mitigate_by_hand"}
    assert buttons["incident.mitigate_by_hand"]["text"]["text"] == "Record as done by hand"
    await harness.actor.click(incident.channel_id, failed.ts, "incident.mitigate_by_hand",
                              buttons["incident.mitigate_by_hand"]["value"], user="U_ALICE")
    await ws.wait_for(lambda: len([m for m in ws.messages(incident.channel_id)
                                   if "Fall back" in m.text]) == 2)
    await harness.settle()
    assert len(receiver.calls) == 1  # by hand: the endpoint is not called again
    events = [e.data for e in harness.timeline(incident.id) if e.kind == EventKind.MITIGATION]
    assert events[-1]["manual"] is True and events[-1]["ok"] is True


async def test_uploaded_files_are_served_for_the_page(harness):
    incident = await harness.declare(user="U_ALICE")
    await harness.actor.command("/incident", "review", channel=incident.channel_id,
                                user="U_ALICE")
    await harness.settle()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{harness.stack.url}/sandbox/ui/state",
                            params={"user": "U_ALICE", "channel": incident.channel_id}) as r:
            state = await r.json()
        shown = [f for m in state["channel"]["messages"] for f in m.get("files", [])]
        review = next(f for f in shown if f["name"].endswith(".md"))
        assert review["kind"] == "text" and review["text"].startswith("# Post-incident review")
        async with http.get(f"{harness.stack.url}{review['url']}?download=1") as r:
            assert r.status == 200 and r.content_type == "text/plain"
            assert "attachment" in r.headers["Content-Disposition"]
            assert (await r.text()).startswith("# Post-incident review")
        async with http.get(f"{harness.stack.url}/sandbox/ui/files/F_NOPE") as r:
            assert r.status == 404


def test_banner_prints_the_cli_command_and_says_when_the_database_is_fresh():
    example = load_catalog(EXAMPLE)
    text = banner("http://127.0.0.1:3000", example, "sqlite:///./incidentbot-sandbox.db",
                  fresh="Starting with a fresh database: …")
    assert text.startswith("Starting with a fresh database")
    assert "incidentbot export 1" in text
    hint = cli_hint("sqlite:///./incidentbot-sandbox.db")
    assert hint.startswith("DATABASE_URL=sqlite:////") and hint.endswith(
        "incidentbot-sandbox.db incidentbot export 1")
    assert "secret" not in cli_hint("postgresql://bot:secret@db/incidents")
