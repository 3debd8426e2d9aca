"""The outbox with several replicas on one database and one workspace: rate limits that hold
up one incident only, a replica dying between posting the summary and storing its ts, a
storm delivered once by two workers, and a start-up that leaves others' claims alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest
import pytest_asyncio
from sqlmodel import select

from bot.keys import WORKER
from bot.sandbox.stack import start_stack
from bot.sandbox.workspace import Workspace
from bot.slack.deliveries.posting import EVENT_TYPE
from bot.slack.outbox_worker import MAX_RATE_LIMIT_WAIT
from incidents import outbox
from incidents.lifecycle import changes as lifecycle
from incidents.models import Incident, Outbox
from tests.databases import on_postgres

from .conftest import Clock, Harness


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request, tmp_path):
    """The database two replicas share: SQLite, and a fresh PostgreSQL database on the
    suite's PostgreSQL pass (`scripts/test --postgres`)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/shared.db"
    if not on_postgres():
        pytest.skip("PostgreSQL pass only (scripts/test --postgres)")
    return request.getfixturevalue("database_url")


def alert(system: str, n: int = 0) -> dict:
    return {"system": system, "title": f"Drift on {system}", "signal": "prediction_distribution",
            "fingerprint": f"{system}-{n}", "severity": "sev3"}


def posts_by_key(ws: Workspace, channel: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in ws.messages(channel):
        meta = message.metadata or {}
        if meta.get("event_type") == EVENT_TYPE:
            key = meta["event_payload"]["key"]
            counts[key] = counts.get(key, 0) + 1
    return counts


def undelivered(h: Harness, incident_id: int) -> list[Outbox]:
    with h.bot.session() as session:
        return list(session.exec(select(Outbox).where(
            Outbox.incident_id == incident_id, Outbox.done_at == None)))  # noqa: E711


@pytest_asyncio.fixture
async def two(settings, catalog):
    """Two incidents with their channels, summary and first alert message posted."""
    stack = await start_stack(settings, catalog)
    h = Harness(stack)
    for system in ("fraud-detector", "recommender"):
        status, _ = await h.post("/alerts", alert(system))
        assert status == 201
    await h.settle()
    yield h
    await stack.close()


async def test_a_rate_limit_on_one_incident_does_not_delay_another(two):
    ws = two.workspace
    a, b = two.incidents()
    ws.faults.inject("chat.postMessage", status=429, retry_after=30, times=None,
                     channel=a.channel_id)
    for system in ("fraud-detector", "recommender"):
        await two.post("/alerts", alert(system, 1))
    await two.stack.drain()
    # B's alert went out in the same pass; A's waits for Retry-After, in the database, while
    # the worker moved on (it never slept 30 s: the pass is over and B is done).
    assert "Drift on recommender" in str(ws.messages(b.channel_id)[-1].blocks)
    assert undelivered(two, b.id) == []
    [waiting] = undelivered(two, a.id)
    wait = waiting.next_attempt_at - two.bot.now()
    assert timedelta(seconds=28) < wait <= timedelta(seconds=30)
    assert waiting.claimant is None and "429" in waiting.last_error
    assert any(c.injected and c.params.get("channel") == a.channel_id for c in ws.calls)
    text = two.bot.metrics.render().decode()
    assert 'incidentbot_outbox_rate_limited_total{kind="alerts"} 1.0' in text
    # Once the wait is over and Slack lets us, A's alert goes out too, once.
    ws.faults.clear()
    with two.bot.session() as session:
        session.get(Outbox, waiting.id).next_attempt_at = two.bot.now()
    await two.settle()
    assert "Drift on fraud-detector" in str(ws.messages(a.channel_id)[-1].blocks)
    assert all(count == 1 for count in posts_by_key(ws, a.channel_id).values())


async def test_a_huge_retry_after_is_capped(two):
    ws = two.workspace
    a, _ = two.incidents()
    ws.faults.inject("chat.postMessage", status=429, retry_after=100000, times=None,
                     channel=a.channel_id)
    await two.post("/alerts", alert("fraud-detector", 1))
    await two.stack.drain()
    [waiting] = undelivered(two, a.id)
    assert waiting.next_attempt_at - two.bot.now() <= MAX_RATE_LIMIT_WAIT
    async with aiohttp.ClientSession() as http, http.get(f"{two.stack.url}/healthz") as response:
        body = await response.json()
    # Stuck work is shown, not turned into a 503 (README, "Running several replicas").
    assert response.status == 200 and body["outbox"]["backlog"] == 1
    assert body["outbox"]["oldest_seconds"] >= 0


async def test_a_replica_dying_between_posting_and_storing_the_summary_posts_it_once(
    shared_url, catalog
):
    from bot.settings import Settings

    settings = Settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="x",
                        database_url=shared_url)
    ws = Workspace.default()
    first_clock, second_clock = Clock(), Clock()
    first = Harness(await start_stack(settings, catalog, workspace=ws, clock=first_clock))
    gate = ws.faults.hold_answer("chat.postMessage")  # the summary is the first post
    status, _ = await first.post("/alerts", alert("fraud-detector"))
    assert status == 201
    await ws.wait_for(lambda: any(c.method == "chat.postMessage" for c in ws.calls))
    [incident] = first.incidents()
    assert incident.summary_ts is None  # posted in Slack, not stored: the replica "dies" now

    second = Harness(await start_stack(settings, catalog, workspace=ws, clock=second_clock))
    second_clock.skip(seconds=settings.outbox_lease_seconds + 1)  # the lease ran out
    await second.settle()
    incident = second.incident(incident.id)
    summaries = [m for m in ws.messages(incident.channel_id)
                 if (m.metadata or {}).get("event_payload", {}).get("key") == "summary"]
    assert len(summaries) == 1
    assert incident.summary_ts == summaries[0].ts and incident.summary_pinned
    assert len(ws.calls_to("conversations.history")) >= 1  # it looked before posting
    # The first replica's claim was taken over: whatever it does now writes nothing.
    gate.set()
    await first.stack.close()
    with second.bot.session() as session:
        items = list(session.exec(select(Outbox).where(Outbox.incident_id == incident.id)))
    assert all(item.done_at is not None for item in items)
    assert len([m for m in ws.messages(incident.channel_id)
                if (m.metadata or {}).get("event_payload", {}).get("key") == "summary"]) == 1
    await second.stack.close()


