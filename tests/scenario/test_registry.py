"""The model registry through Slack, against the sandbox's registry (bot/sandbox/mlflow.py)
served on its own port: the serving version in the summary, triage's deployment check
answered by the bot and the proposal pointing at the model, a rollback to a chosen version
with the evidence preserved before the alias moves, Undo, and the export."""

from __future__ import annotations

import json

import pytest_asyncio
from aiohttp import web
from sqlmodel import select

from bot.cli.export import export_review
from bot.sandbox import mlflow
from bot.sandbox.stack import bind
from incidents.catalog import load_catalog
from incidents.comms import notifications as communications
from incidents.models import Outbox
from incidents.regulatory.models import EvidenceSnapshot
from incidents.types import EventKind
from tests.scenario.conftest import EXAMPLE, without_ai_context

ALERT = {"system": "fraud-detector", "title": "Fraud flag rate 40%",
         "signal": "prediction_distribution",
         "metric": {"name": "flag_rate", "value": 0.40, "baseline": 0.02, "threshold": 0.10}}
ANSWERS = [("alert", "real"), ("predictions", "yes"), ("ranges", "no"),
           ("inputs_changed", "no"), ("impact", "material")]


class Registry:
    """The sandbox registry on loopback, seeded for the example catalog's models."""

    def __init__(self, app: web.Application, url: str) -> None:
        self.app, self.url = app, url

    @property
    def calls(self) -> list[dict]:
        return self.app[mlflow.CALLS]

    def moves(self) -> list[str]:
        return [c["params"]["version"] for c in self.calls
                if c["method"] == "POST" and c["path"] == "/registered-models/alias"]

    def serving(self, name: str = "fraud-detector") -> int:
        return self.app[mlflow.MODELS][name]["aliases"]["champion"]


@pytest_asyncio.fixture
async def sandbox_registry():
    example = load_catalog(EXAMPLE)
    app = web.Application()
    mlflow.add_routes(app, example)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = bind("127.0.0.1", 0)
    await web.SockSite(runner, sock).start()
    yield Registry(app, f"http://127.0.0.1:{sock.getsockname()[1]}")
    await runner.cleanup()


@pytest_asyncio.fixture
async def catalog(sandbox_registry):
    """The example catalog (no monitors) with its `.example` registry served by the fixture,
    exactly as `incidentbot sandbox` reroutes it."""
    example = load_catalog(EXAMPLE)
    quiet = without_ai_context(example, monitors=False)
    systems = {key: system.model_copy(update={
        "monitors": [], "actions": {}}) for key, system in example.systems.items()}
    local = mlflow.local_registry(example.model_copy(update={"systems": systems}),
                                  sandbox_registry.url)
    assert quiet.systems["fraud-detector"].model is None
    return local


async def fire(harness):
    status, _ = await harness.post("/alerts", ALERT)
    assert status == 201
    await harness.settle()
    return harness.incident()


async def open_rollback_form(harness, incident, user="U_BOB"):
    await harness.actor.command("/incident", "mitigate", channel=incident.channel_id, user=user)
    await harness.settle()
    menu = [e for e in harness.workspace.ephemerals_for(user=user)
            if e.text.startswith("Mitigations for")][-1]
    button = next(b["accessory"] for b in menu.blocks
                  if b.get("block_id") == "mitigation-rollback")
    assert "confirm" not in button  # the form is the confirmation
    await harness.actor.click(incident.channel_id, menu.ts, "incident.mitigate",
                              f"{incident.id}:rollback", user=user)
    ws = harness.workspace
    return await ws.wait_for(lambda: (v := ws.open_modal(user)) is not None
                             and v.payload.get("submit") and v)


async def submit_version(harness, form, version: int, user="U_BOB"):
    response = await harness.actor.submit_view(form.id, {"model_version": {"value":
                                                                           str(version)}},
                                               user=user)
    assert response.status == 200, response.text
    await harness.settle()


def shown_text(blocks) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def kinds(harness, incident) -> list[str]:
    return [e.kind for e in harness.timeline(incident.id)]


