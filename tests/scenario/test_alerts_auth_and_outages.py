"""Auth on alert endpoints, and no alert lost while Slack is down or the bot restarts."""

import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlmodel import select

from bot.sandbox.stack import start_stack
from bot.slack.outbox_worker import GIVE_UP_AFTER
from incidents.models import Outbox
from tests.scenario.conftest import Harness

TOKEN = "s3cret-token"


def alert(title="Feature nulls", fingerprint="nulls-1"):
    return {"system": "fraud-detector", "title": title, "signal": "pipeline",
            "fingerprint": fingerprint, "started_at": "2026-11-27T10:00:00Z"}


@pytest_asyncio.fixture
async def guarded(settings, catalog):
    stack = await start_stack(settings.model_copy(update={"alert_webhook_token": SecretStr(TOKEN)}),
                              catalog)
    yield Harness(stack)
    await stack.close()


async def test_bearer_token_is_required_when_configured(guarded):
    status, body = await guarded.post("/alerts", alert())
    assert status == 401 and "bearer" in body["error"].lower()
    status, body = await guarded.post("/alerts", alert(), token="wrong")
    assert status == 403
    assert guarded.incidents() == []
    status, _ = await guarded.post("/alerts", alert(), token=TOKEN)
    assert status == 201
    assert len(guarded.incidents()) == 1


def make_due_now(harness):
    with harness.bot.session() as session:
        for row in session.exec(select(Outbox).where(Outbox.done_at == None)):  # noqa: E711
            row.next_attempt_at = harness.bot.now()


def inc_channels(ws):
    return [c for c in ws.channels.values() if c.name.startswith("inc-")]


async def test_slack_down_then_recovering_delivers_once(harness):
    ws = harness.workspace
    ws.faults.inject("*", status=500, times=10_000)
    status, _ = await harness.post("/alerts", alert())
    assert status == 201
    await harness.stack.drain()
    incident = harness.incident()
    assert incident.channel_id is None
    with harness.bot.session() as session:
        failed = session.exec(select(Outbox).where(Outbox.attempts > 0)).all()
    assert failed and "500" in failed[0].last_error
    ws.faults.clear()
    make_due_now(harness)
    await harness.settle()
    incident = harness.incident(incident.id)
    assert len(inc_channels(ws)) == 1
    cards = [m for m in ws.messages(incident.channel_id) if "Feature nulls" in str(m.blocks)]
    assert len(cards) == 2  # the summary and the alert card, each once
    assert len(ws.pinned(incident.channel_id)) == 1


async def test_restart_after_accepting_resumes_from_the_database(settings, catalog):
    first = Harness(await start_stack(settings, catalog))
    workspace = first.workspace
    workspace.faults.inject("*", status=500, times=10_000)
    status, _ = await first.post("/alerts", alert())
    assert status == 201
    await first.stack.close()  # the process goes away before Slack heard anything
    assert inc_channels(workspace) == []

    workspace.faults.clear()
    second = Harness(await start_stack(settings, catalog, workspace=workspace))
    try:
        make_due_now(second)
        await second.settle()
        incident = second.incident()
        assert len(second.incidents()) == 1
        assert len(inc_channels(workspace)) == 1
        cards = [m for m in workspace.messages(incident.channel_id)
                 if "Feature nulls" in str(m.blocks)]
        assert len(cards) == 2
        # redelivery after the restart changes nothing
        status, body = await second.post("/alerts", alert())
        assert body["alerts"][0]["outcome"] == "duplicate"
    finally:
        await second.stack.close()


@pytest.mark.parametrize("path", ["/alerts/alertmanager", "/alerts/grafana"])
async def test_other_endpoints_are_guarded_too(guarded, path):
    status, _ = await guarded.post(path, {"alerts": []})
    assert status == 401


async def test_a_channel_someone_archived_stops_being_retried_and_the_timeline_says_so(harness):
    ws = harness.workspace
    await harness.post("/alerts", alert())
    await harness.settle()
    incident = harness.incident()
    ws.channels[incident.channel_id].archived = True  # someone archived it in Slack

    status, _ = await harness.post("/alerts", alert(title="More nulls", fingerprint="nulls-2"))
    assert status == 202
    await harness.stack.drain()
    (item,) = alert_items(harness)
    assert item.done_at is None and "is_archived" in item.last_error  # retried at first
    for _ in range(GIVE_UP_AFTER - 1):
        make_due_now(harness)
        await harness.stack.drain()
    (item,) = alert_items(harness)
    assert item.done_at is not None and item.attempts == GIVE_UP_AFTER
    assert item.last_error == "given up: is_archived"
    assert harness.due() == 0  # nothing left retrying every minute
    notes = [e for e in harness.timeline(incident.id) if "stopped retrying" in e.text]
    assert len(notes) == 1 and "is_archived" in notes[0].text
    given_up = harness.bot.metrics.outbox_given_up.labels("alerts")._value.get()
    assert given_up == 1


def alert_items(harness):
    with harness.bot.session() as session:
        return session.exec(select(Outbox).where(Outbox.kind == "alerts",
                                                 Outbox.attempts > 0)).all()


async def test_a_failure_naming_a_secret_is_stored_and_logged_without_it(harness, caplog):
    token = harness.bot.settings.slack_bot_token.get_secret_value()
    harness.workspace.faults.inject("conversations.create", status=200,
                                    error=f"invalid_auth for {token}")
    status, _ = await harness.post("/alerts", alert())
    assert status == 201
    await harness.stack.drain()
    with harness.bot.session() as session:
        [failed] = session.exec(select(Outbox).where(Outbox.kind == "sync")).all()
    assert "invalid_auth for [redacted]" in failed.last_error
    assert token not in failed.last_error
    assert "invalid_auth for [redacted]" in caplog.text and token not in caplog.text


async def test_the_catalogs_credentials_are_among_the_secrets_kept_out(harness, monkeypatch):
    monkeypatch.setenv("MLOPS_TOKEN", "mlops-token-4242")  # the example's action header
    said = harness.bot.redact("POST https://ml-ops.example failed: mlops-token-4242 "
                              "was rejected")
    assert "mlops-token-4242" not in said and "rejected" in said
    assert harness.bot.redact("nothing secret here") == "nothing secret here"
