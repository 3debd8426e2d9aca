"""Evidence before change, besides the registry's rollback: for a system under the EU AI Act
a threshold change stores the evidence before its endpoint is called, a rollback done by hand
before it is recorded, and opening the retraining runbook before any of its steps; for a
system with neither `model:` nor `obligations:` nothing of the registry or the evidence
appears."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from incidents.catalog import load_catalog
from incidents.catalog.ai import Obligations
from incidents.catalog.models import HttpAction
from incidents.models import Outbox
from incidents.registry.models import ModelChange
from incidents.regulatory.models import EvidenceSnapshot
from incidents.types import EventKind
from tests.scenario.conftest import EXAMPLE, without_ai_context
from tests.scenario.test_triage_mitigation_actions import click_mitigation, menu_buttons, open_menu

REGISTRY_KINDS = {EventKind.MODEL_VERSION, EventKind.MODEL_ROLLBACK_UNDONE,
                  EventKind.EVIDENCE_PRESERVED}


@pytest.fixture
def obligations():
    return None


@pytest.fixture
def catalog(receiver, obligations):
    catalog = without_ai_context(load_catalog(EXAMPLE), monitors=False).model_copy(deep=True)
    fraud = catalog.systems["fraud-detector"]
    fraud.actions = {name: HttpAction(url=f"{receiver.url}/models/fraud/{name}",
                                      timeout=timedelta(seconds=2))
                     for name in ("rollback", "threshold")}
    fraud.obligations = obligations
    return catalog


async def adjust_threshold(harness, incident, menu):
    await click_mitigation(harness, incident, menu, "threshold")
    ws = harness.workspace
    form = await ws.wait_for(lambda: ws.open_modal("U_BOB"))
    shown = json.dumps(form.payload)
    response = await harness.actor.submit_view(
        form.id, {"threshold": {"value": "0.7"}, "previous_threshold": {"value": "0.5"}},
        user="U_BOB")
    assert response.status == 200, response.text
    await harness.settle()
    return shown


@pytest.mark.parametrize("obligations", [Obligations(eu_ai_act={"role": "provider"})])
async def test_a_threshold_change_under_the_ai_act_preserves_the_evidence_first(harness,
                                                                                 receiver):
    incident = await harness.declare()
    stored_at_call: list[int] = []

    def at_call(request):
        with harness.bot.session() as session:
            stored_at_call.append(len(session.exec(select(EvidenceSnapshot)).all()))

    receiver.hooks.append(at_call)
    menu = await open_menu(harness, incident)
    assert "evidence" in menu_buttons(menu)["rollback"]["confirm"]["text"]["text"]

    shown = await adjust_threshold(harness, incident, menu)

    assert "EU AI Act Art. 73(6)" in shown
    assert stored_at_call == [1] and len(receiver.calls) == 1
    kinds = [e.kind for e in harness.timeline(incident.id)]
    assert kinds.index(EventKind.EVIDENCE_PRESERVED) < kinds.index(EventKind.MITIGATION)
    evidence_file = next(f for f in harness.workspace.files.values()
                         if "evidence" in f.filename)
    content = json.loads(evidence_file.content)
    assert content["model_registry"] == {"configured": False}
    assert content["before"].startswith("Adjust the prediction threshold to 0.7")


async def test_without_model_or_obligations_nothing_of_this_appears(harness, receiver):
    incident = await harness.declare()
    menu = await open_menu(harness, incident)
    buttons = menu_buttons(menu)
    assert "call 127.0.0.1" in buttons["rollback"]["confirm"]["text"]["text"]
    assert "evidence" not in json.dumps(menu.blocks).lower()

    await click_mitigation(harness, incident, menu, "rollback")
    await harness.settle()
    shown = await adjust_threshold(harness, incident, menu)

    assert len(receiver.calls) == 2  # both endpoints called, as before
    assert "73(6)" not in shown
    assert not REGISTRY_KINDS & {e.kind for e in harness.timeline(incident.id)}
    assert not any(e.data.get("source") == "registry" for e in harness.timeline(incident.id))
    with harness.bot.session() as session:
        assert not session.exec(select(Outbox).where(Outbox.kind.in_(
            ["registry.read", "registry.change", "evidence.upload"]))).all()
        assert not session.exec(select(ModelChange)).all()
        assert not session.exec(select(EvidenceSnapshot)).all()
    summary = next(m for m in harness.workspace.messages(incident.channel_id)
                   if m.ts == harness.incident().summary_ts)
    assert "Serving model" not in json.dumps(summary.blocks)
    assert not [f for f in harness.workspace.files.values() if "evidence" in f.filename]


@pytest.mark.parametrize("obligations", [Obligations(eu_ai_act={"role": "provider"})])
async def test_a_rollback_done_by_hand_under_the_ai_act_is_preceded_by_the_evidence(harness,
                                                                                    catalog):
    catalog.systems["fraud-detector"].actions = {}  # nothing automated: a person does it
    incident = await harness.declare()
    menu = await open_menu(harness, incident)
    confirm = menu_buttons(menu)["rollback"]["confirm"]["text"]["text"]
    assert "manual step" in confirm and "Before recording it" in confirm
    assert "evidence" not in menu_buttons(menu)["manual_review"]["confirm"]["text"]["text"]

    await click_mitigation(harness, incident, menu, "rollback")
    await harness.settle()

    events = harness.timeline(incident.id)
    kinds = [e.kind for e in events]
    assert kinds.index(EventKind.EVIDENCE_PRESERVED) < kinds.index(EventKind.MITIGATION)
    mitigation = next(e for e in events if e.kind == EventKind.MITIGATION)
    assert mitigation.data["manual"] is True
    assert [f for f in harness.workspace.files.values() if "evidence" in f.filename]


async def open_runbooks_list(harness, incident):
    await harness.actor.command("/incident", "runbook", channel=incident.channel_id,
                                user="U_BOB")
    await harness.settle()
    return [e for e in harness.workspace.ephemerals_for(user="U_BOB")
            if e.text == "Runbooks"][-1]


def runbook_buttons(listing):
    return {b["block_id"].removeprefix("runbook-"): b["accessory"] for b in listing.blocks
            if b.get("accessory")}


@pytest.mark.parametrize("obligations", [Obligations(eu_ai_act={"role": "provider"}), None])
async def test_opening_the_retraining_runbook_preserves_the_evidence_once(harness, obligations):
    incident = await harness.declare()
    listing = await open_runbooks_list(harness, incident)
    buttons = runbook_buttons(listing)
    if obligations:
        assert "73(6)" in buttons["emergency_retraining"]["confirm"]["text"]["text"]
        assert "73(6)" in buttons["emergency_model_rollback"]["confirm"]["text"]["text"]
    else:
        assert "confirm" not in buttons["emergency_retraining"]
    assert "confirm" not in buttons["data_pipeline_failure"]

    for _ in range(2):  # the button, then the command again: one snapshot
        await harness.actor.click(incident.channel_id, listing.ts, "incident.runbook_open",
                                  f"{incident.id}:emergency_retraining", user="U_BOB")
        await harness.settle()
    await harness.actor.click(incident.channel_id, listing.ts, "incident.runbook_open",
                              f"{incident.id}:data_pipeline_failure", user="U_BOB")
    await harness.settle()

    events = harness.timeline(incident.id)
    preserved = [e for e in events if e.kind == EventKind.EVIDENCE_PRESERVED]
    opened = [e for e in events if e.kind == EventKind.RUNBOOK_STEP]
    assert len(opened) == 3
    with harness.bot.session() as session:
        stored = session.exec(select(EvidenceSnapshot)).all()
    if obligations is None:
        assert preserved == [] and stored == []
        return
    assert [e.data["runbook"] for e in preserved] == ["emergency_retraining"]
    assert len(stored) == 1 and stored[0].before.startswith("Emergency model retraining")
    assert "confirm" not in runbook_buttons(
        await open_runbooks_list(harness, incident))["emergency_retraining"]


@pytest.mark.parametrize("obligations", [Obligations(eu_ai_act={"role": "provider"}), None])
async def test_sev1s_rollback_runbook_button_says_the_evidence_is_kept_first(harness,
                                                                           obligations):
    incident = await harness.declare(severity="1")
    emergency = next(m for m in harness.workspace.messages(incident.channel_id)
                     if "emergency response" in m.text)
    [button] = [e for b in emergency.blocks if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == "incident.runbook_open"]
    assert button["value"] == f"{incident.id}:emergency_model_rollback"
    if obligations is None:
        assert "confirm" not in button
        return
    assert "Art. 73(6)" in button["confirm"]["text"]["text"]

    await harness.actor.click(incident.channel_id, emergency.ts, "incident.runbook_open",
                              button["value"], user="U_BOB")
    await harness.settle()
    [kept] = [e for e in harness.timeline(incident.id)
              if e.kind == EventKind.EVIDENCE_PRESERVED]
    assert kept.data["runbook"] == "emergency_model_rollback"
