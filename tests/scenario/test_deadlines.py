"""Deadline reminders end to end: the bot, the workspace, a policy in seconds and a clock
that can jump, so minutes of incident time take milliseconds."""

from datetime import timedelta

import pytest
import pytest_asyncio
from sqlmodel import select

from bot.jobs import deadlines as reminders
from bot.sandbox.stack import start_stack
from incidents.catalog.models import Policy
from incidents.deadlines import clocks as deadlines
from incidents.models import Deadline
from incidents.types import DeadlineKind, DeadlineState, EventKind
from tests.scenario.conftest import Harness

DONE = "incident.deadline_done"
SNOOZE_15M = "incident.deadline_snooze_15m"


@pytest.fixture
def short_catalog(catalog):
    policy = Policy.model_validate({
        "sev1": {"executive_notification": "30s", "status_update_every": "1h"},
        "sev2": {"technical_notification": "1h", "status_update_every": "1h"},
        "reminder_lead": "10s",
    })
    return catalog.model_copy(update={"policy": policy})



@pytest_asyncio.fixture
async def h(settings, short_catalog, clock):
    stack = await start_stack(settings, short_catalog, clock=clock)
    yield Harness(stack)
    await stack.close()


def reminder_messages(ws, channel):
    """Messages of the deadline feature: they carry (or carried) its buttons or its notes."""
    return [m for m in ws.messages(channel) if "deadline " in str(m.blocks)
            and ("Reminder" in m.text or "verdue" in m.text)]


def buttons(message):
    return [e["action_id"] for b in message.blocks if b["type"] == "actions"
            for e in b["elements"]]


async def tick(h: Harness) -> None:
    """Run the periodic check now (the scheduler would within a second) and deliver."""
    await reminders.check(h.bot)
    await h.settle()


def executive(h: Harness, incident_id: int) -> Deadline:
    with h.bot.session() as session:
        return session.exec(select(Deadline).where(
            Deadline.incident_id == incident_id,
            Deadline.kind == DeadlineKind.EXECUTIVE_NOTIFICATION,
        )).one()


def kinds(h: Harness, incident_id: int) -> list[str]:
    return [e.kind for e in h.timeline(incident_id)]


def sent_metric(h: Harness, kind: str) -> float:
    return h.bot.metrics.reminders_sent.labels(kind)._value.get()


async def test_reminder_before_and_escalation_at_the_deadline(h, clock):
    ws = h.workspace
    incident = await h.declare(severity="1")
    channel = incident.channel_id
    await tick(h)
    assert reminder_messages(ws, channel) == []
    clock.skip(seconds=20)  # 30 s window, 10 s lead
    await tick(h)
    await tick(h)  # the same moment again: nothing more
    [reminder] = reminder_messages(ws, channel)
    assert reminder.text.startswith(":alarm_clock: <@U_ALICE> <@U_BOB> Reminder:")  # owners
    assert "Client executive notification" in reminder.text
    assert "Dana Lee, Acme Bank" in str(reminder.blocks)
    assert buttons(reminder) == [DONE, SNOOZE_15M, "incident.deadline_snooze_1h",
                                 "incident.draft_notification"]
    clock.skip(seconds=10)
    await tick(h)
    escalation = reminder_messages(ws, channel)[-1]
    assert len(reminder_messages(ws, channel)) == 2
    assert "Overdue:" in escalation.text and "<!date^" in str(escalation.blocks)
    timeline = kinds(h, incident.id)
    assert timeline.count(EventKind.REMINDER_SENT) == 2
    assert timeline.count(EventKind.DEADLINE_MISSED) == 1
    assert sent_metric(h, DeadlineKind.EXECUTIVE_NOTIFICATION) == 2
    assert executive(h, incident.id).state == DeadlineState.MISSED
    # Done late from the escalation; the earlier reminder's button is now stale.
    await h.actor.click(channel, escalation.ts, DONE, user="U_BOB")
    await h.settle()
    await h.actor.click(channel, reminder.ts, DONE, user="U_ALICE")
    await h.settle()
    assert any("already done" in e.text for e in ws.ephemerals_for(user="U_ALICE"))
    met = [e for e in h.timeline(incident.id) if e.kind == EventKind.DEADLINE_MET]
    assert [(e.actor, e.data["on_time"]) for e in met] == [("U_BOB", False)]


async def test_commander_is_mentioned_once_there_is_one(h, clock):
    incident = await h.declare(severity="1")
    await h.actor.command("/incident", "assign commander <@U_BOB|bob>",
                          channel=incident.channel_id)
    await h.settle()
    clock.skip(seconds=20)
    await tick(h)
    [reminder] = reminder_messages(h.workspace, incident.channel_id)
    assert reminder.text.startswith(":alarm_clock: <@U_BOB> Reminder:")


async def test_nothing_after_mark_done(h, clock):
    ws = h.workspace
    incident = await h.declare(severity="1")
    clock.skip(seconds=20)
    await tick(h)
    [reminder] = reminder_messages(ws, incident.channel_id)
    await h.actor.click(incident.channel_id, reminder.ts, DONE, user="U_BOB")
    await h.settle()
    updated = ws.message(ws.channels[incident.channel_id], reminder.ts)
    assert buttons(updated) == [] and "Marked done by <@U_BOB>" in str(updated.blocks)
    clock.skip(minutes=5)
    await tick(h)
    assert len(reminder_messages(ws, incident.channel_id)) == 1  # no escalation
    met = [e for e in h.timeline(incident.id) if e.kind == EventKind.DEADLINE_MET]
    assert [(e.actor, e.data["on_time"]) for e in met] == [("U_BOB", True)]
    assert executive(h, incident.id).state == DeadlineState.DONE