async def test_two_workers_deliver_an_alert_storm_once(shared_url, catalog):
    from bot.settings import Settings

    settings = Settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="x",
                        database_url=shared_url)
    ws = Workspace.default()
    first = Harness(await start_stack(settings, catalog, workspace=ws))
    second = Harness(await start_stack(settings, catalog, workspace=ws))
    systems = ["fraud-detector", "recommender", "demand-forecast"]
    for n in range(60):
        await first.post("/alerts", alert(systems[n % 3], n))
    # Both replicas' workers run at once over the same outbox.
    for _ in range(30):
        await asyncio.gather(first.stack.drain(), second.stack.drain())
        with first.bot.session() as session:
            left = session.exec(select(Outbox).where(Outbox.done_at == None)).all()  # noqa: E711
            for item in left:  # the next alert batch is seconds away: bring it forward
                item.next_attempt_at = first.bot.now()
        if not left:
            break
    incidents = first.incidents()
    assert len(incidents) == 3
    for incident in incidents:
        counts = posts_by_key(ws, incident.channel_id)
        assert counts and all(count == 1 for count in counts.values()), counts
        listed = " ".join(str(m.blocks) for m in ws.messages(incident.channel_id))
        assert listed.count("Drift on") >= 1
    assert len(ws.calls_to("conversations.create")) == 3
    assert len(ws.calls_to("pins.add")) == 3
    with first.bot.session() as session:
        workers = {item.last_error for item in session.exec(select(Outbox))}
    assert workers == {None}
    await first.stack.close()
    await second.stack.close()


async def test_a_starting_replica_leaves_other_replicas_claims_alone(shared_url, catalog):
    from bot.settings import Settings

    settings = Settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="x",
                        database_url=shared_url)
    ws = Workspace.default()
    first = Harness(await start_stack(settings, catalog, workspace=ws))
    gate = ws.faults.hold_answer("conversations.create")  # the first replica is mid-delivery
    await first.post("/alerts", alert("fraud-detector"))
    await ws.wait_for(lambda: ws.calls_to("conversations.create"))
    with first.bot.session() as session:
        [claimed] = session.exec(select(Outbox).where(Outbox.claimant != None)).all()  # noqa: E711
    second = Harness(await start_stack(settings, catalog, workspace=ws))
    await second.stack.drain()
    with second.bot.session() as session:
        again = session.get(Outbox, claimed.id)
    assert again.claimant == first.bot.replica == claimed.claimant
    gate.set()
    await first.settle()
    assert len(ws.calls_to("conversations.create")) == 1
    assert second.stack.app[WORKER].claimant != first.stack.app[WORKER].claimant
    with first.bot.session() as session:
        assert session.get(Incident, claimed.incident_id).channel_id is not None
    await first.stack.close()
    await second.stack.close()


