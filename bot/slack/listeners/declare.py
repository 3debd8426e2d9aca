"""Modal submissions. Validation errors go back in the ack; everything else after it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack.blocks.modals import already_open_modal
from bot.slack.ids import VALUE, Field, ViewId
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from bot.slack.listeners.timeline import add_message_to_incident
from incidents import queries, roles, timeline
from incidents.lifecycle import changes as lifecycle
from incidents.models import Incident
from incidents.review import findings
from incidents.types import ROOT_CAUSE_CATEGORIES, Role, Severity


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


def _values(view: dict) -> dict[str, object]:
    """Flatten Slack's state into {block_id: value} for each input's `value` action."""
    flat: dict[str, object] = {}
    for block_id, actions in view["state"]["values"].items():
        state = actions.get(VALUE) or {}
        match state.get("type"):
            case "static_select" | "radio_buttons":
                flat[block_id] = (state.get("selected_option") or {}).get("value")
            case "users_select":
                flat[block_id] = state.get("selected_user")
            case "checkboxes":
                flat[block_id] = [o["value"] for o in state.get("selected_options") or []]
            case "datetimepicker":
                flat[block_id] = state.get("selected_date_time")
            case _:
                flat[block_id] = state.get("value")
    return flat


def register(app: AsyncApp, runtime: Runtime) -> None:
    @app.view(ViewId.DECLARE)
    async def declare(ack, body, view) -> None:
        values = _values(view)
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
        if "separate" in (_values(view).get(Field.SEPARATE) or []):
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

    @app.view(ViewId.RESOLVE)
    async def resolve(ack, body, view) -> None:
        values = _values(view)
        summary = (values.get(Field.SUMMARY) or "").strip()
        category = values.get(Field.ROOT_CAUSE_CATEGORY)
        cause = " ".join((values.get(Field.ROOT_CAUSE) or "").split())
        errors = {}
        if not summary:
            errors[Field.SUMMARY] = "Say in one line what fixed it."
        if cause and not category:
            errors[Field.ROOT_CAUSE_CATEGORY] = "Choose the category of this root cause."
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        user = body["user"]["id"]

        def resolve_(s, inc, now):
            if category and cause and cause != (inc.root_cause or ""):
                findings.set_root_cause(s, incident=inc, category=category, text=cause,
                                        categories=ROOT_CAUSE_CATEGORIES, actor=user, now=now)
            lifecycle.resolve(s, incident=inc, summary=summary, actor=user, now=now,
                            root_cause_category=category, policy=runtime.catalog.policy)

        await apply_change(runtime, incident_id=_incident_id(view), user=user, change=resolve_,
                           respond=context.dm(runtime, user))

    @app.view(ViewId.ASSIGN)
    async def assign(ack, body, view) -> None:
        values = _values(view)
        await ack()
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=_incident_id(view), user=user,
            change=lambda s, inc, now: roles.assign(
                s, incident=inc, role=Role(values[Field.ROLE]), user=values[Field.USER],
                actor=user, now=now),
            respond=context.dm(runtime, user),
        )

    @app.view(ViewId.NOTE)
    async def note(ack, body, view) -> None:
        text = (_values(view).get(Field.NOTE) or "").strip()
        if not text:
            await ack(response_action="errors", errors={Field.NOTE: "Write the note."})
            return
        await ack()
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=_incident_id(view), user=user,
            change=lambda s, inc, now: timeline.add_note(
                s, incident=inc, text=text, actor=user, now=now),
            respond=context.dm(runtime, user),
        )

    @app.view(ViewId.PICK_INCIDENT)
    async def pick_incident(ack, body, view) -> None:
        await ack()
        message = json.loads(view["private_metadata"])
        incident_id = int(_values(view)[Field.INCIDENT])
        await add_message_to_incident(
            runtime, incident_id=incident_id, message=message, actor=body["user"]["id"],
            how="shortcut", reply=context.dm(runtime, body["user"]["id"]),
        )


def _incident_id(view: dict) -> int:
    return int(json.loads(view["private_metadata"])["incident_id"])
