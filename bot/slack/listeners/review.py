"""`/incident followup` (prevention action items) and `/incident review` (the review draft
uploaded into the channel as a Markdown file)."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack.listeners.changes import apply_change
from bot.slack.people import learn
from bot.slack.subcommands import Invocation
from incidents import people, timeline
from incidents.models import Incident
from incidents.review import draft as review
from incidents.review import followups
from incidents.types import EventKind

log = logging.getLogger(__name__)
_DUE = re.compile(r"(?:^|\s)due\s+(\d{4}-\d{2}-\d{2})\s*$", re.IGNORECASE)
_DONE = re.compile(r"^done\s+#?(\d+)\s*$", re.IGNORECASE)
FOLLOWUP_USAGE = ("Usage: `/incident followup <what to change> [@owner] [due YYYY-MM-DD]`, "
                  "or `/incident followup done <number>`.")
MAX_NAMES = 50  # people looked up for one review; more are shown by their Slack ids


class FollowupSyntaxError(ValueError):
    pass


def parse_followup(args: str) -> tuple[str, str | None, date | None]:
    """`Add a schema check <@U1|bob> due 2026-12-04` → (text, owner, due)."""
    owners = people.MENTION.findall(args)
    if len(owners) > 1:
        raise FollowupSyntaxError("Give one owner per follow-up.")
    text = people.MENTION.sub(" ", args)
    due = None
    match = _DUE.search(text)
    if match:
        try:
            due = date.fromisoformat(match[1])
        except ValueError:
            raise FollowupSyntaxError(f"{match[1]} is not a date (YYYY-MM-DD).") from None
        text = text[: match.start()]
    text = " ".join(text.split())
    if not text:
        raise FollowupSyntaxError(FOLLOWUP_USAGE)
    return text, (owners[0] if owners else None), due


def register(app: AsyncApp, runtime: Runtime) -> None:
    add = runtime.subcommands.add

    @add("followup", usage="followup <action> [@owner] [due YYYY-MM-DD]", needs_incident=True,
         help="record a prevention action item for the review (`followup done <n>` closes one)")
    async def followup(call: Invocation) -> None:
        done = _DONE.match(call.args.strip())
        if done:
            number = int(done[1])
            await apply_change(
                runtime, incident_id=call.incident.id, user=call.user, respond=call.respond,
                change=lambda s, inc, now: followups.complete(
                    s, incident=inc, followup_id=number, actor=call.user, now=now),
            )
            return
        try:
            text, owner, due = parse_followup(call.args)
        except FollowupSyntaxError as exc:
            await call.reply(str(exc))
            return
        due_at = datetime(due.year, due.month, due.day, tzinfo=UTC) if due else None
        await apply_change(
            runtime, incident_id=call.incident.id, user=call.user, respond=call.respond,
            change=lambda s, inc, now: followups.add(
                s, incident=inc, text=text, owner=owner, due_at=due_at, actor=call.user,
                now=now),
        )

    @add("review", usage="review", needs_incident=True,
         help="upload the post-incident review draft (Markdown) to this channel")
    async def review_(call: Invocation) -> None:
        await share_review(runtime, incident=call.incident, user=call.user, reply=call.reply)


async def share_review(runtime: Runtime, *, incident: Incident, user: str, reply) -> None:
    """Draft the review from the database, upload it here, and record that it was shared."""
    zone = await viewer_zone(runtime, user)
    with runtime.session() as session:
        involved = review.people_involved(session, incident.id)
        unnamed = sorted(involved - people.known(session, involved))
    # Names are stored as people act; whoever was missed is asked about now.
    await learn(runtime, unnamed[:MAX_NAMES])
    now = runtime.now()
    markdown, events = await asyncio.to_thread(_draft, runtime, incident.id, zone, now)
    filename = f"incident-{incident.id}-review.md"
    try:
        response = await runtime.client.files_upload_v2(
            channel=incident.channel_id, content=markdown, filename=filename,
            title=f"Post-incident review draft: incident #{incident.id}",
            initial_comment=":page_facing_up: Post-incident review draft, generated from the "
            "incident record. Fill the gaps marked _not yet recorded_ before the review.",
        )
    except SlackApiError as exc:
        await reply(f"Could not upload the review ({exc.response.get('error')}); "
                    f"`incidentbot export {incident.id}` writes the same file.")
        return
    file = (response.get("files") or [response.get("file") or {}])[0]
    with runtime.session() as session:
        timeline.record(
            session, incident=session.get(Incident, incident.id), kind=EventKind.REVIEW_SHARED,
            now=runtime.now(), actor=user, text=f"Post-incident review draft shared ({filename})",
            data={"file": file.get("id"), "filename": filename, "events": events,
                  "bytes": len(markdown.encode())},
        )


def _draft(runtime: Runtime, incident_id: int, zone, now) -> tuple[str, int]:
    with runtime.session() as session:
        data = review.gather(session, incident_id=incident_id, catalog=runtime.catalog, now=now,
                             zone=zone)
    return review.render(data, templates_dir=runtime.catalog.templates_dir), len(data.timeline)


async def viewer_zone(runtime: Runtime, user: str) -> ZoneInfo | None:
    """The person's Slack time zone, so the review shows times as they read them."""
    try:
        found = (await runtime.client.users_info(user=user))["user"]
        return ZoneInfo(found.get("tz") or "UTC")
    except (SlackApiError, ZoneInfoNotFoundError, ValueError, KeyError):
        return None
