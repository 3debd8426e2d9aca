"""Client notifications and status updates, driven through signed requests to the bot."""

from datetime import UTC, datetime, timedelta

import pytest_asyncio
from sqlmodel import select

from bot.jobs import deadlines as reminders
from bot.sandbox.stack import start_stack
from incidents.catalog.models import Policy
from incidents.comms.models import Notification
from incidents.models import Deadline
from incidents.types import DeadlineKind, DeadlineState, EventKind
from tests.scenario.conftest import Harness

ALERT = {"system": "fraud-detector", "title": "Fraud flag rate 40%",
         "signal": "prediction_distribution",
         "metric": {"name": "flag_rate", "value": 0.40, "baseline": 0.02, "threshold": 0.10}}


def notifications(harness, incident_id):
    with harness.bot.session() as session:
        return list(session.exec(select(Notification).where(
            Notification.incident_id == incident_id).order_by(Notification.id)))


def deadlines_of(harness, incident_id, kind):
    with harness.bot.session() as session:
        return list(session.exec(select(Deadline).where(
            Deadline.incident_id == incident_id, Deadline.kind == kind).order_by(Deadline.id)))


def initial_values(view) -> dict:
    """What the form shows before anyone types: block id → initial value."""
    found = {}
    for block in view.blocks:
        element = block.get("element") or {}
        if "initial_value" in element:
            found[block["block_id"]] = element["initial_value"]
        if "initial_date_time" in element:
            found[block["block_id"]] = element["initial_date_time"]
    return found


def draft_of(harness, channel, notification):
    return harness.workspace.message(harness.workspace.channels[channel], notification.draft_ts)


def buttons(message) -> dict[str, str]:
    return {e["action_id"]: e.get("value") for b in message.blocks if b["type"] == "actions"
            for e in b["elements"]}


async def opened_by_alert(harness):
    status, _ = await harness.post("/alerts", ALERT)
    assert status == 201
    await harness.settle()
    return harness.incident()


async def test_initial_notification_drafted_then_sent_to_the_client_channel(harness):
    ws = harness.workspace
    ws.add_channel("acme-shared", id="C_ACME_SHARED", members=["U_ALICE"])
    incident = await opened_by_alert(harness)
    assert incident.severity == 1  # a critical system, flag rate far over its threshold
    before = harness.bot.now()
    await harness.actor.command("/incident", "notify", channel=incident.channel_id)
    view = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    shown = initial_values(view)
    # Sev1 goes to the executive contact, with the business impact from the alert's metric.
    assert shown["recipient"] == "Dana Lee <dana.lee@acme-bank.example>"
    assert shown["system"] == "Fraud detector"
    assert shown["business_impact"].startswith("flag rate 2.0% → 40.0% (threshold 10.0%) since")
    promised = datetime.fromtimestamp(shown["next_update_at"], UTC)
    assert timedelta(hours=2) <= promised - before <= timedelta(hours=2, minutes=1)
    response = await harness.actor.submit_view(view.id, {})
    assert response.status == 200 and response.applied == "close"
    await harness.settle()

    (note,) = notifications(harness, incident.id)
    assert note.kind == "initial" and note.sent_at is None and note.drafted_by == "U_ALICE"
    draft = draft_of(harness, incident.channel_id, note)
    assert "Business impact: flag rate 2.0% → 40.0%" in str(draft.blocks)
    assert f"We will send our next update by {promised:%H:%M} UTC" in str(draft.blocks)
    assert set(buttons(draft)) == {"incident.notification_mark_sent",
                                   "incident.notification_send_to_client"}
    (exec_deadline,) = deadlines_of(harness, incident.id, DeadlineKind.EXECUTIVE_NOTIFICATION)
    assert exec_deadline.state == DeadlineState.PENDING  # a draft is not a notification

    await harness.actor.click(incident.channel_id, draft.ts,
                              "incident.notification_send_to_client")
    await harness.settle()
    (note,) = notifications(harness, incident.id)
    assert note.sent_via == "client_channel" and note.sent_by == "U_ALICE"
    posted = ws.messages("C_ACME_SHARED")
    assert len(posted) == 1 and posted[0].ts == note.client_ts
    assert "We have found a problem with Fraud detector" in posted[0].text
    assert "Draft" not in posted[0].text and "comms lead" not in str(posted[0].blocks)
    (exec_deadline,) = deadlines_of(harness, incident.id, DeadlineKind.EXECUTIVE_NOTIFICATION)
    assert exec_deadline.state == DeadlineState.DONE
    assert exec_deadline.completed_at == note.sent_at
    kinds = [e.kind for e in harness.timeline(incident.id)]
    assert EventKind.NOTIFICATION_SENT in kinds and EventKind.DEADLINE_MET in kinds
    draft = draft_of(harness, incident.channel_id, note)
    assert buttons(draft) == {} and "Sent to the client channel by <@U_ALICE>" in str(draft.blocks)


