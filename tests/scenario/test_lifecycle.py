"""Commands and buttons that run an incident, through signed requests to /slack/events."""

from incidents.types import EventKind, Status


def texts(ws, channel):
    return [m.text for m in ws.messages(channel)]


def ephemeral_texts(ws, user):
    return [e.text for e in ws.ephemerals_for(user=user)]


async def test_severity_button_updates_summary_topic_and_timeline(harness):
    ws = harness.workspace
    incident = await harness.declare(severity="3")
    await harness.actor.click(incident.channel_id, incident.summary_ts, "incident.set_severity",
                              f"{incident.id}:1", user="U_BOB")
    await harness.settle()
    after = harness.incident(incident.id)
    assert after.severity == 1
    assert ws.topic(incident.channel_id).value.startswith("Sev1 · triage")
    summary = ws.message(ws.channels[incident.channel_id], incident.summary_ts)
    assert "Sev1" in str(summary.blocks) and summary.edited is not None
    event = harness.timeline(incident.id)[-1]
    assert event.kind == EventKind.SEVERITY_CHANGED and event.actor == "U_BOB"
    assert any("raised the severity to" in t for t in texts(ws, incident.channel_id))


async def test_commands_inside_the_channel_imply_the_incident(harness):
    ws = harness.workspace
    incident = await harness.declare()
    channel = incident.channel_id
    await harness.actor.command("/incident", "assign commander <@U_BOB|bob>", channel=channel)
    await harness.actor.command("/incident", "status investigating", channel=channel)
    await harness.actor.command("/incident", "note rolled back feature flag", channel=channel)
    await harness.actor.command("/incident", "severity 1", channel=channel)
    await harness.settle()
    after = harness.incident(incident.id)
    assert after.commander == "U_BOB" and after.status == Status.INVESTIGATING
    assert after.severity == 1 and after.acknowledged_at is not None
    assert ws.topic(channel).value == "Sev1 · investigating · Commander: <@U_BOB>"
    assert "U_BOB" in ws.members(channel)
    posted = texts(ws, channel)
    assert any("is now the commander" in t and "runs the response" in t for t in posted)
    assert any("rolled back feature flag" in t for t in posted)
    kinds = [e.kind for e in harness.timeline(incident.id)]
    assert kinds.count(EventKind.ROLE_ASSIGNED) == 1 and EventKind.NOTE in kinds


async def test_refused_transition_explains_itself_ephemerally(harness):
    incident = await harness.declare()
    await harness.actor.command("/incident", "status closed", channel=incident.channel_id)
    await harness.settle()
    assert harness.incident(incident.id).status == Status.TRIAGE
    assert any("can move to" in t for t in ephemeral_texts(harness.workspace, "U_ALICE"))


async def test_a_refusal_about_a_person_mentions_them(harness):
    incident = await harness.declare()
    for _ in range(2):
        await harness.actor.command("/incident", "assign commander <@U_BOB|bob>",
                                    channel=incident.channel_id)
    await harness.settle()
    assert "<@U_BOB> is already the commander." in ephemeral_texts(harness.workspace, "U_ALICE")


async def test_resolve_asks_for_a_summary(harness):
    ws = harness.workspace
    incident = await harness.declare()
    await harness.actor.click(incident.channel_id, incident.summary_ts, "incident.resolve")
    modal = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    empty = await harness.actor.submit_view(modal.id, {"summary": {"value": " "}})
    assert empty.json["response_action"] == "errors"
    await harness.actor.submit_view(modal.id, {
        "summary": {"value": "Rolled back to model v41"},
        "root_cause_category": {"value": "model_or_deployment"},
    })
    await harness.settle()
    after = harness.incident(incident.id)
    assert after.status == Status.RESOLVED
    assert after.resolution_summary == "Rolled back to model v41"
    assert after.root_cause_category == "model_or_deployment"
    summary = ws.message(ws.channels[incident.channel_id], incident.summary_ts)
    actions = [b for b in summary.blocks if b["type"] == "actions"]
    assert actions == []  # a resolved incident has no controls left
    assert "Rolled back to model v41" in str(summary.blocks)


async def test_note_form_refuses_an_empty_note_and_records_a_written_one(harness):
    ws = harness.workspace
    incident = await harness.declare()
    await harness.actor.click(incident.channel_id, incident.summary_ts, "incident.add_note")
    modal = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    empty = await harness.actor.submit_view(modal.id, {"note": {"value": "   "}})
    assert empty.json == {"response_action": "errors", "errors": {"note": "Write the note."}}
    assert harness.modal("U_ALICE") is not None  # the form stays open for the text
    await harness.actor.submit_view(modal.id, {"note": {"value": "Feature store lagging"}})
    await harness.settle()
    notes = [e.text for e in harness.timeline(incident.id) if e.kind == EventKind.NOTE]
    assert notes == ["Feature store lagging"]


async def test_decline_and_merge_from_commands(harness):
    first = await harness.declare(title="First")
    second = await harness.declare(title="Second", system="recommender")
    await harness.actor.command("/incident", f"merge {first.id}", channel=second.channel_id)
    await harness.settle()
    assert harness.incident(second.id).status == Status.MERGED
    assert any(f"merged incident #{second.id}" in t
               for t in texts(harness.workspace, first.channel_id))
    await harness.actor.command("/incident", "decline test alert", channel=first.channel_id)
    await harness.settle()
    assert harness.incident(first.id).status == Status.DECLINED


async def test_non_members_are_refused(harness):
    incident = await harness.declare()
    # Dave neither owns the fraud detector nor is on call for it: he is not in the channel.
    assert "U_DAVE" not in harness.workspace.members(incident.channel_id)
    await harness.actor.click(incident.channel_id, incident.summary_ts, "incident.set_severity",
                              f"{incident.id}:1", user="U_DAVE")
    await harness.settle()
    assert harness.incident(incident.id).severity == 2
    assert any("Only members" in t for t in ephemeral_texts(harness.workspace, "U_DAVE"))


async def test_list_help_and_unknown(harness):
    incident = await harness.declare()
    ws = harness.workspace
    await harness.actor.command("/incident", "list")
    await harness.actor.command("/incident", "frobnicate")
    await harness.actor.command("/incident", "severity 1")  # outside an incident channel
    await harness.settle()
    said = ephemeral_texts(ws, "U_ALICE")
    assert any(f"#{incident.id}" in t and f"<#{incident.channel_id}>" in t for t in said)
    assert any("I don't know `frobnicate`" in t and "/incident declare" in t for t in said)
    assert any("run it inside an incident channel" in t for t in said)
