"""The triage checklist, its proposal, applying it, and runbooks, through signed requests."""

from sqlmodel import select

from incidents.models import Outbox
from incidents.types import EventKind

ANSWER = "incident.triage_answer"


def checklist(ws, channel):
    found = [m for m in ws.messages(channel) if m.text.startswith("Triage checklist")]
    assert found, [m.text for m in ws.messages(channel)]
    return found[-1]


def block_text(message, block_id):
    return next(b["text"]["text"] for b in message.blocks if b.get("block_id") == block_id)


def buttons(message):
    return {e["action_id"]: e for b in message.blocks if b["type"] == "actions"
            for e in b["elements"]}


async def answer(harness, message, incident_id, item, value, user="U_ALICE"):
    response = await harness.actor.click(message.channel, message.ts, f"{ANSWER}:{value}",
                                         f"{incident_id}:{item}:{value}", user=user)
    assert response.status == 200
    await harness.settle()


async def test_all_eight_answers_update_the_checklist_and_propose(harness):
    ws = harness.workspace
    incident = await harness.declare(title="Fraud flag rate 40%", severity="3")
    channel = incident.channel_id
    await harness.actor.command("/incident", "triage", channel=channel)
    await harness.settle()
    message = checklist(ws, channel)
    assert "Declared by <@U_ALICE> at <!date^" in block_text(message, "triage-item-alert")
    assert "A proposal appears" in str(message.blocks)

    first = [("alert", "real", "U_ALICE"), ("predictions", "yes", "U_BOB"),
             ("ranges", "no", "U_BOB"), ("upstream_healthy", "unsure", "U_BOB")]
    for item, value, user in first:
        await answer(harness, message, incident.id, item, value, user)
    message = checklist(ws, channel)
    assert "A proposal appears" in str(message.blocks)  # no impact yet
    assert message.edited is not None and len([m for m in ws.messages(channel)
                                               if m.text.startswith("Triage")]) == 1
    await answer(harness, message, incident.id, "impact", "material")
    provisional = block_text(checklist(ws, channel), "triage-outcome")
    assert "provisional: 5 of 8 answered" in provisional

    rest = [("inputs_changed", "yes", "U_ALICE"), ("model_updated", "no", "U_ALICE"),
            ("trend", "worse", "U_BOB"), ("upstream_healthy", "no", "U_BOB")]  # a change
    for item, value, user in rest:
        await answer(harness, message, incident.id, item, value, user)

    message = checklist(ws, channel)
    assert ":white_check_mark: *No* · <@U_BOB> · <!date^" in block_text(
        message, "triage-item-upstream_healthy") and "changed 1×" in block_text(
        message, "triage-item-upstream_healthy")
    chosen = [e for b in message.blocks if b.get("block_id") == "triage-upstream_healthy"
              for e in b["elements"] if e.get("style") == "primary"]
    assert [e["text"]["text"] for e in chosen] == ["No"]
    outcome = block_text(message, "triage-outcome")
    # A critical system, materially wrong and getting worse, with a broken upstream source:
    assert "provisional" not in outcome
    assert "Sev1" in outcome and "Emergency response" in outcome
    assert "*Likely diagnosis:* Data pipeline failure" in outcome
    assert "Have their schemas changed?" in outcome
    assert "*Runbook:* Data pipeline failure" in outcome
    assert buttons(message)["incident.triage_apply_severity"]["text"]["text"] == "Apply Sev1"
    assert buttons(message)["incident.runbook_open"]["value"] == \
        f"{incident.id}:data_pipeline_failure"

    answers = [e for e in harness.timeline(incident.id) if e.kind == EventKind.TRIAGE_ANSWER]
    assert len(answers) == 9
    assert ("Is the model producing predictions? → Yes", "U_BOB") in [
        (e.text, e.actor) for e in answers]
    assert answers[-1].text == "Are upstream data sources healthy? → No (was Unsure)"
    assert harness.incident(incident.id).severity == 3  # proposed, not yet applied


async def test_applying_sev1_calls_for_emergency_response_and_runbook_ticks(harness):
    ws = harness.workspace
    incident = await harness.declare(severity="3")
    channel = incident.channel_id
    await harness.actor.click(channel, incident.summary_ts, "incident.triage",
                              str(incident.id), user="U_BOB")
    await harness.settle()
    message = checklist(ws, channel)
    for item, value in [("alert", "real"), ("predictions", "yes"), ("ranges", "no"),
                        ("inputs_changed", "yes"), ("model_updated", "no"),
                        ("upstream_healthy", "no"), ("impact", "significant_harm"),
                        ("trend", "stable")]:
        await answer(harness, message, incident.id, item, value)
    assert not any("emergency response" in m.text for m in ws.messages(channel))

    await harness.actor.click(channel, message.ts, "incident.triage_apply_severity",
                              f"{incident.id}:1", user="U_BOB")
    await harness.settle()
    assert harness.incident(incident.id).severity == 1
    emergency = next(m for m in ws.messages(channel) if "emergency response" in m.text)
    assert "Disable the AI system" in str(emergency.blocks)
    assert "fall back to the rule-based alternative" in str(emergency.blocks)
    assert {"incident.mitigate", "incident.runbook_open"} <= set(buttons(emergency))
    message = checklist(ws, channel)
    assert "(the current severity)" in block_text(message, "triage-outcome")
    assert "incident.triage_apply_severity" not in buttons(message)

    await harness.actor.click(channel, message.ts, "incident.runbook_open",
                              f"{incident.id}:data_pipeline_failure")
    await harness.settle()
    runbook = next(m for m in ws.messages(channel) if m.text.startswith("Runbook: Data pipeline"))
    step = next(b for b in runbook.blocks if b.get("block_id") == "step-3")
    assert step["text"]["text"].startswith(":white_large_square: 3. List the upstream sources")
    await harness.actor.click(channel, runbook.ts, "incident.runbook_tick",
                              f"{incident.id}:data_pipeline_failure:3:1", user="U_BOB")
    await harness.settle()
    runbook = ws.message(ws.channels[channel], runbook.ts)
    step = next(b for b in runbook.blocks if b.get("block_id") == "step-3")
    assert step["text"]["text"].startswith(":white_check_mark: ~3. List the upstream sources")
    assert "Done by <@U_BOB>" in step["text"]["text"] and runbook.edited is not None
    assert "1 of 14 steps done" in str(runbook.blocks)
    ticks = [e for e in harness.timeline(incident.id) if e.kind == EventKind.RUNBOOK_STEP]
    assert [(e.text.split(":")[0], e.actor) for e in ticks] == [
        ("Runbook opened", "U_ALICE"), ("Data pipeline failure, step 3 done", "U_BOB"),
    ]


