"""📌, pins and the "Add to incident timeline" shortcut copy messages once, at their own time."""

from bot.slack.listeners.timeline import message_time
from incidents.types import EventKind


def copied(harness, incident_id):
    return [e for e in harness.timeline(incident_id) if e.kind == EventKind.SLACK_MESSAGE]


async def test_pushpin_reaction_copies_the_message_once(harness):
    incident = await harness.declare()
    ws = harness.workspace
    message = ws.post_as_user("U_BOB", incident.channel_id, "flag rate back to 2% after rollback")
    await harness.actor.reaction_added("U_ALICE", incident.channel_id, message.ts)
    await harness.settle()
    await harness.actor.reaction_added("U_BOB", incident.channel_id, message.ts)
    await harness.actor.pin_added("U_BOB", incident.channel_id, message.ts)
    await harness.settle()
    events = copied(harness, incident.id)
    assert len(events) == 1
    event = events[0]
    assert event.text == "flag rate back to 2% after rollback"
    assert event.occurred_at == message_time(message.ts)
    assert event.data["author"] == "U_BOB" and event.actor == "U_ALICE"
    assert event.data["permalink"]


async def test_other_reactions_and_the_summary_pin_are_ignored(harness):
    incident = await harness.declare()
    message = harness.workspace.post_as_user("U_BOB", incident.channel_id, "hmm")
    await harness.actor.reaction_added("U_ALICE", incident.channel_id, message.ts, name="eyes")
    await harness.settle()
    assert copied(harness, incident.id) == []


async def test_pinning_copies_the_message(harness):
    incident = await harness.declare()
    message = harness.workspace.post_as_user("U_BOB", incident.channel_id, "rolled back to v41")
    await harness.actor.pin_added("U_BOB", incident.channel_id, message.ts)
    await harness.settle()
    assert [e.text for e in copied(harness, incident.id)] == ["rolled back to v41"]


async def test_shortcut_from_another_channel_with_one_open_incident(harness):
    incident = await harness.declare()
    message = harness.workspace.post_as_user("U_ALICE", "C_GENERAL", "customers report declines")
    await harness.actor.message_shortcut("add_to_incident_timeline", "C_GENERAL", message.ts,
                                         user="U_ALICE")
    await harness.settle()
    assert [e.text for e in copied(harness, incident.id)] == ["customers report declines"]
    assert any(f"incident #{incident.id}" in e.text
               for e in harness.workspace.ephemerals_for(user="U_ALICE"))


async def test_shortcut_asks_which_incident_when_unclear(harness):
    await harness.declare(title="First")
    second = await harness.declare(title="Second", system="recommender")
    message = harness.workspace.post_as_user("U_ALICE", "C_GENERAL", "CTR down 30%")
    await harness.actor.message_shortcut("add_to_incident_timeline", "C_GENERAL", message.ts)
    modal = await harness.workspace.wait_for(lambda: harness.modal("U_ALICE"))
    await harness.actor.submit_view(modal.id, {"incident": {"value": str(second.id)}})
    await harness.settle()
    assert [e.text for e in copied(harness, second.id)] == ["CTR down 30%"]