async def test_summary_button_drafts_sev2_notification_and_mark_as_sent(harness):
    ws = harness.workspace
    incident = await harness.declare(severity="2")
    await harness.actor.click(incident.channel_id, incident.summary_ts,
                              "incident.draft_notification", str(incident.id))
    view = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    assert initial_values(view)["recipient"] == "Sam Roy <sam.roy@acme-bank.example>"
    await harness.actor.submit_view(view.id, {
        "business_impact": "About 4 in 10 legitimate card payments are being declined",
        "mitigation": "We switched scoring to the rule-based fallback.",
        "our_contact": "Alice Schmidt, +49 30 1234567",
    })
    await harness.settle()
    (note,) = notifications(harness, incident.id)
    assert "To limit the impact while we work on a full fix: We switched" in note.text
    assert "please contact Alice Schmidt, +49 30 1234567" in note.text
    draft = draft_of(harness, incident.channel_id, note)
    # The client has a shared channel, but the bot never posts there without a click.
    assert "incident.notification_send_to_client" in buttons(draft)
    clicked_at = harness.bot.now()
    await harness.actor.click(incident.channel_id, draft.ts, "incident.notification_mark_sent",
                              user="U_BOB")
    await harness.settle()
    (note,) = notifications(harness, incident.id)
    assert note.sent_via == "marked_as_sent" and note.sent_by == "U_BOB"
    assert clicked_at <= note.sent_at <= harness.bot.now()
    (deadline,) = deadlines_of(harness, incident.id, DeadlineKind.TECHNICAL_NOTIFICATION)
    assert deadline.state == DeadlineState.DONE and deadline.completed_at == note.sent_at
    sent = [e for e in harness.timeline(incident.id) if e.kind == EventKind.NOTIFICATION_SENT]
    assert len(sent) == 1 and sent[0].actor == "U_BOB" and sent[0].occurred_at == note.sent_at
    assert "Marked as sent by <@U_BOB>" in str(draft_of(harness, incident.channel_id, note).blocks)


async def test_choosing_the_other_kind_refills_the_form(harness):
    ws = harness.workspace
    incident = await harness.declare(severity="2")
    await harness.actor.command("/incident", "notify", channel=incident.channel_id)
    view = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    assert "business_impact" in [b.get("block_id") for b in view.blocks]
    await harness.actor.click_in_view(view.id, "incident.notification_kind",
                                      f"{incident.id}:resolution")
    await harness.settle()
    view = harness.modal("U_ALICE")
    ids = [b.get("block_id") for b in view.blocks]
    assert "resolution" in ids and "review_within" in ids and "business_impact" not in ids
    assert initial_values(view)["review_within"] == "5 business days"


async def test_status_update_records_and_moves_the_status_update_deadline(harness):
    ws = harness.workspace
    incident = await harness.declare(severity="2")
    (first,) = deadlines_of(harness, incident.id, DeadlineKind.STATUS_UPDATE)
    await harness.actor.command("/incident", "update", channel=incident.channel_id)
    view = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    past = int((harness.bot.now() - timedelta(minutes=5)).timestamp())
    impact = "About 4 in 10 legitimate card payments are being declined"
    refused = await harness.actor.submit_view(view.id, {
        "next_update_at": past, "current_status": "Investigating", "business_impact": impact})
    assert refused.json["response_action"] == "errors"
    assert "next_update_at" in refused.json["errors"]
    promised = (harness.bot.now() + timedelta(minutes=45)).replace(microsecond=0)
    response = await harness.actor.submit_view(view.id, {
        "root_cause": "A feature pipeline started sending empty merchant categories",
        "current_status": "Scoring runs on the rule-based fallback; the pipeline fix is in test",
        "expected_resolution": "Within 4 hours",
        "business_impact": impact,
        "client_action": "Please review payments declined since 09:50 UTC",
        "next_update_at": int(promised.timestamp()),
    })
    assert response.applied == "close"
    await harness.settle()
    (update,) = notifications(harness, incident.id)
    assert update.kind == "status_update" and update.next_update_at == promised
    assert "Action needed from your team: Please review payments declined" in update.text
    assert f"Next update: by {promised:%H:%M} UTC" in update.text
    posted = draft_of(harness, incident.channel_id, update)
    assert "Status update" in str(posted.blocks) and "empty merchant categories" in str(
        posted.blocks)
    rows = deadlines_of(harness, incident.id, DeadlineKind.STATUS_UPDATE)
    assert len(rows) == 2 and rows[0].id == first.id
    assert rows[0].state == DeadlineState.DONE and rows[0].completed_at == update.drafted_at
    assert rows[1].state == DeadlineState.PENDING and rows[1].due_at == promised
    event = next(e for e in harness.timeline(incident.id) if e.kind == EventKind.STATUS_UPDATE)
    assert event.data["notification"] == update.id and event.actor == "U_ALICE"


