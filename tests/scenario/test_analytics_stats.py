"""`/incident stats` (summary and chart posted in the channel) and `/incident rootcause` /
`/incident impact`, end to end through signed requests and the Slack-compatible workspace.
The incidents are report_data.py's; the figures are worked out in
tests/service/test_analytics_report.py.
"""

import struct

import pytest_asyncio
from sqlmodel import update

from bot.sandbox.stack import start_stack
from bot.slack.listeners.analytics import CLIENT_CAN_SEE
from incidents.models import Outbox
from incidents.oncall.models import Escalation
from incidents.types import EventKind
from tests.scenario.conftest import Harness
from tests.service.report_data import NOW, build

EXPECTED = """\
:bar_chart: *Incident stats, last 90d* (2026-08-29 12:00 – 2026-11-27 11:00 Europe/Berlin)
*5 incidents* (not counted: 1 declined, 1 merged, 1 drill)
*Severity:* 🔴 Sev1 1 · 🟠 Sev2 2 · 🟡 Sev3 2 · 🔵 Sev4 0
*Status:* triage 0 · investigating 1 · mitigated 0 · resolved 3 · closed 1
*Clients:* acme-bank 4 · globex-retail 1
*Systems:* fraud-detector 4 · recommender 1
*Root causes:* data_pipeline 3 · data_drift 1 · not recorded 1

*Response times* (mean / median / p90, incidents with the figure):
• Time to detect (MTTD): 15m 00s / 15m 00s / 19m 00s (3)
• Time to acknowledge (MTTA): 9m 24s / 5m 00s / 18m 00s (5)
• Time to mitigate (MTTM): 2h 10m 00s / 1h 30m 00s / 3h 30m 00s (3)
• Time to resolve (MTTR): 3h 18m 45s / 3h 30m 00s / 4h 42m 00s (4)

*Deadlines on time:* 50% (5 of 10, 1 still open)
• Client executive notification: 100% (1 met, 0 late, 0 missed)
• Client technical contact notification: 50% (1 met, 1 late, 0 missed)
• First response: 100% (1 met, 0 late, 0 missed)
• Status update: 33% (1 met, 1 late, 1 missed)
• Post-incident review: 33% (1 met, 0 late, 2 missed)

*Follow-ups:* 2 open, 1 overdue (3 in all)
*Recurring (3+):* system fraud-detector ×4 · fraud-detector with root cause data_pipeline ×3

*Quarter over quarter:*
• 2026-Q3 (part): 1 incident, median time to resolve 3h 00m 00s, deadlines on time 100%
• 2026-Q4 (part): 4 incidents, median time to resolve 4h 00m 00s, deadlines on time 29% \
_(+300% incidents, +1h 00m 00s to resolve, -71.4 pt on time)_

_Asked by <@U_ALICE> with `/incident stats 90d`. Declined, merged and drill incidents are \
left out._"""


@pytest_asyncio.fixture
async def stats_harness(settings, catalog):
    """The bot at NOW, over report_data.py's incidents, whose Slack work is long done."""
    stack = await start_stack(settings, catalog, clock=lambda: NOW)
    harness = Harness(stack)
    build(harness.bot.engine, catalog)
    with harness.bot.session() as session:
        session.exec(update(Outbox).values(done_at=NOW))
        session.exec(update(Escalation).values(state="cancelled", next_at=None))
    yield harness
    await stack.close()


def completed(ws):
    return [f for f in ws.files.values() if f.completed]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


async def test_stats_posts_the_summary_with_its_chart(stats_harness):
    h = stats_harness
    ws = h.workspace
    ops = ws.add_channel("ops-review", members=["U_ALICE", "U_BOB", ws.bot.id])
    response = await h.actor.command("/incident", "stats 90d", channel=ops.id)
    assert response.status == 200
    (file,) = await ws.wait_for(lambda: completed(ws), seconds=60)
    assert file.filename == "incident-stats-last-90d.png"
    assert file.title == "Incident stats, last 90d"
    assert file.channels == [ops.id]
    assert png_size(file.content) == (900, 650)
    assert file.alt_txt.startswith("Two charts: incidents per month stacked by severity")
    (message,) = ws.messages(ops.id)
    assert message.files == [file.id] and message.bot_id == ws.bot.bot_id
    assert message.text.splitlines() == EXPECTED.splitlines()
    assert ws.ephemerals_for(user="U_ALICE") == []


