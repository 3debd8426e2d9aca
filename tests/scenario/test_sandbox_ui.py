"""The sandbox page's server side: state, live events, and the JSON endpoints that act
through signed requests (the browser test drives the same endpoints from a real page)."""

import asyncio
import json
import re

import aiohttp
from sqlmodel import select

from incidents.models import Alert
from incidents.types import EventKind


async def ui(harness, path: str, body: dict, headers: dict | None = None):
    async with aiohttp.ClientSession() as http, http.post(
        f"{harness.stack.url}/sandbox/ui/{path}", data=json.dumps(body),
        headers={"Content-Type": "application/json", **(headers or {})},
    ) as response:
        return response.status, await response.json(content_type=None)


async def get(harness, path: str):
    async with aiohttp.ClientSession() as http, http.get(f"{harness.stack.url}{path}") as r:
        return r.status, r.headers.get("Content-Type", ""), await r.text()


async def test_the_page_and_its_files_are_served(harness):
    status, kind, html = await get(harness, "/")
    assert status == 200 and kind.startswith("text/html")
    assert '<script src="/sandbox/ui/static/app.js" type="module"' in html
    assert "Fire alert" in html
    # app.js and every module it imports, however deep: each served as JavaScript (a browser
    # runs a module only with a JavaScript type), none writing HTML from text.
    waiting, served = ["app.js"], set()
    while waiting:
        name = waiting.pop()
        status, kind, script = await get(harness, f"/sandbox/ui/static/{name}")
        assert status == 200 and "javascript" in kind, name
        assert "innerHTML" not in script, name  # every text goes in as text
        served.add(name)
        waiting += [m for m in re.findall(r'from "\./([\w-]+\.js)"', script) if m not in served]
    assert len(served) > 1 and "blocks.js" in served
    status, kind, _ = await get(harness, "/sandbox/ui/static/app.css")
    assert status == 200 and kind.startswith("text/css")


async def test_state_shows_what_a_person_sees(harness):
    harness.workspace.add_channel("secret", members=["U_BOB"], is_private=True)
    status, _, text = await get(harness, "/sandbox/ui/state?user=U_ALICE&channel=C_GENERAL")
    state = json.loads(text)
    assert status == 200 and state["user"] == "U_ALICE"
    assert {u["name"]: u["tz"] for u in state["users"] if not u["is_bot"]} == {
        "alice": "Europe/Berlin", "bob": "America/New_York", "carol": "Asia/Kolkata",
        "dave": "America/Chicago"}
    assert [c["name"] for c in state["channels"]] == ["general"]  # not Bob's private one
    assert state["channel"]["id"] == "C_GENERAL" and state["modal"] is None
    assert len(state["scenarios"]) == 8
    _, _, text = await get(harness, "/sandbox/ui/state?user=U_BOB")
    assert "secret" in [c["name"] for c in json.loads(text)["channels"]]


async def test_requests_from_other_sites_or_not_json_are_refused(harness):
    status, body = await ui(harness, "fire", {"scenario": "data-drift"},
                            headers={"Origin": "https://evil.example"})
    assert status == 403 and "cross-origin" in body["error"]
    async with aiohttp.ClientSession() as http, http.post(
        f"{harness.stack.url}/sandbox/ui/fire", data="scenario=data-drift",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as response:
        assert response.status == 415
    status, body = await ui(harness, "fire", {"scenario": "data-drift"},
                            headers={"Host": "rebound.example"})  # DNS rebinding
    assert status == 403 and body["error"] == "unknown host"
    status, body = await ui(harness, "command", {"user": "UBOT", "channel": "C_GENERAL",
                                                 "text": "/incident help"})
    assert status == 400 and "sandbox's people" in body["error"]
    assert harness.incidents() == []


async def test_fire_posts_the_scenario_alert_to_the_bot(harness):
    status, body = await ui(harness, "fire", {"scenario": "feature-pipeline-nulls"})
    await harness.settle()
    assert status == 200 and body["status"] == 201
    assert body["answer"]["alerts"][0]["outcome"] == "opened"
    incident = harness.incident()
    assert incident.system == "fraud-detector" and not incident.is_drill
    with harness.bot.session() as session:
        alert = session.exec(select(Alert)).one()
    assert alert.source == "generic" and alert.signal == "pipeline"
    assert alert.labels["scenario"] == "feature-pipeline-nulls"
    status, body = await ui(harness, "fire", {"scenario": "nope"})
    assert status == 400


async def test_commands_clicks_modals_and_reactions_reach_the_bot(harness):
    ws = harness.workspace
    status, body = await ui(harness, "command", {"user": "U_BOB", "channel": "C_GENERAL",
                                                 "text": "/incident declare Fraud spike"})
    assert status == 200 and body["status"] == 200
    view = await ws.wait_for(lambda: ws.open_modal("U_BOB"))
    status, body = await ui(harness, "submit", {"user": "U_BOB", "view_id": view.id, "values": {
        "title": {"value": "Fraud spike"}, "system": {"value": "fraud-detector"},
        "severity": {"value": "3"}}})
    assert status == 200 and body["applied"] == "close"
    await harness.settle()
    incident = harness.incident()
    assert incident.declared_by == "U_BOB"
    status, _ = await ui(harness, "action", {"user": "U_BOB", "channel": incident.channel_id,
                                             "ts": incident.summary_ts,
                                             "action_id": "incident.triage",
                                             "value": str(incident.id)})
    await harness.settle()
    assert status == 200
    assert any(m.text.startswith("Triage checklist") for m in ws.messages(incident.channel_id))
    status, body = await ui(harness, "message", {"user": "U_BOB", "channel": incident.channel_id,
                                                 "text": "rollback <now> & verify"})
    assert status == 200
    posted = ws.last_message(incident.channel_id)
    assert posted.text == "rollback &lt;now&gt; &amp; verify"  # as Slack's clients send it
    status, _ = await ui(harness, "react", {"user": "U_BOB", "channel": incident.channel_id,
                                            "ts": posted.ts})
    await harness.settle()
    assert status == 200 and posted.reactions == {"pushpin": ["U_BOB"]}
    captured = [e for e in harness.timeline(incident.id) if e.kind == EventKind.SLACK_MESSAGE]
    assert [(e.source_ts, e.data["how"]) for e in captured] == [(posted.ts, "reaction")]
    status, body = await ui(harness, "command", {"user": "U_BOB", "channel": "C_GENERAL",
                                                 "text": "incident help"})
    assert status == 400 and "starts with /" in body["error"]


async def test_live_events_stream_workspace_changes(harness):
    async with aiohttp.ClientSession() as http, http.get(
        f"{harness.stack.url}/sandbox/ui/events") as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        assert await stream.content.readline() == b"retry: 1000\n"
        harness.workspace.post_as_user("U_ALICE", "C_GENERAL", "hello")
        events = []
        async with asyncio.timeout(5):
            while not events:
                line = (await stream.content.readline()).decode().strip()
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
    assert events[0]["type"] == "message_posted" and events[0]["channel"] == "C_GENERAL"
    assert "message" not in events[0]  # a nudge to refetch, not the content
