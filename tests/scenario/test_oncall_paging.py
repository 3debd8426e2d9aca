"""Paging the on-call, escalating and acknowledging, through the bot and the workspace.

The catalog pages Bob (the only one on `primary`) and then Dave, with waits in seconds; the
bot's clock is real time plus what a test skips ahead, and the escalation check is run
directly after a skip instead of waiting for the scheduler.
"""

from datetime import timedelta

import pytest
import pytest_asyncio

from bot.jobs.oncall import check_escalations, check_handoffs
from bot.sandbox.stack import start_stack
from bot.sandbox.workspace import Workspace
from incidents.catalog import load_catalog
from incidents.types import EventKind, Status
from tests.scenario.conftest import Harness

CATALOG = """
systems:
  fraud-detector:
    owners: [U_ALICE]
    oncall: primary
    escalation: policy
  quiet-scorer:
    oncall: rota
oncall:
  primary: {timezone: Europe/Berlin, start: 2026-01-05, participants: [U_BOB]}
  rota:
    timezone: America/Chicago
    start: 2026-01-05
    participants: [U_ALICE]
    overrides: [{user: U_CAROL, start: "%(start)s", end: "%(end)s"}]
escalation:
  policy:
    - {schedule: primary, wait: {sev1: 10s, default: 30s}}
    - {users: [U_DAVE], wait: 20s}
"""


@pytest.fixture
def paging_catalog(tmp_path, clock):
    now = clock()
    path = tmp_path / "incidentbot.yml"
    path.write_text(CATALOG % {"start": (now + timedelta(minutes=1)).isoformat(),
                               "end": (now + timedelta(hours=1)).isoformat()})
    return load_catalog(path)


@pytest_asyncio.fixture
async def paged(settings, paging_catalog, clock):
    stack = await start_stack(settings, paging_catalog, clock=clock)
    yield Harness(stack)
    await stack.close()


def dms(ws: Workspace, user: str):
    return [m for c in ws.channels.values() if c.is_im and c.im_user == user
            for m in c.messages]


def texts(ws: Workspace, channel: str) -> str:
    return "\n".join(m.text for m in ws.messages(channel))


def buttons(message) -> dict[str, dict]:
    return {e["action_id"]: e for b in message.blocks if b["type"] == "actions"
            for e in b["elements"]}


async def alert(h: Harness, severity: str = "sev2", system: str = "fraud-detector"):
    status, body = await h.post("/alerts", {"system": system, "title": "Fraud flag rate 40%",
                                            "severity": severity})
    assert status == 201, body
    await h.settle()
    return h.incident(body["alerts"][0]["incident"])


async def tick(h: Harness) -> None:
    await check_escalations(h.bot)
    await h.settle()


async def test_an_alert_pages_the_on_call_by_direct_message(paged):
    ws = paged.workspace
    incident = await alert(paged)
    [page] = dms(ws, "U_BOB")
    assert "Fraud flag rate 40%" in str(page.blocks) and "on call for *primary*" in str(page.blocks)
    found = buttons(page)
    assert found["incident.acknowledge"]["value"] == str(incident.id)
    assert found["incident.open_channel"]["url"].endswith(f"channel={incident.channel_id}")
    assert "U_BOB" in ws.members(incident.channel_id)  # invited before being paged
    assert "Paged <@U_BOB> (on call for primary), level 1 of 2" in texts(ws,
                                                                           incident.channel_id)
    paged_events = [e for e in paged.timeline(incident.id) if e.kind == EventKind.PAGED]
    assert [e.data["user"] for e in paged_events] == ["U_BOB"]
    assert dms(ws, "U_DAVE") == []


