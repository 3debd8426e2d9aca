"""Reportability and regulatory clocks end to end: the summary's button and its form, the
clocks in the channel and in `/incident status`, report reminders and overdue escalations
with the clocks in seconds (the catalog's `policy.regulatory.clocks`), snoozing with a
reason, drafting and marking reports submitted. A system without obligations shows none
of it, nor any contract wording."""

import pytest
from sqlmodel import select

from incidents.catalog.models import Policy
from incidents.models import Deadline
from incidents.types import REGULATORY_DEADLINES, DeadlineKind, DeadlineState, EventKind
from tests.scenario import test_deadlines as deadline_scenarios
from tests.scenario.test_deadlines import buttons, tick

ASSESS = "incident.reportability"
DRAFT, SUBMITTED = "incident.report_draft", "incident.report_submitted"
INITIAL, SNOOZE = "incident.report_submitted_initial", "incident.report_snooze"
NO = {"health": "no", "critical_infrastructure": "no", "fundamental_rights": "no",
      "property_or_environment": "no", "widespread": "no", "personal_data_breach": "no"}


@pytest.fixture
def short_catalog(catalog):
    """The example catalog with the clocks in seconds; the other deadlines as shipped."""
    policy = Policy.model_validate({"regulatory": {"clocks": {
        "gdpr_art33": "30 seconds", "ai_act_art73_2": "60 seconds",
        "ai_act_art73_5": "90 seconds"}}})
    return catalog.model_copy(update={"policy": policy})


# The bot on a clock that can jump (the scenario conftest's `clock`), with this catalog.
h = deadline_scenarios.h


def summary(h, incident):
    return h.workspace.message(h.workspace.channels[incident.channel_id], incident.summary_ts)


def said(h, incident, text):
    return [m for m in h.workspace.messages(incident.channel_id) if text in m.text
            or text in str(m.blocks)]


async def assess(h, incident, user="U_ALICE", **answers):
    await h.actor.click(incident.channel_id, incident.summary_ts, ASSESS, user=user)
    view = await h.workspace.wait_for(lambda: h.modal(user))
    response = await h.actor.submit_view(view.id, {**NO, **answers}, user=user)
    assert response.status == 200, response.text
    await h.settle()
    return view


def report_clocks(h, incident_id):
    with h.bot.session() as session:
        return {d.kind: d for d in session.exec(select(Deadline).where(
            Deadline.incident_id == incident_id)) if d.kind in REGULATORY_DEADLINES}


def reminders_of(h, incident):
    return [m for m in h.workspace.messages(incident.channel_id)
            if "report clock" in str(m.blocks)]


async def test_assessing_from_the_summary_starts_the_clocks_in_channel_and_status(h):
    incident = await h.declare()
    assert ASSESS in buttons(summary(h, incident))
    view = await assess(h, incident, fundamental_rights="yes", personal_data_breach="yes")

    asked = [b["block_id"] for b in view.blocks if b["type"] == "input"]
    assert asked == [*NO, "assessment_note"]  # no NIS2 question: not in its obligations
    [posted] = said(h, incident, "assessed this incident as *reportable*")
    text = str(posted.blocks)
    assert "GDPR personal-data breach notification* (GDPR Art. 33(1))" in text
    assert "EU AI Act serious-incident report* (EU AI Act Art. 73(2))" in text
    assert {DRAFT, SUBMITTED, INITIAL} <= set(buttons(posted))
    await h.actor.command("/incident", "status", channel=incident.channel_id)
    await h.settle()
    status = next(e.text for e in h.workspace.ephemerals_for(user="U_ALICE")
                  if "*Reportability*" in e.text)
    assert "Assessed *reportable* by <@U_ALICE>" in status
    assert "*Deadlines*" in status and "GDPR Art. 33(1)" in status
    deadlines_part = status.split("*Reportability*")[0]
    assert "GDPR" not in deadlines_part  # listed once, with the article
    await h.actor.command("/incident", "help", channel=incident.channel_id)
    await h.settle()
    assert "`/incident reportable`: assess whether this incident must be reported" in \
        h.workspace.ephemerals_for(user="U_ALICE")[-1].text
    kinds = [e.kind for e in h.timeline(incident.id)]
    assert EventKind.REPORTABILITY_ASSESSED in kinds
    assert kinds.count(EventKind.REGULATORY_CLOCK_STARTED) == 2


