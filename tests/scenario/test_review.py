"""Follow-ups and the post-incident review uploaded into the channel."""

import re
from datetime import UTC, datetime

from sqlmodel import select

from incidents.review.models import FollowUp
from incidents.types import EventKind

ALERT = {"system": "fraud-detector", "title": "Fraud flag rate 40%",
         "signal": "prediction_distribution", "started_at": "2026-11-27T09:50:00Z",
         "metric": {"name": "flag_rate", "value": 0.40, "baseline": 0.02, "threshold": 0.10}}


def followups(harness, incident_id):
    with harness.bot.session() as session:
        return list(session.exec(select(FollowUp).where(FollowUp.incident_id == incident_id)
                                 .order_by(FollowUp.id)))


async def test_followups_are_recorded_with_owner_and_due_date_then_closed(harness):
    incident = await harness.declare(severity="2")
    channel = incident.channel_id
    await harness.actor.command(
        "/incident", "followup Add a schema check on the merchant feed <@U_BOB|bob> due 2026-12-04",
        channel=channel)
    await harness.actor.command("/incident", "followup Alert on empty feature values",
                                channel=channel)
    await harness.actor.command("/incident", "followup <@U_BOB|bob> <@U_CAROL|carol> two owners",
                                channel=channel)
    await harness.settle()
    first, second = followups(harness, incident.id)
    assert (first.text, first.owner, first.created_by) == (
        "Add a schema check on the merchant feed", "U_BOB", "U_ALICE")
    assert first.due_at == datetime(2026, 12, 4, tzinfo=UTC) and not first.done
    assert second.owner is None and second.due_at is None
    posted = [m.text for m in harness.workspace.messages(channel)]
    assert any(f"Follow-up #{first.id} recorded" in t and "<@U_BOB>" in t
               and "due 2026-12-04" in t for t in posted)
    said = [e.text for e in harness.workspace.ephemerals_for(user="U_ALICE")]
    assert any("one owner per follow-up" in t for t in said)

    await harness.actor.command("/incident", f"followup done {first.id}", channel=channel)
    await harness.actor.command("/incident", f"followup done {first.id}", channel=channel)
    await harness.settle()
    first, _ = followups(harness, incident.id)
    assert first.done and first.done_at is not None
    kinds = [e.kind for e in harness.timeline(incident.id)]
    assert kinds.count(EventKind.FOLLOWUP) == 2 and kinds.count(EventKind.FOLLOWUP_DONE) == 1
    said = [e.text for e in harness.workspace.ephemerals_for(user="U_ALICE")]
    assert any(f"#{first.id} is already done" in t for t in said)


async def opened_by_alert(harness):
    status, _ = await harness.post("/alerts", ALERT)
    assert status == 201
    await harness.settle()
    return harness.incident()


async def test_review_is_uploaded_as_markdown_and_recorded(harness):
    ws = harness.workspace
    incident = await opened_by_alert(harness)
    channel = incident.channel_id
    await harness.actor.command("/incident", "assign commander <@U_BOB|bob>", channel=channel)
    await harness.actor.command("/incident", "note Merchant category feed returns nulls",
                                channel=channel)
    await harness.actor.command("/incident", "followup Validate the merchant feed <@U_BOB|bob>",
                                channel=channel)
    await harness.settle()
    await harness.actor.command("/incident", "notify", channel=channel)
    view = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    await harness.actor.submit_view(view.id, {})
    await harness.settle()
    draft = next(m for m in ws.messages(channel) if "Initial notification" in m.text)
    await harness.actor.click(channel, draft.ts, "incident.notification_mark_sent")
    await harness.actor.command("/incident", "resolve", channel=channel)
    view = await ws.wait_for(lambda: harness.modal("U_ALICE"))
    await harness.actor.submit_view(view.id, {"summary": {"value": "Feed fixed, model healthy"},
                                              "root_cause_category": {"value": "data_pipeline"}})
    await harness.settle()

    await harness.actor.command("/incident", "review", channel=channel)
    await harness.settle()
    (file,) = [f for f in ws.files.values() if f.completed]
    assert file.filename == f"incident-{incident.id}-review.md"
    assert channel in file.channels
    text = file.content.decode()
    for heading in ("## Summary", "## Timeline", "## Detection", "## Response",
                    "## Root cause", "## Prevention", "## Client communication"):
        assert heading in text
    # Alice asked: her zone is Europe/Berlin; people are named, not shown as ids.
    assert "| Time (UTC) | Time (Europe/Berlin) |" in text
    assert "2026-11-27 09:50:00 UTC (2026-11-27 10:50:00 CET)" in text  # the alert's start
    assert "Commander: Bob Miller (@bob)" in text
    assert "| Validate the merchant feed | Bob Miller (@bob) |" in text
    assert "- Root cause category: Data pipeline" in text
    assert "- Root cause: **not yet recorded**" in text
    assert "Marked as sent" in text and "Client executive notification" in text
    assert re.search(r"Client executive notification \| .* \| met, \d", text)
    shared = [e for e in harness.timeline(incident.id) if e.kind == EventKind.REVIEW_SHARED]
    assert len(shared) == 1 and shared[0].data["file"] == file.id and shared[0].actor == "U_ALICE"
    assert shared[0].data["events"] == len(re.findall(r"\n\| \d{4}-\d\d-\d\d \S+ UTC \|", text))


def export(harness, incident_id, *args):
    """`incidentbot export` on the bot's own database, as someone would after the sandbox."""
    from typer.testing import CliRunner

    from bot.cli import cli
    from tests.scenario.conftest import EXAMPLE

    env = {"DATABASE_URL": harness.bot.engine.url.render_as_string(hide_password=False),
           "INCIDENTBOT_CONFIG": str(EXAMPLE)}
    result = CliRunner().invoke(cli, ["export", str(incident_id), *args], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


async def test_the_exported_review_names_people_and_who_got_each_role_or_page(harness):
    """No Slack for the CLI: names were kept as people acted, were assigned or were paged."""
    incident = await opened_by_alert(harness)
    channel = incident.channel_id
    await harness.actor.command("/incident", "assign comms <@U_BOB|bob>", channel=channel)
    await harness.actor.command("/incident", "page <@U_DAVE|dave>", channel=channel)
    await harness.actor.command("/incident", "note Asked <@U_BOB|bob> to draft the update",
                                channel=channel)
    await harness.settle()

    text = export(harness, incident.id)
    assert "@U_" not in text, [line for line in text.splitlines() if "@U_" in line]
    assert "| Role assigned | Alice Schmidt (@alice) | Comms: Bob Miller (@bob) |" in text
    assert re.search(r"\| Paged \| Alice Schmidt \(@alice\) \| Paged Dave \w+ \(@dave\) \(level 1",
                     text), text
    # The example's on-call, paged when the alert opened the incident, typed by nobody.
    assert re.search(r"\| Paged \| incidentbot \| Paged \w+ \w+ \(@\w+\) \(level 1, on call", text)
    assert "Asked Bob Miller (@bob) to draft the update" in text
    assert "- Comms: Bob Miller (@bob)" in text
