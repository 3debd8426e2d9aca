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
    # the system's on-call is paged once the channel exists (tests/scenario/test_paging.py)
    assert kinds == [EventKind.DECLARED, EventKind.CHANNEL_CREATED, EventKind.PAGED]
