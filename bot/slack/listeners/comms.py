"""Client notifications and status updates: `/incident notify`, `/incident update`, the
"Draft notification" buttons, the draft forms, and "Mark as sent" / "Send to client channel".

Drafting sends nothing to the client. The draft is posted in the incident channel for the
comms lead; only marking it sent, or sending it to the client's shared channel, records
it as sent and stops its deadline.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack.blocks.comms import CHOOSABLE, client_message, notify_modal, status_update_modal
from bot.slack.ids import VALUE, Action, ViewId
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from bot.slack.subcommands import Invocation
from incidents import timeline
from incidents.comms import form
from incidents.comms import notifications as communications
from incidents.comms.models import Notification
from incidents.comms.notifications import NotificationKind, SentVia
from incidents.models import Incident

log = logging.getLogger(__name__)
ALREADY_SENT = "That notification is already recorded as sent."


def register(app: AsyncApp, runtime: Runtime) -> None:
    sending: set[int] = set()  # notifications being posted to a client channel right now

    @runtime.subcommands.add(
        "notify", usage="notify [initial|resolution]", needs_incident=True,
        help="draft a client notification from the incident, for the comms lead to send")
    async def notify(call: Invocation) -> None:
        word = call.args.strip().lower()
        kinds = {"": None, "initial": NotificationKind.INITIAL,
                 "resolution": NotificationKind.RESOLUTION}
        if word not in kinds:
            await call.reply("Usage: `/incident notify [initial|resolution]`.")
            return
        await call.open_modal(await notify_view(runtime, call.incident.id, kinds[word], call.user))

    @runtime.subcommands.add(
        "update", usage="update", needs_incident=True,
        help="post a status update (cause, status, impact, client action, next update time)")
    async def update(call: Invocation) -> None:
        if not call.incident.status_enum.is_open:
            await call.reply(f"The incident is {call.incident.status}: send the resolution "
                             "notification instead (`/incident notify resolution`).")
            return
        await call.open_modal(await update_view(runtime, call.incident.id))

    @app.action(Action.DRAFT_NOTIFICATION)
    async def draft_button(ack, body, client, respond) -> None:
        await ack()
        incident_id, rest = context.clicked(body)
        kind = NotificationKind(rest[0]) if rest and rest[0] in set(CHOOSABLE) else None
        user = body["user"]["id"]
        _, refusal = await context.authorise(runtime, incident_id, user)
        if refusal:
            await context.say(respond, refusal)
            return
        view = await notify_view(runtime, incident_id, kind, user)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(Action.NOTIFICATION_KIND)
    async def switch_kind(ack, body, client) -> None:
        await ack()
        incident_id, (kind, *_) = context.clicked(body)
        _, refusal = await context.authorise(runtime, incident_id, body["user"]["id"])
        if refusal:
            return  # the form was opened through the same rule; a forged value gets nothing
        view = await notify_view(runtime, incident_id, NotificationKind(kind), body["user"]["id"])
        await client.views_update(view_id=body["view"]["id"], hash=body["view"].get("hash"),
                                  view=view)

    @app.view(ViewId.NOTIFY)
    async def submit_notification(ack, body, view) -> None:
        meta = json.loads(view["private_metadata"])
        kind = NotificationKind(meta["kind"])
        values = form_values(view)
        errors = form.problems(kind, values, now=runtime.now())
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=int(meta["incident_id"]), user=user,
            change=lambda s, inc, now: communications.draft(
                s, incident=inc, catalog=runtime.catalog, kind=kind, fields=values, actor=user,
                now=now),
            respond=context.dm(runtime, user),
        )

    @app.view(ViewId.STATUS_UPDATE)
    async def submit_update(ack, body, view) -> None:
        values = form_values(view)
        errors = form.problems(NotificationKind.STATUS_UPDATE, values, now=runtime.now())
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=context.view_incident_id(view),
            user=user,
            change=lambda s, inc, now: communications.record_status_update(
                s, incident=inc, catalog=runtime.catalog, fields=values, actor=user, now=now),
            respond=context.dm(runtime, user),
        )

    @app.action(Action.MARK_SENT)
    async def mark_sent(ack, body, respond) -> None:
        await ack()
        incident_id, (notification_id, *_) = context.clicked(body)
        user = body["user"]["id"]

        def change(session, incident, now):
            row = _owned(session, incident, int(notification_id))
            if not communications.mark_sent(session, notification=row, via=SentVia.MARKED,
                                            actor=user, now=now, policy=runtime.catalog.policy):
                raise timeline.Refused(ALREADY_SENT)

        await apply_change(runtime, incident_id=incident_id, user=user, change=change,
                           respond=respond)

    @app.action(Action.SEND_TO_CLIENT)
    async def send_to_client(ack, body, respond) -> None:
        await ack()
        incident_id, (notification_id, *_) = context.clicked(body)
        notification_id = int(notification_id)
        user = body["user"]["id"]
        if notification_id in sending:
            return  # a double click: the first one is posting it
        sending.add(notification_id)
        try:
            await _send_to_client(runtime, incident_id, notification_id, user, respond)
        finally:
            sending.discard(notification_id)


async def _send_to_client(runtime: Runtime, incident_id: int, notification_id: int, user: str,
                          respond) -> None:
    tell = context.teller(respond)
    incident, refusal = await context.authorise(runtime, incident_id, user)
    if refusal:
        await tell(refusal)
        return
    with runtime.session() as session:
        row = session.get(Notification, notification_id)
    if row is None or row.incident_id != incident_id:
        return
    if row.sent_at is not None:
        await tell(ALREADY_SENT)
        return
    target = communications.client_channel(runtime.catalog, incident)
    if target is None:
        await tell("This client has no shared channel in the catalog; send the notification "
                   "yourself, then press Mark as sent.")
        return
    text, blocks = client_message(row)
    try:
        posted = await runtime.client.chat_postMessage(channel=target, text=text, blocks=blocks,
                                                       unfurl_links=False)
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown error")
        await tell(f"Could not post in <#{target}> ({error}); nothing was recorded. Invite the "
                   "bot to that channel, or send it yourself and press Mark as sent.")
        return

    def change(session, incident, now):
        fresh = _owned(session, incident, notification_id)
        if not communications.mark_sent(session, notification=fresh, via=SentVia.CLIENT_CHANNEL,
                                        actor=user, now=now, client_ts=posted["ts"],
                                        policy=runtime.catalog.policy):
            raise timeline.Refused(ALREADY_SENT)

    await apply_change(runtime, incident_id=incident_id, user=user, change=change,
                       respond=respond)


def _owned(session, incident: Incident, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.incident_id != incident.id:
        raise timeline.Refused("That draft belongs to no notification of this incident.")
    return row


async def notify_view(runtime: Runtime, incident_id: int, kind: NotificationKind | None, user: str):
    with runtime.session() as session:
        incident = session.get(Incident, incident_id)
        kind = kind or communications.default_kind(incident)
        contact = form.speaks_for_us(incident, user)
        values = communications.prefill(session, incident=incident, catalog=runtime.catalog,
                                        kind=kind, now=runtime.now())
    if "our_contact" in values:
        values["our_contact"] = await display_name(runtime, contact)
    return notify_modal(incident_id=incident_id, title=incident.title, kind=kind, values=values)


async def update_view(runtime: Runtime, incident_id: int):
    with runtime.session() as session:
        incident = session.get(Incident, incident_id)
        values = communications.prefill(session, incident=incident, catalog=runtime.catalog,
                                        kind=NotificationKind.STATUS_UPDATE, now=runtime.now())
    return status_update_modal(incident_id=incident_id, title=incident.title, values=values)


async def display_name(runtime: Runtime, user_id: str | None) -> str:
    if not user_id:
        return ""
    try:
        found = (await runtime.client.users_info(user=user_id))["user"]
    except SlackApiError:
        return ""
    profile = found.get("profile") or {}
    return found.get("real_name") or profile.get("real_name") or found.get("name") or ""


def form_values(view: dict) -> dict[str, Any]:
    """{field: value}: text stripped (None when empty), the picker as an aware datetime."""
    values: dict[str, Any] = {}
    for block_id, actions in view["state"]["values"].items():
        state = actions.get(VALUE) or {}
        if state.get("type") == "datetimepicker":
            stamp = state.get("selected_date_time")
            values[block_id] = None if stamp is None else datetime.fromtimestamp(int(stamp), UTC)
        elif state.get("type") == "plain_text_input":
            values[block_id] = (state.get("value") or "").strip() or None
    return values


