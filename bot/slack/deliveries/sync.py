"""Brings an incident's Slack channel in line with the database, one idempotent step at a time.

Each step stores its result before the next, so a retry after a failure or a crash continues
where the last attempt stopped instead of creating a second channel or summary. The one
step that could still repeat, posting the summary and dying before storing its ts, is
posted with metadata that a retry looks for first (`posting.post_once`).
"""

from __future__ import annotations

import contextlib
import logging

import sqlalchemy as sa
from slack_sdk.errors import SlackApiError
from sqlmodel import select

from bot.container import Runtime
from bot.slack.blocks.summary import summary_blocks, topic
from bot.slack.channel_names import channel_name
from bot.slack.deliveries.posting import post_once
from incidents import timeline
from incidents.models import Incident, Outbox
from incidents.outbox import Kind
from incidents.registry import record as registry_record
from incidents.regulatory import assessment as regulatory
from incidents.types import EventKind

log = logging.getLogger(__name__)
MAX_NAME_ATTEMPTS = 20


def incident_links(runtime: Runtime, incident: Incident) -> dict[str, str]:
    system = runtime.catalog.systems.get(incident.system)
    links: dict[str, str] = {}
    if system and system.dashboard:
        links["Dashboard"] = system.dashboard
    if system and system.runbook:
        links["Runbook"] = system.runbook
    return links


def wanted_members(runtime: Runtime, incident: Incident) -> list[str]:
    system = runtime.catalog.systems.get(incident.system)
    people = [incident.declared_by, incident.commander, incident.comms, incident.scribe,
              incident.engineer, *(system.owners if system else [])]
    seen: list[str] = []
    for person in people:
        if person and person not in seen and person != runtime.bot_user_id:
            seen.append(person)
    return seen


