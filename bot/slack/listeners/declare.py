"""Declaring an incident: `/incident declare` opens the form; submitting it opens the
incident, or, when the system already has an open incident, offers to join that one
(its channel) instead of opening a second.

Validation errors go back in the form's ack; everything else runs after the ack.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack.blocks.lifecycle import already_open_modal, declare_modal
from bot.slack.ids import Field, ViewId
from bot.slack.listeners import context
from bot.slack.subcommands import Invocation
from incidents import queries
from incidents.lifecycle import changes as lifecycle
from incidents.models import Incident
from incidents.types import Severity


def register(app: AsyncApp, runtime: Runtime) -> None:
    @runtime.subcommands.add("declare", usage="declare [title]",
                             help="declare an incident (a form asks for title, AI system and "
                             "severity)")
    async def declare_command(call: Invocation) -> None:
        systems = [(key, runtime.system_label(key)) for key in runtime.catalog.systems]
        await call.open_modal(
            declare_modal(title=call.args, systems=systems, origin_channel=call.channel)
        )

    @app.view(ViewId.DECLARE)
    async def declare(ack, body, view) -> None:
        values = context.view_values(view)
        title = (values.get(Field.TITLE) or "").strip()
        system = (values.get(Field.SYSTEM) or "").strip()
        errors = {}
        if not title:
            errors[Field.TITLE] = "Give the incident a title."
        if not system:
            errors[Field.SYSTEM] = "Choose the AI system that is affected."
        started = values.get(Field.IMPACT_STARTED)
        if started is not None and int(started) > runtime.now().timestamp():
            errors[Field.IMPACT_STARTED] = "The impact cannot have begun in the future."
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        declared = {
            "title": title, "system": system,
            "severity": int(values.get(Field.SEVERITY) or 3),
            "description": (values.get(Field.DESCRIPTION) or "").strip(),
            "private": "private" in (values.get(Field.PRIVATE) or []),
            "impact_started": int(started) if started is not None else None,
        }
        with runtime.session() as session:
            existing = queries.open_incident_for_system(session, system)
        # A private incident is not offered: its existence is for its own people to know.
        if existing is not None and not existing.private:
            await ack(response_action="update", view=already_open_modal(
                system=system, incident_id=existing.id, title=existing.title,
                severity=existing.severity, status=str(existing.status),
                channel=existing.channel_id, declared=declared).to_dict())
            return
        await ack()
        _declare(runtime, declared, user=body["user"]["id"])

    @app.view(ViewId.DECLARE_OPEN_ONE)
    async def declare_open_one(ack, body, view) -> None:
        await ack()
        user = body["user"]["id"]
        metadata = json.loads(view["private_metadata"])
        if "separate" in (context.view_values(view).get(Field.SEPARATE) or []):
            _declare(runtime, metadata["declared"], user=user)
            return
        with runtime.session() as session:
            incident = session.get(Incident, int(metadata["incident"]))
        say = context.dm(runtime, user)
        if incident is None or incident.channel_id is None:
            await say(text=f"Incident #{metadata['incident']} has no channel yet; try again "
                           "in a moment.")
            return
        try:
            await runtime.client.conversations_invite(channel=incident.channel_id, users=user)
        except SlackApiError as exc:
            if exc.response.get("error") != "already_in_channel":
                await say(text=f"Could not add you to <#{incident.channel_id}>: "
                               f"{exc.response.get('error')}.")
                return
        await say(text=f"You are in <#{incident.channel_id}>, incident #{incident.id}'s "
                       "channel.")


def _declare(runtime: Runtime, declared: dict, *, user: str) -> None:
    started = declared.get("impact_started")
    with runtime.session() as session:
        lifecycle.declare(
            session, title=declared["title"], system=declared["system"],
            severity=Severity(int(declared["severity"])), description=declared["description"],
            private=bool(declared["private"]), declared_by=user, now=runtime.now(),
            catalog=runtime.catalog,
            impact_started_at=datetime.fromtimestamp(started, UTC) if started else None,
        )
    runtime.metrics.incidents_opened.labels("declared").inc()
