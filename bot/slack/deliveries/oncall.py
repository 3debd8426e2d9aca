"""Paging in Slack: deliveries that invite and DM the people `incidents.oncall.paging` decided to
page, tell the channel, close the pages of a stopped chain, and announce handoffs.

Each handler stores what it did before the outbox marks it done; a failure raises so the outbox
retries with backoff, except errors no retry can fix (the person does not exist, cannot be
messaged), which are recorded on the page and shown in the channel instead. Every post is
made once (`posting.post_once`): a retry looks for it before paging anyone a second time.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack import membership
from bot.slack.blocks import oncall as blocks
from bot.slack.deliveries.posting import channel_of, post_once
from bot.slack.people import learn
from incidents import timeline
from incidents.models import Incident, Outbox
from incidents.oncall import handoffs, paging
from incidents.oncall.models import Escalation, Handoff, Page
from incidents.oncall.schedule import next_handoffs
from incidents.outbox import Kind
from incidents.types import EscalationState, EventKind

log = logging.getLogger(__name__)

# Errors a retry cannot fix: the page is recorded as undeliverable instead.
UNREACHABLE = frozenset({
    "user_not_found", "user_not_visible", "user_disabled", "cannot_dm_bot", "is_bot",
    "messages_tab_disabled", "not_allowed_token_type", "restricted_action",
})
INVITE_DONE = frozenset({"already_in_channel", "cant_invite_self", "user_not_found",
                         "user_is_restricted", "user_disabled", "is_archived"})


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or exc)


async def _direct_message(runtime: Runtime, item: Outbox, user_id: str, text: str,
                          blocks_: list) -> tuple[str, str]:
    opened = await runtime.client.conversations_open(users=user_id)
    channel = opened["channel"]["id"]
    posted = await post_once(runtime, item, channel=channel, text=text, blocks=blocks_)
    return channel, posted["ts"]


async def _invite(runtime: Runtime, incident: Incident, user_id: str) -> None:
    """The paged person needs the channel; asked every time, as they may have left it."""
    try:
        await runtime.client.conversations_invite(channel=channel_of(incident), users=[user_id])
    except SlackApiError as exc:
        if _error(exc) not in INVITE_DONE:
            raise
    with runtime.session() as session:
        row = session.get(Incident, incident.id)
        # So the channel sync does not invite them again in a batch that would fail on them.
        row.invited = sorted({*(row.invited or []), user_id})


async def deliver_page(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        page = session.get(Page, item.payload["page"])
        escalation = session.get(Escalation, page.escalation_id) if page else None
        incident = session.get(Incident, page.incident_id) if page else None
    if page is None or page.sent_at or page.error:
        return
    if escalation.state != EscalationState.ACTIVE:
        return  # acknowledged, or the incident ended, before we got to it: wake nobody
    await _invite(runtime, incident, page.user_id)
    chain = paging.levels(runtime.catalog, escalation, incident)
    why = paging.reason(escalation, level=page.level, repeat=page.repeat)
    previous = chain[page.level - 1].wait if 0 < page.level <= len(chain) else None
    current = chain[page.level].wait if page.level < len(chain) else None
    text, body = blocks.page_message(
        incident=incident, system_label=runtime.system_label(incident.system), why=why,
        schedule=page.schedule, requested_by=escalation.requested_by, level=page.level,
        previous_wait=previous, next_wait=current, last=page.level >= len(chain) - 1,
    )
    try:
        channel, ts = await _direct_message(runtime, item, page.user_id, text, body)
    except SlackApiError as exc:
        if _error(exc) not in UNREACHABLE:
            raise
        log.warning("could not page %s for incident %s: %s", page.user_id, incident.id, exc)
        with runtime.session() as session:
            session.get(Page, page.id).error = _error(exc)
        return
    await learn(runtime, [page.user_id])  # paged people are named in the review, typed or not
    now = runtime.now()
    with runtime.session() as session:
        row = session.get(Page, page.id)
        row.dm_channel, row.dm_ts, row.sent_at = channel, ts, now
        where = f", on call for {page.schedule}" if page.schedule else ""
        timeline.record(
            session, incident=session.get(Incident, incident.id), kind=EventKind.PAGED, now=now,
            actor=escalation.requested_by,
            text=f"Paged (level {page.level + 1}{where}, {why})",
            data={"user": page.user_id, "level": page.level, "repeat": page.repeat,
                  "schedule": page.schedule, "why": str(why), "escalation": escalation.id,
                  "page": page.id},
        )


async def post_notice(runtime: Runtime, item: Outbox) -> None:
    payload = item.payload
    with runtime.session() as session:
        escalation = session.get(Escalation, payload["escalation"])
        incident = session.get(Incident, item.incident_id)
        pages = paging.pages_of(session, escalation.id, level=payload["level"],
                                repeat=payload["repeat"])
    if escalation.state != EscalationState.ACTIVE:
        return  # already acknowledged: the channel hears that instead
    channel = channel_of(incident)
    level = payload["level"]
    chain = paging.levels(runtime.catalog, escalation, incident)
    previous = chain[level - 1].wait if 0 < level <= len(chain) else None
    text, body = blocks.page_notice(
        incident_id=incident.id,
        paged=[blocks.Paged(p.user_id, p.error) for p in pages],
        why=paging.Why(payload["why"]), level=level, levels=payload["levels"],
        schedule=pages[0].schedule if pages else None, requested_by=escalation.requested_by,
        wait=timedelta(seconds=payload["wait_seconds"]), previous_wait=previous,
        last=payload["last"],
    )
    posted = await post_once(runtime, item, channel=channel, text=text, blocks=body)
    with runtime.session() as session:
        row = session.get(Escalation, escalation.id)
        # Kept so the notice loses its Acknowledge button once the chain stops.
        notice = {"ts": posted["ts"], "level": level, "repeat": payload["repeat"]}
        if notice not in row.notices:
            row.notices = [*row.notices, notice]


GONE = frozenset({"message_not_found", "channel_not_found", "cant_update_message"})


async def _update(runtime: Runtime, channel: str, ts: str, text: str, body: list) -> None:
    try:
        await runtime.client.chat_update(channel=channel, ts=ts, text=text, blocks=body)
    except SlackApiError as exc:
        if _error(exc) not in GONE:
            raise


async def close_pages(runtime: Runtime, item: Outbox) -> None:
    """Chains stopped: their pages and channel notices stop asking for an acknowledgement and
    say who acknowledged and when; the channel hears it once, however many chains stopped."""
    ids = item.payload.get("escalations") or [item.payload["escalation"]]  # older rows
    with runtime.session() as session:
        escalations = [session.get(Escalation, i) for i in ids]
        incident = session.get(Incident, item.incident_id)
        pages = {e.id: paging.pages_of(session, e.id) for e in escalations}
    for escalation in escalations:
        text, body = blocks.page_closed_message(
            incident=incident, acknowledged_by=escalation.acknowledged_by,
            at=escalation.acknowledged_at)
        for page in pages[escalation.id]:
            if page.dm_ts:
                await _update(runtime, page.dm_channel, page.dm_ts, text, body)
        for notice in escalation.notices if incident.channel_id else ():
            paged = [p.user_id for p in pages[escalation.id]
                     if (p.level, p.repeat) == (notice["level"], notice["repeat"])]
            text, body = blocks.notice_closed(
                paged=paged, incident=incident, acknowledged_by=escalation.acknowledged_by,
                at=escalation.acknowledged_at)
            await _update(runtime, incident.channel_id, notice["ts"], text, body)
    acknowledged = next((e for e in escalations if e.state == EscalationState.ACKNOWLEDGED),
                        None)
    if acknowledged is not None and incident.channel_id:
        text, body = blocks.acknowledged_notice(acknowledged_by=acknowledged.acknowledged_by,
                                                at=acknowledged.acknowledged_at)
        await post_once(runtime, item, channel=incident.channel_id, text=text, blocks=body)


async def announce_handoff(runtime: Runtime, item: Outbox) -> None:
    with runtime.session() as session:
        handoff = session.get(Handoff, item.payload["handoff"])
        systems = handoffs.covered_systems(runtime.catalog, handoff.schedule)
        incidents = handoffs.open_incidents_for(session, systems)
    schedule = runtime.catalog.oncall.get(handoff.schedule)
    if schedule is None:
        return  # the schedule left the catalog since
    # A private incident is named only to its people, as everywhere (incidents/access.py).
    incidents = await membership.visible(runtime, incidents, handoff.user_id)
    upcoming = next_handoffs(schedule, handoff.at, 1)
    text, body = blocks.handoff_message(
        schedule=handoff.schedule, until=upcoming[0] if upcoming else None,
        systems=[runtime.system_label(key) for key in systems], incidents=incidents,
    )
    try:
        await _direct_message(runtime, item, handoff.user_id, text, body)
    except SlackApiError as exc:
        if _error(exc) not in UNREACHABLE:
            raise
        log.warning("could not tell %s about their handoff: %s", handoff.user_id, exc)


HANDLERS = {
    Kind.PAGE: deliver_page,
    Kind.PAGE_NOTICE: post_notice,
    Kind.PAGE_CLOSED: close_pages,
    Kind.HANDOFF: announce_handoff,
}