async def test_snooze_moves_the_next_reminder(h, clock):
    ws = h.workspace
    incident = await h.declare(severity="1")
    clock.skip(seconds=20)
    await tick(h)
    [reminder] = reminder_messages(ws, incident.channel_id)
    await h.actor.click(incident.channel_id, reminder.ts, SNOOZE_15M, user="U_ALICE")
    await h.settle()
    assert "Snoozed by <@U_ALICE>" in str(ws.message(ws.channels[incident.channel_id],
                                                     reminder.ts).blocks)
    clock.skip(seconds=15)  # past the deadline, but the snooze holds the escalation back
    await tick(h)
    assert len(reminder_messages(ws, incident.channel_id)) == 1
    clock.skip(minutes=15)
    await tick(h)
    messages = reminder_messages(ws, incident.channel_id)
    assert len(messages) == 2 and "Overdue:" in messages[-1].text
    assert EventKind.DEADLINE_SNOOZED in kinds(h, incident.id)


async def test_an_upgrade_starts_the_executive_clock_at_the_upgrade(h, clock):
    ws = h.workspace
    incident = await h.declare(severity="2")
    clock.skip(minutes=10)
    await h.actor.command("/incident", "severity 1", channel=incident.channel_id)
    await h.settle()
    changed = next(e for e in h.timeline(incident.id) if e.kind == EventKind.SEVERITY_CHANGED)
    assert executive(h, incident.id).due_at == changed.occurred_at + timedelta(seconds=30)
    clock.skip(seconds=20)
    await tick(h)
    [reminder] = reminder_messages(ws, incident.channel_id)
    assert "Reminder: Client executive notification" in reminder.text
    clock.skip(seconds=10)
    await tick(h)
    assert "Overdue:" in reminder_messages(ws, incident.channel_id)[-1].text
    # The Sev2 technical notification no longer applies and never reminded anyone.
    assert all("technical" not in m.text for m in reminder_messages(ws, incident.channel_id))


async def test_status_without_argument_lists_the_open_deadlines(h):
    incident = await h.declare(severity="1")
    await h.actor.command("/incident", "status", channel=incident.channel_id)
    await h.settle()
    due = executive(h, incident.id).due_at
    # The listing is built after the ack, from the database: wait for it, however busy.
    shown = await h.workspace.wait_for(lambda: next(
        (e.text for e in h.workspace.ephemerals_for(user="U_ALICE") if "*Deadlines*" in e.text),
        None))
    assert "Sev1 · triage" in shown and "Client executive notification" in shown
    assert f"<!date^{int(due.timestamp())}^" in shown and "Status update" in shown


async def test_a_restart_fires_an_overdue_deadline_once(settings, short_catalog, clock):
    first = await start_stack(settings, short_catalog, clock=clock)
    incident = await Harness(first).declare(severity="1")
    await first.close()
    clock.skip(minutes=5)  # reminder and deadline both pass while the bot is down
    second = await start_stack(settings, short_catalog, workspace=first.workspace, clock=clock)
    try:
        h = Harness(second)
        ws = h.workspace
        # No nudge from the test: the scheduler's first check after start-up fires it.
        await ws.wait_for(lambda: reminder_messages(ws, incident.channel_id), seconds=5)
        await tick(h)
        await tick(h)
        [escalation] = reminder_messages(ws, incident.channel_id)
        assert "Overdue:" in escalation.text
        assert kinds(h, incident.id).count(EventKind.REMINDER_SENT) == 1
    finally:
        await second.close()


async def test_slack_outage_delays_reminders_and_drops_what_was_met_meanwhile(h, clock):
    ws = h.workspace
    incident = await h.declare(severity="1")
    ws.faults.inject("chat.postMessage", status=200, error="fatal_error", times=None)
    clock.skip(seconds=20)
    await tick_during_outage(h)
    assert reminder_messages(ws, incident.channel_id) == []
    ws.faults.clear()
    clock.skip(seconds=2)  # past the outbox's retry backoff
    await h.settle()
    assert len(reminder_messages(ws, incident.channel_id)) == 1  # retried, not lost
    ws.faults.inject("chat.postMessage", status=200, error="fatal_error", times=None)
    clock.skip(seconds=10)
    await tick_during_outage(h)  # the escalation is queued while Slack is down …
    with h.bot.session() as session:  # … and the notification goes out meanwhile
        deadlines.complete(session, incident=h.incident(incident.id),
                           kind=DeadlineKind.EXECUTIVE_NOTIFICATION, now=h.bot.now(),
                           actor="U_BOB")
    ws.faults.clear()
    clock.skip(seconds=2)
    await h.settle()
    assert len(reminder_messages(ws, incident.channel_id)) == 1  # no stale "Overdue"


async def tick_during_outage(h: Harness) -> None:
    await reminders.check(h.bot)
    await h.stack.drain()
