"""Who may see and change an incident (incidents/access.py), through signed requests: a
private incident exists only for its channel's members and role holders, and every refusal
reads the same as for an incident that does not exist."""

import pytest

from incidents.types import EventKind, Status

OUTSIDER = "U_ERIN"


def unseen(incident_id) -> str:
    return f"There is no incident #{incident_id} that you can see."


@pytest.fixture
def ws(harness):
    harness.workspace.add_user(OUTSIDER, "erin", real_name="Erin Outsider", tz="UTC")
    return harness.workspace


def said_to(ws, user, since=0):
    return [e.text for e in ws.ephemerals_for(user=user)[since:]]


async def private_and_public(harness):
    private = await harness.declare(title="Secret merger model", private=True)
    public = await harness.declare(title="Recommender CTR down", system="recommender")
    assert OUTSIDER not in harness.workspace.channels[private.channel_id].members
    return private, public


async def test_list_shows_private_incidents_only_to_their_people(harness, ws):
    private, public = await private_and_public(harness)
    await harness.actor.command("/incident", "list", channel="C_GENERAL", user=OUTSIDER)
    await harness.actor.command("/incident", "list", channel="C_GENERAL", user="U_ALICE")
    await harness.settle()
    (outsiders,) = said_to(ws, OUTSIDER)
    (members,) = said_to(ws, "U_ALICE")
    assert f"#{public.id}*" in outsiders and "Recommender CTR down" in outsiders
    assert f"#{private.id}*" not in outsiders and "Secret merger" not in outsiders
    assert f"#{private.id}*" in members and f"#{public.id}*" in members


async def test_timeline_picker_offers_only_incidents_the_person_can_see(harness, ws):
    private, public = await private_and_public(harness)
    second = await harness.declare(title="Churn model stale", system="maintenance-predictor")
    message = ws.post_as_user(OUTSIDER, "C_GENERAL", "customers complain")
    await harness.actor.message_shortcut("add_to_incident_timeline", "C_GENERAL", message.ts,
                                         user=OUTSIDER)
    modal = await ws.wait_for(lambda: harness.modal(OUTSIDER))
    offered = str(modal.blocks)
    assert "Recommender CTR down" in offered and "Churn model stale" in offered
    assert "Secret merger" not in offered

    # A forged submission naming the private incident changes nothing and says only
    # what it says for an incident that does not exist.
    picker = next(b["element"] for b in ws.views[modal.id].payload["blocks"]
                  if b.get("block_id") == "incident")
    picker["options"].append({"text": {"type": "plain_text", "text": "forged"},
                              "value": str(private.id)})
    await harness.actor.submit_view(modal.id, {"incident": {"value": str(private.id)}},
                                    user=OUTSIDER)
    await harness.settle()
    assert not [e for e in harness.timeline(private.id) if e.source_ts == message.ts]
    dms = [m.text for c in ws.channels.values() if c.is_im for m in c.messages]
    assert unseen(private.id) in dms
    assert public.id != second.id


async def test_shortcut_with_one_visible_incident_goes_to_it(harness, ws):
    private, public = await private_and_public(harness)
    ws.channels[public.channel_id].members.add(OUTSIDER)
    message = ws.post_as_user(OUTSIDER, "C_GENERAL", "CTR halved")
    await harness.actor.message_shortcut("add_to_incident_timeline", "C_GENERAL", message.ts,
                                         user=OUTSIDER)
    await harness.settle()
    assert harness.modal(OUTSIDER) is None  # the private one is no choice for them
    assert [e.text for e in harness.timeline(public.id) if e.source_ts == message.ts] == [
        "CTR halved"]
    assert not [e for e in harness.timeline(private.id) if e.source_ts == message.ts]


async def test_merge_into_a_private_incident_is_refused_like_a_missing_one(harness, ws):
    private, public = await private_and_public(harness)
    ws.channels[public.channel_id].members.add(OUTSIDER)  # they may change the source
    harness.bot.member_cache.clear()
    await harness.actor.command("/incident", f"merge {private.id}", channel=public.channel_id,
                                user=OUTSIDER)
    await harness.actor.command("/incident", "merge 999", channel=public.channel_id,
                                user=OUTSIDER)
    await harness.settle()
    assert sorted(said_to(ws, OUTSIDER)) == sorted([unseen(private.id), unseen(999)])
    assert harness.incident(public.id).status != Status.MERGED
    assert not [e for e in harness.timeline(private.id) if e.kind == EventKind.MERGED]