async def test_no_acknowledgement_escalates_and_says_so_in_the_channel(paged, clock):
    ws = paged.workspace
    incident = await alert(paged)
    clock.skip(seconds=29)
    await tick(paged)
    assert dms(ws, "U_DAVE") == []  # level 1 still has a second

    clock.skip(seconds=2)
    await tick(paged)
    [page] = dms(ws, "U_DAVE")
    assert "Nobody at level 1 acknowledged within 30s" in str(page.blocks)
    assert "U_DAVE" in ws.members(incident.channel_id)
    assert "Nobody acknowledged within 30s: escalated to level 2 of 2, paged <@U_DAVE>" in \
        texts(ws, incident.channel_id)
    await tick(paged)  # nothing is due: nobody is paged twice
    assert len(dms(ws, "U_DAVE")) == 1 and len(dms(ws, "U_BOB")) == 1

    clock.skip(seconds=21)  # the last level repeats until someone acknowledges
    await tick(paged)
    assert len(dms(ws, "U_DAVE")) == 2 and len(dms(ws, "U_BOB")) == 1
    assert "Still not acknowledged: paged <@U_DAVE> again" in texts(ws, incident.channel_id)
    users = [e.data["user"] for e in paged.timeline(incident.id) if e.kind == EventKind.PAGED]
    assert users == ["U_BOB", "U_DAVE", "U_DAVE"]


async def test_raising_the_severity_shortens_the_wait_already_running(paged, clock):
    ws = paged.workspace
    incident = await alert(paged)  # Sev2: Bob has 30 s
    clock.skip(seconds=12)
    await tick(paged)
    assert dms(ws, "U_DAVE") == []
    await paged.actor.command("/incident", "severity 1", channel=incident.channel_id,
                              user="U_ALICE")
    await paged.settle()
    await tick(paged)  # a Sev1 gives Bob 10 s, and 12 have passed
    [page] = dms(ws, "U_DAVE")
    assert "Nobody at level 1 acknowledged within 10s" in str(page.blocks)


async def test_acknowledging_the_page_stops_escalation_and_sets_the_commander(paged, clock):
    ws = paged.workspace
    incident = await alert(paged, severity="sev1")
    [page] = dms(ws, "U_BOB")
    clock.skip(seconds=4)
    await paged.actor.click(page.channel, page.ts, "incident.acknowledge", str(incident.id),
                            user="U_BOB")
    await paged.settle()
    after = paged.incident(incident.id)
    assert after.commander == "U_BOB" and after.status == Status.INVESTIGATING
    assert after.acknowledged_at - after.created_at >= timedelta(seconds=4)
    kinds = [e.kind for e in paged.timeline(incident.id)]
    assert kinds.count(EventKind.ACKNOWLEDGED) == 1
    [page] = dms(ws, "U_BOB")
    assert page.edited is not None and "Acknowledged by <@U_BOB>" in str(page.blocks)
    assert "incident.acknowledge" not in buttons(page)
    assert "<@U_BOB> acknowledged: paging stopped." in texts(ws, incident.channel_id)

    clock.skip(minutes=5)
    await tick(paged)
    assert dms(ws, "U_DAVE") == []


async def test_an_incident_that_ends_stops_paging_and_closes_the_page(paged, clock):
    ws = paged.workspace
    incident = await alert(paged)
    await paged.actor.command("/incident", "decline test alert", user="U_ALICE",
                              channel=incident.channel_id)
    await paged.settle()
    await tick(paged)
    [page] = dms(ws, "U_BOB")
    assert "The incident is declined: no acknowledgement needed" in str(page.blocks)
    assert "incident.acknowledge" not in buttons(page)
    clock.skip(minutes=5)
    await tick(paged)
    assert dms(ws, "U_DAVE") == []


async def test_the_alert_cards_acknowledge_button_stops_paging_too(paged, clock):
    ws = paged.workspace
    incident = await alert(paged)
    card = next(m for m in ws.messages(incident.channel_id) if "Firing" in str(m.blocks))
    await paged.actor.click(incident.channel_id, card.ts, "incident.acknowledge",
                            str(incident.id), user="U_ALICE")
    await paged.settle()
    assert paged.incident(incident.id).commander == "U_ALICE"
    [page] = dms(ws, "U_BOB")
    assert "Acknowledged by <@U_ALICE>" in str(page.blocks)
    clock.skip(minutes=5)
    await tick(paged)
    assert dms(ws, "U_DAVE") == []


