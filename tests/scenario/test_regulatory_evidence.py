"""Evidence before change on the HTTP-action path: a threshold change for a system under the
EU AI Act stores the evidence before its endpoint is called; and for a system with neither
`model:` nor `obligations:` nothing of the registry or the evidence appears."""

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