async def test_summary_shows_the_serving_version_and_triage_points_at_the_model(harness):
    incident = await fire(harness)
    bot_user = harness.bot.bot_user_id

    read = next(e for e in harness.timeline(incident.id) if e.kind == EventKind.MODEL_VERSION)
    assert read.actor == bot_user and read.data["registry"]["serving"] == 42
    summary = next(m for m in harness.workspace.messages(incident.channel_id)
                   if m.ts == harness.incident().summary_ts)
    shown = json.dumps(summary.blocks, ensure_ascii=False)
    assert "Serving model" in shown and "*v42* (champion)" in shown

    answer = next(e for e in harness.timeline(incident.id)
                  if e.kind == EventKind.TRIAGE_ANSWER)
    assert answer.actor == bot_user and answer.data["answer"] == "yes"
    assert "v42 promoted 3 h" in answer.text and "before the first alert" in answer.text

    await harness.actor.command("/incident", "triage", channel=incident.channel_id)
    await harness.settle()
    checklist_ts = harness.incident().checklist_ts
    for item, value in ANSWERS:
        await harness.actor.click(incident.channel_id, checklist_ts,
                                  f"incident.triage_answer:{value}",
                                  f"{incident.id}:{item}:{value}")
    await harness.settle()
    checklist = next(m for m in harness.workspace.messages(incident.channel_id)
                     if m.ts == checklist_ts)
    text = json.dumps(checklist.blocks, ensure_ascii=False)
    assert "From the model registry: v42 promoted 3 h" in text
    assert "*Likely diagnosis:* Model issue: v42 promoted 3 h" in text
    assert "Emergency model rollback" in text


async def test_rollback_to_a_chosen_version_preserves_evidence_first_and_can_be_undone(
        harness, sandbox_registry, tmp_path):
    incident = await fire(harness)
    snapshots_when_moved: list[int] = []

    def at_call(call):
        if call["method"] == "POST" and call["path"] == "/registered-models/alias":
            with harness.bot.session() as session:
                snapshots_when_moved.append(len(session.exec(select(EvidenceSnapshot)).all()))

    sandbox_registry.app[mlflow.HOOK].append(at_call)

    form = await open_rollback_form(harness, incident)
    shown = json.dumps(form.payload, ensure_ascii=False)
    options = [o["value"] for block in form.payload["blocks"]
               if block.get("block_id") == "model_version"
               for o in block["element"]["options"]]
    assert options == ["41", "40"]  # earlier versions, newest first
    assert '"initial_option"' in shown and "v41 · registered" in shown
    assert "EU AI Act Art. 73(6)" in shown and "the incident's 1 alert" in shown

    await submit_version(harness, form, 40)  # not the default: the choice is honoured

    assert sandbox_registry.moves() == ["40"] and sandbox_registry.serving() == 40
    assert snapshots_when_moved == [1]  # stored before the alias moved
    order = kinds(harness, incident)
    assert order.index(EventKind.EVIDENCE_PRESERVED) < order.index(EventKind.MITIGATION)
    rollback = next(e for e in harness.timeline(incident.id) if e.kind == EventKind.MITIGATION)
    assert rollback.actor == "U_BOB" and rollback.data["ok"] is True
    assert (rollback.data["parameters"]["from_version"],
            rollback.data["parameters"]["to_version"]) == (42, 40)
    assert "v42 → v40" in rollback.text

    ws = harness.workspace
    upload = ws.calls_to("files.completeUploadExternal") or ws.calls_to("files.upload")
    assert upload, "the evidence file was not uploaded"
    evidence_file = next(f for f in ws.files.values() if "evidence" in f.filename)
    content = json.loads(evidence_file.content)
    assert content["model_registry"]["serving"] == 42
    assert [v["version"] for v in content["model_registry"]["versions"]] == [42, 41, 40]
    assert len(content["alerts"]) == 1 and content["alerts"][0]["title"] == ALERT["title"]
    assert content["catalog_entry"]["key"] == "fraud-detector"
    assert "v42 → v40" in content["before"]

    result = next(m for m in ws.messages(incident.channel_id)
                  if m.text.startswith("Roll back to the previous model version: done"))
    assert "v42 → v40" in json.dumps(result.blocks, ensure_ascii=False)
    undo = next(e for b in result.blocks if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == "incident.model_undo")
    summary = next(m for m in ws.messages(incident.channel_id)
                   if m.ts == harness.incident().summary_ts)
    assert "*v40* (champion), rolled back from v42" in shown_text(summary.blocks)

    with harness.bot.session() as session:
        assert "rolled the model back" in communications.mitigation_in_place(session,
                                                                             incident.id)

    await harness.actor.click(incident.channel_id, result.ts, "incident.model_undo",
                              undo["value"], user="U_BOB")
    await harness.actor.click(incident.channel_id, result.ts, "incident.model_undo",
                              undo["value"], user="U_BOB")  # a double click
    await harness.settle()
    assert sandbox_registry.moves() == ["40", "42"] and sandbox_registry.serving() == 42
    undone = [e for e in harness.timeline(incident.id)
              if e.kind == EventKind.MODEL_ROLLBACK_UNDONE]
    assert len(undone) == 1 and undone[0].data["ok"] and "v40 → v42" in undone[0].text
    with harness.bot.session() as session:  # client drafts no longer claim the rollback
        assert communications.mitigation_in_place(session, incident.id) == ""
    retired = next(m for m in ws.messages(incident.channel_id) if m.ts == result.ts)
    assert "incident.model_undo" not in json.dumps(retired.blocks)  # no Undo once undone
    assert kinds(harness, incident).count(EventKind.EVIDENCE_PRESERVED) == 2
    refusals = [e.text for e in ws.ephemerals_for(user="U_BOB")]
    assert any("already asked for" in t or "already under way" in t for t in refusals)

    review = export_review(database_url=harness.bot.settings.database_url,
                           catalog=harness.bot.catalog, incident_id=incident.id)
    assert "Evidence preserved" in review and "v42 → v40" in review
    assert "v42" in review and "champion" in review


