"""Drills end to end: `/incident drill`, its marking, injects played on time (also across a
restart), metrics that ignore it, and the debrief. The bot's clock is real time plus what a
test skips ahead; the drill check is run directly after a skip."""

import re
from datetime import timedelta

import aiohttp
import pytest
import pytest_asyncio
from sqlmodel import select

from bot.jobs import deadlines as reminders
from bot.jobs.drills import check
from bot.sandbox.stack import start_stack
from bot.sandbox.workspace import Workspace
from bot.slack.drill_marking import MARKER_ID
from incidents.catalog.models import Policy
from incidents.deadlines import clocks as deadlines
from incidents.drills.models import Drill, DrillInject
from incidents.models import Alert
from incidents.oncall.models import Page
from incidents.types import EventKind, Status
from tests.scenario.conftest import Harness

ANSWER = "incident.triage_answer"


@pytest.fixture
def short_catalog(catalog):
    """The executive notification of a Sev1 is due 30 s after the drill starts."""
    policy = Policy.model_validate({"sev1": {"executive_notification": "30s"},
                                    "reminder_lead": "10s"})
    return catalog.model_copy(update={"policy": policy})


@pytest_asyncio.fixture
async def h(settings, short_catalog, clock):
    stack = await start_stack(settings, short_catalog, clock=clock)
    yield Harness(stack)
    await stack.close()


async def tick(h: Harness) -> None:
    await check(h.bot)
    await h.settle()


async def start(h: Harness, text: str, user: str = "U_ALICE"):
    await h.actor.command("/incident", f"drill {text}", user=user)
    await h.settle()
    return h.incident()


def said(h: Harness, user: str = "U_ALICE") -> str:
    return "\n".join(e.text + str(e.blocks) for e in h.workspace.ephemerals_for(user=user))


def drill_row(h: Harness, incident_id: int) -> Drill:
    with h.bot.session() as session:
        return session.exec(select(Drill).where(Drill.incident_id == incident_id)).one()


def injects(h: Harness, incident_id: int) -> list[DrillInject]:
    with h.bot.session() as session:
        return list(session.exec(select(DrillInject).where(DrillInject.incident_id ==
                                                           incident_id)
                                 .order_by(DrillInject.number)))


def texts(h: Harness, channel: str) -> list[str]:
    return [m.text for m in h.workspace.messages(channel)]


async def test_drill_lists_scenarios_and_explains_mistakes(h):
    await h.actor.command("/incident", "drill")
    await h.actor.command("/incident", "drill nope")
    await h.actor.command("/incident", "drill data-drift speed=0")
    await h.settle()
    answers = said(h)
    for key in ("data-drift", "feature-pipeline-nulls", "training-serving-skew",
                "bad-deployment", "adversarial-inputs", "concept-drift", "feedback-loop",
                "catastrophic-forgetting"):
        assert f"`{key}`" in answers
    assert "There is no scenario `nope`" in answers
    assert "The speed must be between 0.1 and 3600" in answers
    assert h.incidents() == []
    assert "drill [scenario]" in h.bot.subcommands.help_text()


async def test_a_drill_is_marked_everywhere_and_pages_nobody(h):
    ws = h.workspace
    incident = await start(h, "bad-deployment speed=60")
    assert incident.is_drill and incident.severity == 1 and incident.declared_by == "U_ALICE"
    channel = incident.channel_id
    assert re.fullmatch(r"inc-\d{8}-\d+-drill-fraud-flag-rate-40-after-a-model-deployment",
                        incident.channel_name)
    assert ws.topic(channel).value.startswith("DRILL · Sev1 · triage")
    await h.actor.command("/incident", "severity 2", channel=channel)
    await h.actor.command("/incident", "note checking the deploy log", channel=channel)
    await h.settle()
    messages = ws.messages(channel)
    joined = "\n".join(texts(h, channel))
    for expected in ("Incident #1", "Alert: Fraud flag rate 40%", "Drill: Bad deployment",
                     "lowered the severity", "Note from", "emergency response"):
        assert expected in joined, expected
    for message in messages:  # summary, alert, briefing, announcements, emergency call…
        assert message.text.startswith("DRILL"), message.text
        assert MARKER_ID in [b.get("block_id") for b in message.blocks[:2]], message.text
    summary = ws.message(ws.channels[channel], incident.summary_ts)
    assert summary.blocks[0]["text"]["text"].startswith("DRILL · Incident #1")
    # Nobody paged: no direct messages, no pages.
    assert ws.calls_to("conversations.open") == []
    with h.bot.session() as session:
        assert session.exec(select(Page)).all() == []
    await h.actor.command("/incident", "list")
    await h.settle()
    assert "*#1* DRILL" in said(h)