async def test_report_reminder_then_overdue_escalation(h, clock):
    incident = await h.declare()
    await assess(h, incident, personal_data_breach="yes")
    clock.skip(seconds=16)  # 30 s window: the reminder comes half-way
    await tick(h)
    await tick(h)
    [reminder] = reminders_of(h, incident)
    assert "Reminder: *GDPR personal-data breach notification* (GDPR Art. 33(1))" \
        in str(reminder.blocks)
    assert set(buttons(reminder)) == {DRAFT, SUBMITTED, SNOOZE}  # no initial form for GDPR
    clock.skip(seconds=15)
    await tick(h)
    escalation = reminders_of(h, incident)[-1]
    assert len(reminders_of(h, incident)) == 2 and "Overdue:" in escalation.text
    assert report_clocks(h, incident.id)[DeadlineKind.GDPR_BREACH_NOTIFICATION].state == \
        DeadlineState.MISSED
    assert EventKind.DEADLINE_MISSED in [e.kind for e in h.timeline(incident.id)]


async def test_snoozing_a_report_reminder_asks_why(h, clock):
    incident = await h.declare()
    await assess(h, incident, personal_data_breach="yes")
    clock.skip(seconds=16)
    await tick(h)
    [reminder] = reminders_of(h, incident)
    await h.actor.click(incident.channel_id, reminder.ts, SNOOZE, user="U_BOB")
    view = await h.workspace.wait_for(lambda: h.modal("U_BOB"))
    refused = await h.actor.submit_view(view.id, {"snooze_reason": "   "}, user="U_BOB")
    assert refused.json["errors"] == {"snooze_reason": "Say why the report can wait."}
    await h.actor.submit_view(view.id, {"snooze_reason": "DPO is <@here> calling the authority",
                                        "snooze_for": "3600"}, user="U_BOB")
    await h.settle()
    updated = h.workspace.message(h.workspace.channels[incident.channel_id], reminder.ts)
    assert SNOOZE not in buttons(updated)
    assert "Snoozed by <@U_BOB>" in str(updated.blocks) and "&lt;@here&gt;" in str(updated.blocks)
    [event] = [e for e in h.timeline(incident.id) if e.kind == EventKind.DEADLINE_SNOOZED]
    assert event.text.endswith("60 min: DPO is <@here> calling the authority")
    # The plain deadline snooze button cannot skip the reason, even with a forged value.
    deadline = report_clocks(h, incident.id)[DeadlineKind.GDPR_BREACH_NOTIFICATION]
    ws = h.workspace
    ws.channels[incident.channel_id].messages[-1].blocks.append(
        {"type": "actions", "block_id": "forged", "elements": [{
            "type": "button", "action_id": "incident.deadline_snooze_15m",
            "text": {"type": "plain_text", "text": "Snooze"},
            "value": f"{incident.id}:{deadline.id}:900"}]})
    await h.actor.click(incident.channel_id, ws.channels[incident.channel_id].messages[-1].ts,
                        "incident.deadline_snooze_15m", user="U_BOB")
    await h.settle()
    assert any("only with a reason" in e.text for e in ws.ephemerals_for(user="U_BOB"))


async def assessed_then_clicked(h, button, **answers):
    """A new incident assessed with these answers, then a button of its clocks message."""
    incident = await h.declare()
    await assess(h, incident, **answers)
    [posted] = said(h, incident, "assessed this incident")
    await h.actor.click(incident.channel_id, posted.ts, button, user="U_BOB")
    await h.settle()
    return incident, posted