async def test_a_registry_that_cannot_be_read_is_said_and_nothing_moves(harness,
                                                                         sandbox_registry):
    sandbox_registry.app[mlflow.MODELS].clear()  # every model now "not found"
    incident = await fire(harness)

    read = next(e for e in harness.timeline(incident.id) if e.kind == EventKind.MODEL_VERSION)
    assert "could not be read" in read.text and "not found" in read.data["error"]
    assert not any(e.kind == EventKind.TRIAGE_ANSWER for e in harness.timeline(incident.id))

    await harness.actor.command("/incident", "mitigate", channel=incident.channel_id,
                                user="U_BOB")
    await harness.settle()
    menu = [e for e in harness.workspace.ephemerals_for(user="U_BOB")
            if e.text.startswith("Mitigations for")][-1]
    await harness.actor.click(incident.channel_id, menu.ts, "incident.mitigate",
                              f"{incident.id}:rollback", user="U_BOB")
    ws = harness.workspace
    form = await ws.wait_for(lambda: (v := ws.open_modal("U_BOB")) is not None
                             and "cannot be rolled back" in json.dumps(v.payload) and v)
    assert "could not be read" in shown_text(form.payload) and not form.payload.get("submit")
    assert sandbox_registry.moves() == []


async def test_work_for_the_registry_is_queued_without_blocking_the_channel(harness):
    incident = await fire(harness)
    with harness.bot.session() as session:
        rows = session.exec(select(Outbox).where(Outbox.kind == "registry.read")).all()
    assert len(rows) == 1 and rows[0].incident_id is None
    assert rows[0].payload == {"incident": incident.id} and rows[0].done_at is not None


async def test_a_failed_rollback_moves_nothing_and_retry_moves_once(harness, sandbox_registry):
    incident = await fire(harness)
    form = await open_rollback_form(harness, incident)
    models = dict(sandbox_registry.app[mlflow.MODELS])
    sandbox_registry.app[mlflow.MODELS].clear()  # the registry loses the model meanwhile

    await submit_version(harness, form, 41)

    failed = next(e for e in harness.timeline(incident.id) if e.kind == EventKind.MITIGATION)
    assert failed.data["ok"] is False and "could not be read" in failed.data["detail"]
    assert sandbox_registry.moves() == []
    ws = harness.workspace
    result = next(m for m in ws.messages(incident.channel_id)
                  if m.text.startswith("Roll back to the previous model version: failed"))
    buttons = {e["action_id"]: e for b in result.blocks if b["type"] == "actions"
               for e in b["elements"]}
    assert set(buttons) == {"incident.model_retry", "incident.mitigate_by_hand"}

    sandbox_registry.app[mlflow.MODELS].update(models)
    for _ in range(2):  # a double click retries once
        await harness.actor.click(incident.channel_id, result.ts, "incident.model_retry",
                                  buttons["incident.model_retry"]["value"], user="U_BOB")
    await harness.settle()
    assert sandbox_registry.moves() == ["41"] and sandbox_registry.serving() == 41
    done = [e for e in harness.timeline(incident.id)
            if e.kind == EventKind.MITIGATION and e.data["ok"]]
    assert len(done) == 1 and done[0].data["attempt"] == 2 and "v42 → v41" in done[0].text