async def test_item_one_is_prefilled_from_the_opening_alert(harness):
    ws = harness.workspace
    status, _ = await harness.post("/alerts", {
        "system": "recommender", "title": "Click-through rate down 30%",
        "signal": "business_metric", "started_at": "2026-11-27T09:58:00Z",
        "metric": {"name": "ctr", "value": 0.021, "baseline": 0.03, "threshold": 0.025},
    })
    assert status in (200, 201, 202)
    await harness.settle()
    incident = harness.incident()
    await harness.actor.command("/incident", "triage", channel=incident.channel_id, user="U_CAROL")
    await harness.settle()
    item = block_text(checklist(ws, incident.channel_id), "triage-item-alert")
    assert "*Click-through rate down 30%*" in item and "business metric" in item
    assert "ctr 3.0% → 2.1%" in item and "fired at <!date^" in item
    assert "|2026-11-27 09:58 UTC>" in item
    assert "Declared by" not in item


async def test_sev1_declared_posts_the_emergency_response(harness):
    incident = await harness.declare(severity="1")
    texts = [m.text for m in harness.workspace.messages(incident.channel_id)]
    assert any("is Sev1: emergency response" in t for t in texts)


async def test_non_members_cannot_answer(harness):
    ws = harness.workspace
    ws.add_user("U_EVE", "eve")  # in the workspace, not in the incident channel
    incident = await harness.declare()
    await harness.actor.command("/incident", "triage", channel=incident.channel_id)
    await harness.settle()
    message = checklist(ws, incident.channel_id)
    await answer(harness, message, incident.id, "impact", "none", user="U_EVE")
    assert [e for e in harness.timeline(incident.id) if e.kind == EventKind.TRIAGE_ANSWER] == []
    assert any("Only members" in e.text for e in ws.ephemerals_for(user="U_EVE"))


async def test_runbook_command_lists_and_opens(harness):
    ws = harness.workspace
    incident = await harness.declare()
    await harness.actor.command("/incident", "runbook", channel=incident.channel_id)
    await harness.actor.command("/incident", "runbook emergency rollback",
                                channel=incident.channel_id)
    await harness.actor.command("/incident", "runbook frobnicate", channel=incident.channel_id)
    await harness.settle()
    said = [str(e.blocks) + e.text for e in ws.ephemerals_for(user="U_ALICE")]
    assert any("Emergency model retraining" in s and "incident.runbook_open" in s for s in said)
    assert any("No runbook matches `frobnicate`" in s for s in said)
    assert any(m.text.startswith("Runbook: Emergency model rollback")
               for m in ws.messages(incident.channel_id))


async def posted_checklist(harness):
    """A declared incident, its channel and the checklist posted there."""
    incident = await harness.declare()
    await harness.actor.command("/incident", "triage", channel=incident.channel_id)
    await harness.settle()
    return incident, incident.channel_id, checklist(harness.workspace, incident.channel_id)


async def test_posting_the_checklist_again_retires_the_older_copy(harness):
    ws = harness.workspace
    incident, channel, first = await posted_checklist(harness)
    await answer(harness, first, incident.id, "impact", "material")
    await harness.actor.command("/incident", "triage", channel=channel)  # scrolled away
    await harness.settle()

    latest = checklist(ws, channel)
    assert latest.ts != first.ts
    assert "Material" in block_text(latest, "triage-item-impact")  # today's answers
    retired = next(m for m in ws.messages(channel) if m.ts == first.ts)
    assert retired.text.startswith("This triage checklist was replaced by a newer one")
    assert not buttons(retired)  # nothing left to click on the stale copy
    assert harness.incident(incident.id).checklist_ts == latest.ts


async def test_a_deleted_older_copy_does_not_make_the_new_checklist_post_twice(harness):
    ws = harness.workspace
    incident, channel, first = await posted_checklist(harness)
    ws.channels[channel].messages.remove(first)  # someone deleted it in Slack
    await harness.actor.command("/incident", "triage", channel=channel)
    await harness.settle()
    with harness.bot.session() as session:  # a retry, had the delivery failed, is due now
        for row in session.exec(select(Outbox).where(Outbox.done_at == None)):  # noqa: E711
            row.next_attempt_at = harness.bot.now()
    await harness.settle()
    copies = [m for m in ws.messages(channel)
              if m.text.startswith(("Triage checklist", "This triage checklist"))]
    assert len(copies) == 1 and harness.incident(incident.id).checklist_ts == copies[0].ts
