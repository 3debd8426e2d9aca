"""User text never pings anyone; Slack's rate limits and errors do not duplicate anything."""

from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

NASTY = "<!channel> & <@U_BOB> <https://evil.example|click>"


def everything_sent(ws, channel):
    out = []
    for message in ws.messages(channel):
        out.append(message.text)
        out.append(str(message.blocks))
    out.append(ws.topic(channel).value)
    return "\n".join(out)


async def test_hostile_title_is_escaped_everywhere(harness):
    incident = await harness.declare(title=NASTY, description=NASTY)
    await harness.actor.command("/incident", f"note {NASTY}", channel=incident.channel_id)
    await harness.settle()
    sent = everything_sent(harness.workspace, incident.channel_id)
    assert "<!channel>" not in sent and "<@U_BOB>" not in sent.replace("&lt;@U_BOB&gt;", "")
    assert "<https://evil.example" not in sent
    assert "&lt;!channel&gt; &amp; &lt;@U_BOB&gt;" in sent
    for call in harness.workspace.calls:
        assert call.params.get("link_names") in (None, False, "0", "false")
        assert call.params.get("parse") != "full"


def due_later(harness) -> int:
    """Undelivered items put off to later, now made due; how many there were."""
    from sqlmodel import select

    from incidents.models import Outbox
    with harness.bot.session() as session:
        rows = list(session.exec(select(Outbox).where(Outbox.done_at == None)))  # noqa: E711
        for row in rows:
            row.next_attempt_at = harness.bot.now()
    return len(rows)


async def test_declaration_survives_429_on_half_the_calls(harness):
    for handler in harness.bot.client.retry_handlers:
        handler.interval_calculator = FixedValueRetryIntervalCalculator(0.01)
    harness.workspace.faults.fail_ratio(0.5, status=429, retry_after=0)
    incident = await harness.declare(title="Rate limited")
    harness.workspace.faults.clear()
    await harness.settle()
    # A 429 inside an outbox delivery puts the incident's work off (Retry-After, at least
    # a second) instead of sleeping: let that wait pass, as the worker would.
    for _ in range(10):
        if not due_later(harness):
            break
        await harness.settle()
    incident = harness.incident(incident.id)
    ws = harness.workspace
    created = [c for c in ws.calls_to("conversations.create")]
    assert len(created) == 1
    assert len([c for c in ws.channels.values() if c.name.startswith("inc-")]) == 1
    assert len(ws.pinned(incident.channel_id)) == 1
    assert any(c.injected for c in ws.calls)


async def test_slack_outage_is_retried_from_the_outbox(harness):
    ws = harness.workspace
    ws.faults.inject("conversations.create", status=500, times=50)
    await harness.actor.command("/incident", "declare Outage test")
    modal = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    await harness.actor.submit_view(modal.id, {"title": {"value": "Outage test"},
                                               "system": {"value": "recommender"},
                                               "severity": {"value": "3"}})
    incident = harness.incident()
    assert incident.channel_id is None  # persisted although Slack is down
    ws.faults.clear()
    # the backoff of the failed attempt is over: retry as the worker would
    from sqlmodel import select

    from incidents.models import Outbox
    with harness.bot.session() as session:
        for row in session.exec(select(Outbox).where(Outbox.done_at == None)):  # noqa: E711
            row.next_attempt_at = harness.bot.now()
    await harness.settle()
    incident = harness.incident(incident.id)
    assert incident.channel_id is not None
    assert len([c for c in ws.channels.values() if c.name.startswith("inc-")]) == 1



def everything_in_calls(ws) -> str:
    """Every argument of every Web API call and every reply the bot made, as one text."""
    import json
    calls = json.dumps([c.params for c in ws.calls], default=str)
    replies = json.dumps([(e.text, e.blocks) for e in ws.ephemerals], default=str)
    return calls + replies


async def test_sev1_emergency_for_a_hostile_system_label_pings_nobody(harness):
    ws = harness.workspace
    status, _ = await harness.post("/alerts", {"system": "<!channel> x", "title": "Down",
                                               "signal": "performance"})
    assert status == 201
    await harness.settle()
    incident = harness.incident()
    ws.channels[incident.channel_id].members.add("U_ALICE")
    await harness.actor.command("/incident", "severity 1", channel=incident.channel_id)
    await harness.settle()
    emergency = next(m for m in ws.messages(incident.channel_id)
                     if "is Sev1: emergency response" in m.text)
    assert emergency.text.startswith("&lt;!channel&gt; x (not in catalog) is Sev1")
    assert "<!channel>" not in everything_in_calls(ws)


async def test_stats_period_is_echoed_escaped(harness):
    await harness.actor.command("/incident", "stats <!channel>", channel="C_GENERAL")
    await harness.settle()
    (reply,) = [e.text for e in harness.workspace.ephemerals_for(user="U_ALICE")]
    assert "&lt;!channel&gt;" in reply and "<!channel>" not in reply
    assert "<!channel>" not in everything_in_calls(harness.workspace)