async def test_real_alerts_never_join_a_drill(h):
    ws = h.workspace
    drill = await start(h, "bad-deployment speed=60")
    status, body = await h.post("/alerts", {
        "system": "fraud-detector", "title": "Fraud flag rate 40%",
        "signal": "prediction_distribution",
        "metric": {"name": "flag_rate", "value": 0.4, "baseline": 0.02, "threshold": 0.1}})
    await h.settle()
    assert status == 201 and body["alerts"][0]["outcome"] == "opened"
    real = h.incident()
    assert real.id != drill.id and not real.is_drill
    assert not any(t.startswith("DRILL") for t in texts(h, real.channel_id))
    assert "drill" not in real.channel_name
    with h.bot.session() as session:
        drill_alerts = session.exec(select(Alert).where(Alert.incident_id == drill.id)).all()
    assert [a.source for a in drill_alerts] == ["drill"]
    assert len(ws.calls_to("conversations.open")) >= 1  # the real incident pages


async def test_injects_play_at_their_time_at_high_speed(h, clock):
    # feature-pipeline-nulls: injects 0, 5, 10, 15 and 25 minutes in; at 30× 0–50 s.
    incident = await start(h, "feature-pipeline-nulls speed=30")
    started = drill_row(h, incident.id).started_at
    rows = injects(h, incident.id)
    assert [r.due_at - started for r in rows] == [
        timedelta(seconds=s) for s in (0, 10, 20, 30, 50)]
    assert [r.played_at is not None for r in rows] == [True, False, False, False, False]
    clock.skip(seconds=7)
    await tick(h)
    assert [r.played_at is not None for r in injects(h, incident.id)].count(True) == 1
    clock.skip(seconds=4)
    await tick(h)
    assert [r.played_at is not None for r in injects(h, incident.id)].count(True) == 2
    [reading] = [e for e in h.timeline(incident.id) if e.kind == EventKind.DRILL_INJECT]
    assert reading.occurred_at == started + timedelta(seconds=10)
    assert reading.text == "Fraud dashboard: flag rate 2.1% → 9.0% (threshold 10.0%)"
    assert "DRILL · " + reading.text in texts(h, incident.channel_id)
    clock.skip(seconds=60)
    await tick(h)
    await tick(h)  # nothing is played twice
    assert all(r.played_at and not r.skipped for r in injects(h, incident.id))
    with h.bot.session() as session:
        alerts = session.exec(select(Alert).where(Alert.incident_id == incident.id)
                              .order_by(Alert.id)).all()
    assert [a.title for a in alerts] == ["merchant_category null rate 38%",
                                         "Fraud flag rate 14%"]
    assert alerts[1].starts_at == started + timedelta(seconds=20)
    posted = [t for t in texts(h, incident.channel_id) if "DRILL · Drill" not in t]
    order = ["Fraud dashboard", "Alert: Fraud flag rate 14%", "Merchant-data vendor status page",
             "Feature pipeline monitor"]
    positions = [next(i for i, t in enumerate(posted) if what in t) for what in order]
    assert positions == sorted(positions)
    assert sum("Merchant-data vendor" in t for t in posted) == 1