async def test_merge_needs_the_right_to_change_the_target_too(harness, ws):
    first = await harness.declare(title="Recommender CTR down", system="recommender")
    target = await harness.declare(title="Fraud flags", system="fraud-detector")
    ws.channels[first.channel_id].members.add(OUTSIDER)
    harness.bot.member_cache.clear()
    await harness.actor.command("/incident", f"merge {target.id}", channel=first.channel_id,
                                user=OUTSIDER)
    await harness.settle()
    assert said_to(ws, OUTSIDER) == [
        "Only members of the incident channel can change the incident. Join it first."]
    assert harness.incident(first.id).status != Status.MERGED

    # From a channel they are not in, the source refuses them as before.
    await harness.actor.command("/incident", f"merge {first.id}", channel=target.channel_id,
                                user=OUTSIDER)
    await harness.settle()
    assert harness.incident(target.id).status != Status.MERGED

    await harness.actor.command("/incident", f"merge {target.id}", channel=first.channel_id,
                                user="U_ALICE")  # a member of both
    await harness.settle()
    assert harness.incident(first.id).status == Status.MERGED


@pytest.mark.parametrize("private", [False, True])
async def test_mitigation_menu_and_buttons_refuse_outsiders(harness, ws, private):
    incident = await harness.declare(title="Fraud flags", private=private)
    channel, summary = incident.channel_id, incident.summary_ts
    await harness.actor.click(channel, summary, "incident.mitigate_menu", str(incident.id),
                              user=OUTSIDER)
    await harness.settle()
    assert not [t for t in said_to(ws, OUTSIDER) if t.startswith("Mitigations for")]

    # Buttons of a menu someone else opened, or forged values, are refused the same way.
    await harness.actor.click(channel, summary, "incident.mitigate_menu", str(incident.id),
                              user="U_ALICE")
    await harness.settle()
    menu = next(e for e in ws.ephemerals_for(user="U_ALICE")
                if e.text.startswith("Mitigations for"))
    for name in ("manual_review", "threshold"):
        await harness.actor.click(channel, menu.ts, "incident.mitigate", f"{incident.id}:{name}",
                                  user=OUTSIDER)
    await harness.settle()
    refusal = unseen(incident.id) if private else (
        "Only members of the incident channel can change the incident. Join it first.")
    assert said_to(ws, OUTSIDER) == [refusal] * 3
    assert harness.modal(OUTSIDER) is None
    assert not [e for e in harness.timeline(incident.id) if e.kind == EventKind.MITIGATION]


async def test_runbook_buttons_refuse_outsiders_of_a_private_incident(harness, ws):
    incident = await harness.declare(title="Fraud flags", private=True)
    channel, summary = incident.channel_id, incident.summary_ts
    await harness.actor.click(channel, summary, "incident.runbooks", str(incident.id),
                              user=OUTSIDER)
    await harness.settle()
    (answer,) = said_to(ws, OUTSIDER)
    assert answer == unseen(incident.id)  # not the list of the system's runbooks

    await harness.actor.click(channel, summary, "incident.runbooks", str(incident.id),
                              user="U_ALICE")
    await harness.settle()
    listing = next(e for e in ws.ephemerals_for(user="U_ALICE") if e.blocks)
    await harness.actor.click(channel, listing.ts, "incident.runbook_open",
                              f"{incident.id}:data_pipeline_failure", user="U_ALICE")
    await harness.settle()
    runbook = next(m for m in ws.messages(channel) if m.text.startswith("Runbook: Data pipeline"))
    before = len(harness.timeline(incident.id))
    await harness.actor.click(channel, runbook.ts, "incident.runbook_tick",
                              f"{incident.id}:data_pipeline_failure:3:1", user=OUTSIDER)
    await harness.settle()
    assert said_to(ws, OUTSIDER, since=1) == [unseen(incident.id)]
    assert len(harness.timeline(incident.id)) == before
    assert "Done by" not in str(ws.message(ws.channels[channel], runbook.ts).blocks)