async def test_a_restart_mid_escalation_neither_drops_nor_repeats_a_page(
    settings, paging_catalog, clock
):
    ws = Workspace.default()
    first = Harness(await start_stack(settings, paging_catalog, clock=clock, workspace=ws))
    incident = await alert(first)
    await first.stack.close()

    # Level 1's wait runs out while the bot is down: the first check after start-up pages.
    clock.skip(seconds=31)
    second = Harness(await start_stack(settings, paging_catalog, clock=clock, workspace=ws))
    await ws.wait_for(lambda: dms(ws, "U_DAVE"), seconds=10)
    await second.settle()
    assert len(dms(ws, "U_BOB")) == 1 and len(dms(ws, "U_DAVE")) == 1

    # Dave's repeat page is decided, but Slack fails to deliver it before the bot stops.
    ws.faults.inject("conversations.open", status=200, error="fatal_error", times=None)
    clock.skip(seconds=21)
    await tick(second)
    await second.stack.close()
    ws.faults.clear()
    third = Harness(await start_stack(settings, paging_catalog, clock=clock, workspace=ws))
    await ws.wait_for(lambda: len(dms(ws, "U_DAVE")) == 2, seconds=10)
    await tick(third)
    assert len(dms(ws, "U_BOB")) == 1 and len(dms(ws, "U_DAVE")) == 2
    users = [e.data["user"] for e in third.timeline(incident.id) if e.kind == EventKind.PAGED]
    assert users == ["U_BOB", "U_DAVE", "U_DAVE"]
    await third.stack.close()


async def test_page_command_pages_someone_until_they_acknowledge(paged, clock):
    ws = paged.workspace
    incident = await alert(paged)
    await paged.actor.command("/incident", "page <@U_CAROL|carol>", user="U_ALICE",
                              channel=incident.channel_id)
    await paged.settle()
    [page] = dms(ws, "U_CAROL")
    assert "<@U_ALICE> paged you" in str(page.blocks)
    assert "U_CAROL" in ws.members(incident.channel_id)
    assert "<@U_ALICE> paged <@U_CAROL>." in texts(ws, incident.channel_id)
    await paged.actor.click(page.channel, page.ts, "incident.acknowledge", str(incident.id),
                            user="U_CAROL")
    await paged.settle()
    assert paged.incident(incident.id).commander == "U_CAROL"
    clock.skip(minutes=5)
    await tick(paged)
    assert len(dms(ws, "U_CAROL")) == 1 and dms(ws, "U_DAVE") == []

    await paged.actor.command("/incident", "page nobody-schedule", user="U_ALICE",
                              channel=incident.channel_id)
    await paged.settle()
    said = [e.text for e in ws.ephemerals_for(user="U_ALICE")]
    assert any("no on-call schedule `nobody-schedule`" in t for t in said)


async def test_one_acknowledgement_is_said_once_and_every_notice_loses_its_button(paged, clock):
    """Two chains run (the on-call paged when the alert opened it, Carol paged on demand):
    Carol's acknowledgement stops both, the channel hears it once, and every earlier notice
    says who acknowledged instead of offering a button that would do nothing."""
    ws = paged.workspace
    incident = await alert(paged)
    await paged.actor.command("/incident", "page <@U_CAROL|carol>", user="U_ALICE",
                              channel=incident.channel_id)
    await paged.settle()
    clock.skip(seconds=31)
    await tick(paged)  # both chains page again: Dave for the first, Carol for hers
    notices = [m for m in ws.messages(incident.channel_id)
               if (m.metadata or {}).get("event_payload", {}).get("kind") == "page_notice"]
    assert len(notices) == 4  # Bob, Carol, then Dave (escalated) and Carol again (repeated)
    assert all("incident.acknowledge" in buttons(m) for m in notices)
    page = dms(ws, "U_CAROL")[0]
    await paged.actor.click(page.channel, page.ts, "incident.acknowledge", str(incident.id),
                            user="U_CAROL")
    await paged.settle()

    said = [m for m in ws.messages(incident.channel_id) if "acknowledged: paging stopped" in m.text]
    assert len(said) == 1 and "<@U_CAROL>" in said[0].text
    for old in notices:
        now = next(m for m in ws.messages(incident.channel_id) if m.ts == old.ts)
        assert "incident.acknowledge" not in buttons(now)
        assert "Acknowledged by <@U_CAROL> <!date^" in now.text
    assert "Paged <@U_BOB>" in next(m.text for m in ws.messages(incident.channel_id)
                                     if m.ts == notices[0].ts)
    for user in ("U_BOB", "U_DAVE", "U_CAROL"):
        assert all("incident.acknowledge" not in buttons(m) for m in dms(ws, user))