async def test_injects_survive_a_restart_once_each(settings, short_catalog, clock):
    workspace = Workspace.default()
    first = await start_stack(settings, short_catalog, clock=clock, workspace=workspace)
    h = Harness(first)
    incident = await start(h, "bad-deployment speed=60")  # then 3, 5 and 10 s
    await first.close()
    clock.skip(seconds=20)  # the bot was down while the injects fell due
    second = await start_stack(settings, short_catalog, clock=clock, workspace=workspace)
    try:
        h = Harness(second)
        await tick(h)
        await tick(h)
        played = [e for e in h.timeline(incident.id) if e.kind == EventKind.DRILL_INJECT]
        assert [e.data["inject"] for e in played] == [1, 2, 3]
        channel = texts(h, incident.channel_id)
        assert sum("Deploy log" in t for t in channel) == 1
        assert sum("Acme Bank card operations" in t for t in channel) == 1
    finally:
        await second.close()


async def metrics_text(h: Harness) -> str:
    async with aiohttp.ClientSession() as http, http.get(f"{h.stack.url}/metrics") as response:
        return await response.text()


async def test_drills_stay_out_of_metrics(h):
    await start(h, "bad-deployment speed=60")
    await start(h, "data-drift")
    status, _ = await h.post("/alerts", {"system": "recommender", "title": "CTR down",
                                         "signal": "business_metric"})
    await h.settle()
    assert status == 201 and len(h.incidents()) == 3
    text = await metrics_text(h)
    gauges = re.findall(r'^incidentbot_incidents\{severity="(sev\d)",status="(\w+)"\} (\S+)$',
                        text, re.M)
    assert [(sev, status, float(n)) for sev, status, n in gauges if float(n)] == \
        [(f"sev{h.incident().severity}", "triage", 1.0)]
    assert 'incidentbot_incidents_opened_total{how="alert"} 1.0' in text
    assert "incidentbot_incidents_opened_total{how=\"declared\"}" not in text
    assert re.findall(r'^incidentbot_alerts_received_total\{(.*)\} (\S+)$', text, re.M) == [
        ('outcome="opened",source="generic"', "1.0")]


async def answer(h: Harness, message, incident_id: int, item: str, value: str):
    await h.actor.click(message.channel, message.ts, f"{ANSWER}:{value}",
                        f"{incident_id}:{item}:{value}")
    await h.settle()


async def test_the_debrief_compares_triage_with_the_scenario(h, clock):
    ws = h.workspace
    incident = await start(h, "bad-deployment speed=60")
    channel = incident.channel_id
    await h.actor.command("/incident", "triage", channel=channel)
    await h.settle()
    checklist = next(m for m in ws.messages(channel) if m.text.startswith("DRILL · Triage"))
    clock.skip(seconds=5)
    # Inputs "changed" contradicts the facts: the first proposal points at data drift.
    for item, value in [("alert", "real"), ("predictions", "yes"), ("ranges", "no"),
                        ("inputs_changed", "yes"), ("upstream_healthy", "yes"),
                        ("impact", "significant_harm")]:
        await answer(h, checklist, incident.id, item, value)
    clock.skip(seconds=10)
    await answer(h, checklist, incident.id, "model_updated", "yes")  # now: model issue
    clock.skip(seconds=40)  # the executive notification (30 s) was never sent
    await reminders.check(h.bot)
    await tick(h)
    await h.actor.command("/incident", "drill end", channel=channel)
    await h.settle()
    await tick(h)
    await tick(h)  # one debrief, however often the check runs
    assert h.incident(incident.id).status == Status.RESOLVED
    debriefs = [m for m in ws.messages(channel) if m.text.startswith("DRILL · Drill over")]
    assert len(debriefs) == 1
    body = str(debriefs[0].blocks)
    assert "Drill debrief · incident #1" in body
    assert re.search(r"Time to triage \(first proposal\): [5-9]m \d\ds of scenario time "
                     r"\([5-9]s at 60×\)", body)
    assert re.search(r"Diagnosis path: Model issue, as expected, reached after 1[5-9]m \d\ds "
                     r"of scenario time", body)
    assert "Mitigation: none happened" in body
    assert "Deadlines: 0 met, 1 missed (Client executive notification)" in body
    assert "“Has the input data changed?” Yes, the facts say No" in body
    assert "injects played: 4 of 4" in body
    assert "Model v4.3.0 went out without its canary stage" in body
    debrief = drill_row(h, incident.id).debrief
    assert debrief["final_path"] == "model_issue" and debrief["missed"] == [
        "Client executive notification"]
    assert [e.kind for e in h.timeline(incident.id)].count(EventKind.DRILL_DEBRIEF) == 1