async def test_stats_refuses_periods_it_does_not_understand(stats_harness):
    h = stats_harness
    await h.actor.command("/incident", "stats 2026-Q5")
    (said,) = await h.workspace.wait_for(lambda: h.workspace.ephemerals_for(user="U_ALICE"))
    assert said.text.startswith("I don't understand '2026-Q5': give a period like `30d`")
    assert "Usage: `/incident stats [period]`" in said.text
    assert completed(h.workspace) == []


async def test_stats_never_go_where_a_client_can_read_them(stats_harness):
    h = stats_harness
    ws = h.workspace
    shared = ws.add_channel("acme-shared", members=["U_ALICE", ws.bot.id], id="C_ACME_SHARED")
    await h.actor.command("/incident", "stats 2026-Q4", channel=shared.id)
    (said,) = await ws.wait_for(lambda: ws.ephemerals_for(user="U_ALICE"))
    assert said.text == CLIENT_CAN_SEE
    assert ws.messages(shared.id) == [] and completed(ws) == []


async def test_stats_where_the_bot_cannot_post_come_privately(stats_harness):
    h = stats_harness
    ws = h.workspace
    secret = ws.add_channel("secret", members=["U_ALICE"], is_private=True)
    await h.actor.command("/incident", "stats 90d", channel=secret.id)
    (said,) = await ws.wait_for(lambda: ws.ephemerals_for(user="U_ALICE"), seconds=60)
    assert said.text.startswith(":bar_chart: *Incident stats, last 90d*")
    assert "*5 incidents*" in said.text
    assert "I could not post here (not_in_channel)" in said.text
    assert ws.messages(secret.id) == [] and completed(ws) == []


async def test_root_cause_and_impact_after_resolution(harness):
    ws = harness.workspace
    incident = await harness.declare(severity="2")
    channel = incident.channel_id
    await harness.actor.command("/incident", "resolve", channel=channel)
    view = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    await harness.actor.submit_view(view.id, {"summary": {"value": "Rolled back"},
                                              "root_cause_category": {"value": "data_drift"}})
    await harness.settle()

    await harness.actor.command("/incident", "rootcause", channel=channel)
    await harness.actor.command("/incident", "rootcause gremlins", channel=channel)
    await harness.actor.command("/incident", "rootcause data_pipeline", channel=channel,
                                user="U_DAVE")
    await harness.actor.command(
        "/incident", "rootcause data_pipeline Merchant feed <!channel> sent nulls",
        channel=channel)
    await harness.actor.command("/incident", "impact 1,200 card payments declined",
                                channel=channel)
    await harness.settle()

    after = harness.incident(incident.id)
    assert (after.status, after.root_cause_category, after.root_cause, after.business_impact) == (
        "resolved", "data_pipeline", "Merchant feed <!channel> sent nulls",
        "1,200 card payments declined")
    said = [e.text for e in ws.ephemerals_for(user="U_ALICE")]
    assert said[0].startswith("Recorded root cause: *Data drift*\nUsage: `/incident rootcause")
    assert said[1].startswith("`gremlins` is not a root cause category. Choose one of: "
                              "`data_pipeline`, `data_drift`")
    assert [e.text for e in ws.ephemerals_for(user="U_DAVE")] == [
        "Only members of the incident channel can change the incident. Join it first."]
    texts = [m.text for m in ws.messages(channel)]
    assert (":mag: <@U_ALICE> recorded the root cause: Data pipeline: Merchant feed "
            "&lt;!channel&gt; sent nulls (was Data drift)") in texts
    assert (":chart_with_downwards_trend: <@U_ALICE> recorded the business impact: "
            "1,200 card payments declined") in texts
    kinds = [e.kind for e in harness.timeline(incident.id)]
    assert kinds.count(EventKind.ROOT_CAUSE_CHANGED) == 1
    assert kinds.count(EventKind.IMPACT_CHANGED) == 1