async def test_draft_then_mark_submitted_stops_the_clock(h, clock):
    incident, posted = await assessed_then_clicked(h, DRAFT, personal_data_breach="yes")
    [draft] = said(h, incident, ":page_facing_up: Draft *GDPR personal-data breach")
    assert "# GDPR personal-data breach notification: Fraud flag rate 40%" in str(draft.blocks)
    assert "Fraud detector, operated for Acme Bank" in str(draft.blocks)
    assert set(buttons(draft)) == {SUBMITTED}
    await h.actor.click(incident.channel_id, draft.ts, SUBMITTED, user="U_BOB")
    await h.settle()
    settled = h.workspace.message(h.workspace.channels[incident.channel_id], draft.ts)
    assert buttons(settled) == [] and "Marked submitted by <@U_BOB>" in str(settled.blocks)
    assert report_clocks(h, incident.id)[DeadlineKind.GDPR_BREACH_NOTIFICATION].state == \
        DeadlineState.DONE
    clock.skip(minutes=5)
    await tick(h)
    assert reminders_of(h, incident) == []
    await h.actor.click(incident.channel_id, posted.ts, SUBMITTED, user="U_ALICE")
    await h.settle()
    assert any("already recorded as submitted" in e.text
               for e in h.workspace.ephemerals_for(user="U_ALICE"))


async def test_an_initial_report_starts_the_complete_reports_clock(h):
    incident, _ = await assessed_then_clicked(h, INITIAL, health="harm")
    [follow] = said(h, incident, "submitted as an initial, incomplete report")
    assert "Started: *EU AI Act complete serious-incident report*" in str(follow.blocks)
    clocks = report_clocks(h, incident.id)
    assert clocks[DeadlineKind.AI_ACT_SERIOUS_INCIDENT].state == DeadlineState.DONE
    assert clocks[DeadlineKind.AI_ACT_COMPLETE_REPORT].state == DeadlineState.PENDING


async def test_reassessing_moves_and_stops_clocks_in_the_channel(h):
    incident = await h.declare()
    await assess(h, incident, personal_data_breach="yes")
    await assess(h, incident)  # on reflection: not reportable
    [stopped] = said(h, incident, "*not reportable*")
    assert "Stopped: *GDPR personal-data breach notification* no longer applies" \
        in str(stopped.blocks)
    assert all(d.state == DeadlineState.CANCELLED
               for d in report_clocks(h, incident.id).values())


async def test_nothing_of_it_for_a_system_without_obligations_or_contract(h):
    status, _ = await h.post("/alerts", {
        "system": "recommender", "title": "Accuracy down", "signal": "performance",
        "metric": {"name": "accuracy", "value": 0.70, "baseline": 0.85, "threshold": 0.80}})
    assert status == 201
    await h.settle()
    incident = h.incident()
    assert ASSESS not in buttons(summary(h, incident))
    for text in ("reportable", "status"):  # Carol owns the recommender: she is in its channel
        await h.actor.command("/incident", text, channel=incident.channel_id, user="U_CAROL")
    await h.settle()
    answers = [e.text for e in h.workspace.ephemerals_for(user="U_CAROL")]
    assert any("names no reporting obligations for recommender" in t for t in answers)
    assert not any("Reportability" in t for t in answers)
    everything = " ".join(str(m.blocks) for m in h.workspace.messages(incident.channel_id))
    assert "contract" not in everything and "(threshold 80.0%)" in everything
    assert report_clocks(h, incident.id) == {}


async def test_contract_floor_sets_the_severity_and_the_clients_wording(h):
    status, _ = await h.post("/alerts", {
        "system": "fraud-detector", "title": "Fraud model accuracy 74%",
        "signal": "performance",
        "metric": {"name": "accuracy", "value": 0.74, "baseline": 0.85}})
    assert status == 201
    await h.settle()
    incident = h.incident()
    assert incident.severity == 2  # by the rules alone: a noticeable drop, Sev3
    reason = "accuracy 0.74 is below the 0.80 the contract with Acme Bank guarantees"
    assert said(h, incident, reason)
    await h.actor.click(incident.channel_id, incident.summary_ts, "incident.draft_notification")
    view = await h.workspace.wait_for(lambda: h.modal("U_ALICE"))
    impact = next(b for b in view.blocks if b.get("block_id") == "business_impact")
    assert impact["element"]["initial_value"].startswith(
        "accuracy 85.0% → 74.0%, below the contractual 80.0% since")
