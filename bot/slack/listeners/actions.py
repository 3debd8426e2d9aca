"""Buttons and menus on the summary and on alert messages."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack.blocks.modals import assign_modal, note_modal, resolve_modal
from bot.slack.ids import Action
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from incidents.lifecycle import changes as lifecycle
from incidents.oncall import paging
from incidents.types import Severity, Status


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.action(Action.SET_SEVERITY)
    async def set_severity(ack, body, respond) -> None:
        await ack()
        incident_id, (severity,) = context.clicked(body)
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=incident_id, user=user, respond=respond,
            change=lambda s, inc, now: lifecycle.change_severity(
                s, incident=inc, severity=Severity(int(severity)), actor=user, now=now,
                policy=runtime.catalog.policy, catalog=runtime.catalog),
        )

    @app.action(Action.SET_STATUS)
    async def set_status(ack, body, respond) -> None:
        await ack()
        incident_id, (status,) = context.clicked(body)
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=incident_id, user=user, respond=respond,
            change=lambda s, inc, now: lifecycle.change_status(
                s, incident=inc, status=Status(status), actor=user, now=now,
                policy=runtime.catalog.policy),
        )

    @app.action(Action.DECLINE)
    async def decline(ack, body, respond) -> None:
        await ack()
        incident_id, _ = context.clicked(body)
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=incident_id, user=user, respond=respond,
            change=lambda s, inc, now: lifecycle.decline(s, incident=inc, actor=user, now=now,
                                                       policy=runtime.catalog.policy),
        )

    @app.action(Action.ACKNOWLEDGE)
    async def acknowledge(ack, body, respond) -> None:
        await ack()
        incident_id, _ = context.clicked(body)
        user = body["user"]["id"]

        def take_command(session, incident, now):
            # Stops any paging, counts for time to acknowledge, makes them commander if none.
            paging.acknowledge(session, incident=incident, user=user, now=now)
            if incident.status == Status.TRIAGE:
                lifecycle.change_status(session, incident=incident, status=Status.INVESTIGATING,
                                      actor=user, now=now, policy=runtime.catalog.policy)

        await apply_change(runtime, incident_id=incident_id, user=user, respond=respond,
                           change=take_command)

    async def open_modal(body, client, respond, build) -> None:
        incident_id, _ = context.clicked(body)
        incident, refusal = await context.authorise(runtime, incident_id, body["user"]["id"])
        if refusal:
            await context.say(respond, refusal)
            return
        await client.views_open(trigger_id=body["trigger_id"], view=build(incident))

    @app.action(Action.ASSIGN_ROLE)
    async def assign_role(ack, body, client, respond) -> None:
        await ack()
        await open_modal(body, client, respond, lambda inc: assign_modal(incident_id=inc.id))

    @app.action(Action.ADD_NOTE)
    async def add_note(ack, body, client, respond) -> None:
        await ack()
        await open_modal(body, client, respond, lambda inc: note_modal(incident_id=inc.id))

    @app.action(Action.RESOLVE)
    async def resolve(ack, body, client, respond) -> None:
        await ack()
        await open_modal(
            body, client, respond,
            lambda inc: resolve_modal(
                incident_id=inc.id, title=inc.title, summary=inc.resolution_summary,
                category=inc.root_cause_category, root_cause=inc.root_cause),
        )

    @app.action(Action.OPEN_CHANNEL)
    async def open_channel(ack) -> None:
        await ack()  # a link button: Slack opens the URL itself