async def test_ending_early_skips_what_is_left(h):
    incident = await start(h, "data-drift")  # real time: 35 minutes of injects
    await h.actor.command("/incident", "drill end")  # not in the drill's channel
    await h.actor.command("/incident", "decline practice over", channel=incident.channel_id)
    await h.settle()
    await tick(h)
    assert "in the channel of a drill" in said(h)
    assert [r.skipped for r in injects(h, incident.id)] == [False, True, True, True, True]
    debrief = drill_row(h, incident.id).debrief
    assert debrief["injects_played"] == 1 and debrief["time_to_triage"] is None
    assert any(t.startswith("DRILL · Drill over") for t in texts(h, incident.channel_id))
    await h.actor.command("/incident", "drill end", channel=incident.channel_id)
    await h.settle()
    assert "already over" in said(h)


@pytest_asyncio.fixture
async def seed_paced(settings, catalog, clock):
    """The example catalog's own policy: a Sev1's executive notification in 30 minutes."""
    stack = await start_stack(settings, catalog, clock=clock)
    yield Harness(stack)
    await stack.close()


async def test_a_drill_runs_every_clock_at_its_speed(seed_paced, clock):
    h = seed_paced
    incident = await start(h, "bad-deployment speed=60")
    started = drill_row(h, incident.id).started_at
    with h.bot.session() as session:
        due = {d.kind: d for d in deadlines.of_incident(session, incident.id)}
    # 30 minutes and 2 hours of scenario time: 30 s and 2 min at 60×, reminded 10 s ahead.
    executive = due["executive_notification"]
    assert executive.due_at - started == timedelta(seconds=30)
    assert executive.next_reminder_at - started == timedelta(seconds=20)
    assert due["status_update"].due_at - started == timedelta(minutes=2)
    # The deploy log names a moment 6 scenario minutes before the start: 6 s before, here.
    deploy = next(r for r in injects(h, incident.id) if "Deploy log" in r.payload.get("text", ""))
    assert f"at {started - timedelta(seconds=6):%H:%M:%S} UTC (canary" in deploy.payload["text"]

    # 25 s of triage is 25 scenario minutes: inside the 30. Then the drill runs on to 35 s
    # with nothing done: the notification is missed, and so is any mitigation.
    channel = incident.channel_id
    await h.actor.command("/incident", "triage", channel=channel)
    await h.settle()
    checklist = next(m for m in h.workspace.messages(channel)
                     if m.text.startswith("DRILL · Triage"))
    clock.skip(seconds=25)
    for item, value in [("alert", "real"), ("predictions", "yes"), ("ranges", "no"),
                        ("inputs_changed", "no"), ("upstream_healthy", "yes"),
                        ("model_updated", "yes"), ("impact", "significant_harm")]:
        await answer(h, checklist, incident.id, item, value)
    clock.skip(seconds=10)
    await reminders.check(h.bot)
    await tick(h)
    await h.actor.command("/incident", "drill end", channel=channel)
    await h.settle()
    await tick(h)
    body = str(next(m for m in h.workspace.messages(channel)
                    if m.text.startswith("DRILL · Drill over")).blocks)
    assert re.search(r"Time to triage \(first proposal\): 2[5-9]m \d\ds of scenario time "
                     r"\(2[5-9]s at 60×\)", body)
    # Not due yet: the next status update (2 scenario hours) and the review.
    assert "Deadlines: 0 met, 1 missed (Client executive notification), 2 not due before " \
        "the end." in body
    assert "Mitigation: none happened" in body