async def test_resolve_offers_the_resolution_notification(harness):
    ws = harness.workspace
    incident = await harness.declare(severity="2")
    await harness.actor.command("/incident", "resolve", channel=incident.channel_id)
    view = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    await harness.actor.submit_view(view.id, {
        "summary": {"value": "Rolled back to model v41"},
        "root_cause_category": {"value": "model_or_deployment"},
    })
    await harness.settle()
    offer = next(m for m in ws.messages(incident.channel_id)
                 if "incident.draft_notification" in buttons(m) and "resolved" in m.text)
    await harness.actor.click(incident.channel_id, offer.ts, "incident.draft_notification")
    view = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    shown = initial_values(view)
    assert shown["resolution"] == "Rolled back to model v41"
    assert shown["root_cause"] == "Model or deployment"
    await harness.actor.submit_view(view.id, {
        "current_performance": "Flag rate back to 2.1% over the last hour"})
    await harness.settle()
    (note,) = notifications(harness, incident.id)
    assert note.kind == "resolution"
    assert note.text.startswith("The Fraud detector incident is resolved.")
    assert "What we fixed: Rolled back to model v41" in note.text
    assert "within 5 business days" in note.text
    await harness.actor.click(incident.channel_id, note.draft_ts,
                              "incident.notification_mark_sent")
    await harness.settle()
    sent = [e for e in harness.timeline(incident.id) if e.kind == EventKind.NOTIFICATION_SENT]
    assert [e.data["kind"] for e in sent] == ["resolution"]
    (review,) = deadlines_of(harness, incident.id, DeadlineKind.REVIEW)
    assert review.state == DeadlineState.PENDING  # a notification does not hold the review


async def test_status_update_refused_once_resolved_and_non_members_refused(harness):
    harness.workspace.add_user("U_ERIN", "erin", real_name="Erin Outsider", tz="UTC")
    incident = await harness.declare(severity="2")
    assert "U_ERIN" not in harness.workspace.members(incident.channel_id)
    await harness.actor.click(incident.channel_id, incident.summary_ts,
                              "incident.draft_notification", str(incident.id), user="U_ERIN")
    await harness.settle()
    assert harness.modal("U_ERIN") is None
    said = [e.text for e in harness.workspace.ephemerals_for(user="U_ERIN")]
    assert any("Only members" in t for t in said)
    await harness.actor.command("/incident", "resolve", channel=incident.channel_id)
    view = await harness.workspace.wait_for(lambda: harness.modal("U_ALICE"))
    await harness.actor.submit_view(view.id, {"summary": {"value": "Fixed"}})
    await harness.settle()
    await harness.actor.command("/incident", "update", channel=incident.channel_id)
    await harness.settle()
    said = [e.text for e in harness.workspace.ephemerals_for(user="U_ALICE")]
    assert any("/incident notify resolution" in t for t in said)


class JumpClock:
    """Real time plus an offset that a test can move forward."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self):
        return datetime.now(UTC) + self.offset


@pytest_asyncio.fixture
async def quick(settings, catalog):
    policy = Policy.model_validate({"sev1": {"executive_notification": "30s"},
                                    "reminder_lead": "10s"})
    clock = JumpClock()
    stack = await start_stack(settings, catalog.model_copy(update={"policy": policy}),
                              clock=clock)
    yield Harness(stack), clock
    await stack.close()


async def test_overdue_reminder_drafts_the_notification_and_sending_closes_it_late(quick):
    harness, clock = quick
    ws = harness.workspace
    incident = await harness.declare(severity="1")
    clock.offset = timedelta(seconds=31)  # past the 30 s executive notification deadline
    await reminders.check(harness.bot)
    await harness.settle()
    reminder = next(m for m in ws.messages(incident.channel_id)
                    if "incident.draft_notification" in buttons(m)
                    and m.ts != incident.summary_ts)
    assert buttons(reminder)["incident.draft_notification"] == str(incident.id)
    await harness.actor.click(incident.channel_id, reminder.ts, "incident.draft_notification",
                              user="U_BOB")
    view = await ws.wait_for(lambda: harness.modal("U_BOB"))
    assert initial_values(view)["recipient"] == "Dana Lee <dana.lee@acme-bank.example>"
    await harness.actor.submit_view(view.id, {"business_impact": "Card payments declined"})
    await harness.settle()
    (note,) = notifications(harness, incident.id)
    await harness.actor.click(incident.channel_id, note.draft_ts,
                              "incident.notification_mark_sent", user="U_BOB")
    await harness.settle()
    (deadline,) = deadlines_of(harness, incident.id, DeadlineKind.EXECUTIVE_NOTIFICATION)
    assert deadline.state == DeadlineState.DONE
    assert deadline.completed_at == notifications(harness, incident.id)[0].sent_at
    assert deadline.completed_at > deadline.due_at  # met, but late: the review will say so