async def test_a_rate_limited_workspace_method_is_left_alone_by_every_incident(two):
    ws = two.workspace
    a, b = two.incidents()
    def topic_calls() -> int:  # answered or refused
        return len([c for c in ws.calls if c.method == "conversations.setTopic"])

    before = topic_calls()
    ws.faults.inject("conversations.setTopic", status=429, retry_after=20, times=1)
    with two.bot.session() as session:  # a new severity: a new topic for both channels
        for incident in (a, b):
            lifecycle.change_severity(session, incident=session.get(Incident, incident.id),
                                    severity=2, actor="U_ALICE", now=two.bot.now())
    await two.stack.drain()
    # One call met the 429; the other incident's sync did not call the method again.
    assert topic_calls() == before + 1
    for incident in (a, b):
        [waiting] = [i for i in undelivered(two, incident.id) if i.kind == "sync"]
        assert timedelta(seconds=15) < waiting.next_attempt_at - two.bot.now() <= timedelta(
            seconds=20)


async def test_a_slow_delivery_keeps_its_lease_while_it_runs(tmp_path, catalog):
    from bot.settings import Settings

    settings = Settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="x",
                        database_url=f"sqlite:///{tmp_path}/shared.db",
                        outbox_lease_seconds=1.0)
    ws = Workspace.default()
    first = Harness(await start_stack(settings, catalog, workspace=ws))
    gate = ws.faults.hold_answer("conversations.create")  # Slack is slow for a second
    await first.post("/alerts", alert("fraud-detector"))
    await ws.wait_for(lambda: ws.calls_to("conversations.create"))
    second = Harness(await start_stack(settings, catalog, workspace=ws))
    for _ in range(5):  # three leases' worth: renewed every 0.33 s, never taken over
        await asyncio.sleep(0.6)
        assert await second.stack.drain() == 0
    with second.bot.session() as session:
        [claimed] = session.exec(select(Outbox).where(Outbox.claimant != None)).all()  # noqa: E711
    assert claimed.claimant == first.bot.replica and claimed.attempts == 0
    gate.set()
    await first.settle()
    assert len(ws.calls_to("conversations.create", include_injected=True)) == 1
    await first.stack.close()
    await second.stack.close()


async def test_a_summary_posted_but_answered_with_an_error_is_not_posted_again(harness):
    ws = harness.workspace
    # Slack posts the summary but answers 500 (and the client's own retries would post it
    # again blind): the outbox's retry looks for it first.
    ws.faults.inject("chat.postMessage", status=500, times=1, after=True)
    status, _ = await harness.post("/alerts", alert("fraud-detector"))
    assert status == 201
    await harness.settle()
    for _ in range(5):
        with harness.bot.session() as session:
            left = session.exec(select(Outbox).where(Outbox.done_at == None)).all()  # noqa: E711
            for item in left:  # the backoff of the failed attempt is over
                item.next_attempt_at = harness.bot.now()
        if not left:
            break
        await harness.settle()
    incident = harness.incident()
    counts = posts_by_key(ws, incident.channel_id)
    assert counts["summary"] == 1 and all(count == 1 for count in counts.values())
    assert any(c.injected for c in ws.calls_to("chat.postMessage", include_injected=True))
    assert incident.summary_ts and incident.summary_pinned


async def test_a_later_sync_due_before_the_failed_one_does_not_post_a_second_summary(harness):
    ws = harness.workspace
    ws.faults.inject("chat.postMessage", status=500, times=1, after=True)  # the summary
    await harness.post("/alerts", alert("fraud-detector"))
    await harness.settle()  # the first sync waits for its retry, seconds away
    [incident] = harness.incidents()
    assert incident.summary_ts is None
    # A change made while the first sync was being delivered queued a second one (a sync in
    # flight does not absorb changes); it is due now, before the first one's retry.
    with harness.bot.session() as session:
        outbox.sync(session, session.get(Incident, incident.id), new=True)
    await harness.settle()
    incident = harness.incident(incident.id)
    assert incident.summary_ts is not None
    assert posts_by_key(ws, incident.channel_id)["summary"] == 1