async def test_oncall_command_shows_who_and_the_next_handoffs(paged, clock):
    async def ask(text: str) -> str:
        await paged.actor.command("/incident", text, user="U_BOB")
        await paged.settle()
        return paged.workspace.ephemerals_for(user="U_BOB")[-1].text

    all_, scorer, unknown = [await ask(t) for t in ("oncall", "oncall quiet-scorer",
                                                    "oncall nope")]
    assert "*primary*" in all_ and "On call now: <@U_BOB>" in all_ and "*rota*" in all_
    assert "*primary*" not in scorer and "covers quiet-scorer" in scorer
    start = int((clock() + timedelta(minutes=1)).timestamp())
    # Alice now, Carol from her override (rendered in Bob's time zone by Slack), Alice again.
    assert "On call now: <@U_ALICE> until <!date^" in scorer
    assert "Next: <@U_CAROL> from <!date^" in scorer and "· <@U_ALICE> from <!date^" in scorer
    assert abs(int(scorer.split("Next: <@U_CAROL> from <!date^")[1].split("^")[0]) - start) <= 2
    assert "no schedule or system `nope`" in unknown


async def test_handoff_tells_the_incoming_person_about_open_incidents_once(
    settings, paging_catalog, clock
):
    ws = Workspace.default()
    first = Harness(await start_stack(settings, paging_catalog, clock=clock, workspace=ws))
    await check_handoffs(first.bot)  # the state at first sight is recorded, not announced
    incident = await alert(first, system="quiet-scorer")
    [page] = dms(ws, "U_ALICE")  # on call for rota until Carol's override
    await first.actor.click(page.channel, page.ts, "incident.acknowledge", str(incident.id),
                            user="U_ALICE")
    await first.settle()
    secret = await first.declare(title="Secret merger scoring", system="quiet-scorer",
                                 user="U_BOB", private=True)
    assert "U_CAROL" not in ws.channels[secret.channel_id].members
    assert dms(ws, "U_CAROL") == []

    clock.skip(minutes=2)  # Carol's override begins
    await check_handoffs(first.bot)
    await first.settle()
    [message] = dms(ws, "U_CAROL")
    assert "You are now on call for *rota*" in str(message.blocks)
    assert f"*#{incident.id}* Fraud flag rate 40%" in str(message.blocks)
    # A private incident is named only to its people, on call or not.
    assert "Secret merger" not in str(message.blocks) and f"#{secret.id}*" not in str(
        message.blocks)
    await first.stack.close()

    second = Harness(await start_stack(settings, paging_catalog, clock=clock, workspace=ws))
    await check_handoffs(second.bot)
    await second.settle()
    assert len(dms(ws, "U_CAROL")) == 1  # not repeated after the restart
    await second.stack.close()

    alice_before = len(dms(ws, "U_ALICE"))
    clock.skip(hours=1)  # the override ended while the bot was down
    third = Harness(await start_stack(settings, paging_catalog, clock=clock, workspace=ws))
    await check_handoffs(third.bot)
    await third.settle()
    handed_back = dms(ws, "U_ALICE")[alice_before:]
    assert len(handed_back) == 1 and "You are now on call for *rota*" in str(
        handed_back[0].blocks)
    await third.stack.close()


async def test_a_page_whose_answer_was_lost_is_not_sent_twice(paged, clock):
    ws = paged.workspace
    dm = ws.open_im("U_BOB")
    # The page reaches Bob, but Slack's answer to it is an error: the retry finds the page
    # in the conversation (its metadata) instead of waking Bob a second time.
    ws.faults.inject("chat.postMessage", status=500, times=1, after=True, channel=dm.id)
    incident = await alert(paged)
    clock.skip(seconds=5)  # the failed attempt's backoff
    await paged.settle()
    assert len(dms(ws, "U_BOB")) == 1
    users = [e.data["user"] for e in paged.timeline(incident.id) if e.kind == EventKind.PAGED]
    assert users == ["U_BOB"]
