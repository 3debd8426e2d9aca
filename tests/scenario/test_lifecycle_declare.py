"""Declaring an incident through signed requests, asserting what the workspace received."""

from incidents.types import EventKind


async def test_declare_opens_modal_and_builds_the_channel(harness):
    ws = harness.workspace
    incident = await harness.declare(title="Fraud flag rate 40%", severity="2",
                                     description="Flagging 40% of legit transactions")
    assert incident.channel_id is not None
    channel = ws.channels[incident.channel_id]
    assert channel.name == f"inc-{incident.created_at:%Y%m%d}-{incident.id}-fraud-flag-rate-40"
    # the declarer and the system's owners are invited
    assert {"U_ALICE", "U_BOB"} <= ws.members(incident.channel_id)
    # topic shows severity, status and commander
    assert ws.topic(incident.channel_id).value == "Sev2 · triage · Commander: no commander yet"
    # a summary is posted and pinned, with the control buttons
    pinned = ws.pinned(incident.channel_id)
    assert [m.ts for m in pinned] == [incident.summary_ts]
    summary = pinned[0]
    assert f"Incident #{incident.id}: Fraud flag rate 40%" in str(summary.blocks)
    actions = [e["action_id"] for b in summary.blocks if b["type"] == "actions"
               for e in b["elements"]]
    assert "incident.resolve" in actions and "incident.set_severity" in actions
    # dashboard and runbook bookmarked
    assert {b.title for b in ws.bookmarks(incident.channel_id)} == {"Dashboard", "Runbook"}
    kinds = [e.kind for e in harness.timeline(incident.id)]
    # the system's on-call is paged once the channel exists (tests/scenario/test_oncall_paging.py)
    assert kinds == [EventKind.DECLARED, EventKind.CHANNEL_CREATED, EventKind.PAGED]


async def test_declaring_for_a_system_with_an_open_incident_offers_to_join_it(harness):
    first = await harness.declare(title="Flag rate up", system="fraud-detector")
    await harness.actor.command("/incident", "declare Flag rate still up", user="U_BOB")
    view = await harness.workspace.wait_for(lambda: harness.modal("U_BOB"))
    await harness.actor.submit_view(view.id, {
        "title": {"value": "Flag rate still up"}, "system": {"value": "fraud-detector"},
        "severity": {"value": "2"}}, user="U_BOB")
    offer = harness.modal("U_BOB")
    assert offer.payload.get("callback_id") == "incident.declare_open_one"
    assert f"#{first.id}" in str(offer.blocks)
    assert f"Join incident #{first.id}" in str(offer.payload.get("submit"))
    await harness.actor.submit_view(offer.id, {}, user="U_BOB")
    await harness.settle()
    assert [i.id for i in harness.incidents()] == [first.id]  # nothing new opened
    assert "U_BOB" in harness.workspace.channels[first.channel_id].members


async def test_a_separate_incident_can_still_be_opened_on_purpose(harness):
    first = await harness.declare(title="Flag rate up", system="fraud-detector")
    second = await harness.declare(title="Unrelated scoring latency", system="fraud-detector")
    assert second.id != first.id and second.system == first.system