async def sync_incident(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        incident = session.get(Incident, item.incident_id)
    if incident is None:
        return
    if incident.channel_id is None:
        await _create_channel(runtime, incident)
    await _invite(runtime, incident)
    await _set_topic(runtime, incident)
    await _post_summary(runtime, incident, item)
    await _pin_summary(runtime, incident)
    await _bookmarks(runtime, incident)


async def _create_channel(runtime: Runtime, incident: Incident) -> None:
    for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
        name = channel_name(
            incident_id=incident.id, title=incident.title, created_at=incident.created_at,
            drill=incident.is_drill, attempt=attempt,
        )
        try:
            response = await runtime.client.conversations_create(
                name=name, is_private=incident.private)
        except SlackApiError as exc:
            if exc.response.get("error") != "name_taken":
                raise
            adopted = await _adopt_own_channel(runtime, name)
            if adopted is None:
                continue
            channel = adopted
        else:
            channel = response["channel"]
        with runtime.session() as session:
            # Compare-and-set: only the first replica to get here owns the incident's channel.
            won = session.connection().execute(
                sa.update(Incident.__table__)
                .where(Incident.__table__.c.id == incident.id,
                       Incident.__table__.c.channel_id.is_(None))
                .values(channel_id=channel["id"], channel_name=channel["name"])
            ).rowcount == 1
            if won:
                row = session.get(Incident, incident.id)
                session.refresh(row)
                timeline.record(
                    session, incident=row, kind=EventKind.CHANNEL_CREATED, now=runtime.now(),
                    text=f"Channel #{channel['name']} created", data={"channel": channel["id"]},
                )
            else:
                row = session.get(Incident, incident.id)
                session.refresh(row)
        if not won:  # another replica's channel won: ours must not linger empty
            log.warning("incident #%s already has a channel; archiving %s", incident.id,
                        channel["id"])
            with contextlib.suppress(SlackApiError):
                await runtime.client.conversations_archive(channel=channel["id"])
        incident.channel_id, incident.channel_name = row.channel_id, row.channel_name
        return
    raise RuntimeError(f"no free channel name for incident #{incident.id}")


async def _adopt_own_channel(runtime: Runtime, name: str) -> dict | None:
    """A channel of that name we created ourselves and never recorded (we crashed right after
    creating it) is ours to reuse; anyone else's is not."""
    if runtime.bot_user_id is None:
        runtime.bot_user_id = (await runtime.client.auth_test()).get("user_id")
    response = await runtime.client.conversations_list(
        types="public_channel,private_channel", exclude_archived=True, limit=1000
    )
    for channel in response.get("channels", []):
        if channel.get("name") == name and channel.get("creator") == runtime.bot_user_id:
            with runtime.session() as session:
                taken = session.exec(
                    select(Incident).where(Incident.channel_id == channel["id"])
                ).first()
            if taken is None:
                return channel
    return None


async def _invite(runtime: Runtime, incident: Incident) -> None:
    missing = [u for u in wanted_members(runtime, incident) if u not in (incident.invited or [])]
    if not missing:
        return
    try:
        await runtime.client.conversations_invite(channel=incident.channel_id, users=missing)
    except SlackApiError as exc:
        # already_in_channel and friends mean there is nothing left to do for them.
        if exc.response.get("error") not in {"already_in_channel", "cant_invite_self",
                                             "user_not_found", "user_is_restricted"}:
            raise
        log.info("invite to %s: %s", incident.channel_id, exc.response.get("error"))
    with runtime.session() as session:
        row = session.get(Incident, incident.id)
        row.invited = sorted({*(row.invited or []), *missing})
        incident.invited = row.invited


async def _set_topic(runtime: Runtime, incident: Incident) -> None:
    wanted = topic(incident)
    if incident.slack_topic == wanted:
        return
    await runtime.client.conversations_setTopic(channel=incident.channel_id, topic=wanted)
    with runtime.session() as session:
        session.get(Incident, incident.id).slack_topic = wanted


async def _post_summary(runtime: Runtime, incident: Incident, item: Outbox) -> None:
    with runtime.session() as session:
        model = registry_record.serving_now(session, incident.id)
    blocks = summary_blocks(
        incident, system_label=runtime.system_label(incident.system),
        links=incident_links(runtime, incident), model=model,
        regulated=regulatory.obligations_of(runtime.catalog, incident.system) is not None,
    )
    text = f"Incident #{incident.id}: Sev{incident.severity} · {incident.status}"
    if incident.summary_ts:
        await runtime.client.chat_update(
            channel=incident.channel_id, ts=incident.summary_ts, text=text, blocks=blocks
        )
        return
    # One summary per incident, whichever sync posts it: the key is the incident's.
    response = await post_once(runtime, item, channel=incident.channel_id, text=text, blocks=blocks,
                               key="summary")
    if response["reused"]:  # posted by an attempt that died: show the state as it is now
        await runtime.client.chat_update(channel=incident.channel_id, ts=response["ts"], text=text,
                                     blocks=blocks)
    with runtime.session() as session:
        session.get(Incident, incident.id).summary_ts = response["ts"]
    incident.summary_ts = response["ts"]


async def _pin_summary(runtime: Runtime, incident: Incident) -> None:
    if incident.summary_pinned or not incident.summary_ts:
        return
    try:
        await runtime.client.pins_add(channel=incident.channel_id, timestamp=incident.summary_ts)
    except SlackApiError as exc:
        if exc.response.get("error") != "already_pinned":
            raise
    with runtime.session() as session:
        session.get(Incident, incident.id).summary_pinned = True


async def _bookmarks(runtime: Runtime, incident: Incident) -> None:
    if incident.bookmarks_done:
        return
    for title, url in incident_links(runtime, incident).items():
        await runtime.client.bookmarks_add(
            channel_id=incident.channel_id, title=title, type="link", link=url
        )
    with runtime.session() as session:
        session.get(Incident, incident.id).bookmarks_done = True


HANDLERS = {Kind.SYNC: sync_incident}
