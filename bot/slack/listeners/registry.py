"""Rolling back a registry model from Slack: the form that offers the earlier versions
(opened at once, filled when the registry has answered), its submission, Undo rollback and
Retry. Each click is stored once (incidents/registry/record.py); the alias is moved by the
replica that claims the work (bot/slack/deliveries/registry.py), never in the request."""

from __future__ import annotations

import json
from collections.abc import Callable

from slack_bolt.async_app import AsyncApp
from sqlmodel import select

from bot.container import Runtime
from bot.outbound.registry import host_of
from bot.slack.blocks.registry import rollback_form, rollback_reading, rollback_unavailable
from bot.slack.deliveries.registry import read_state
from bot.slack.ids import Action, Field, ViewId
from bot.slack.listeners import context
from incidents import timeline
from incidents.models import Alert, Incident
from incidents.registry import policy as registry
from incidents.registry import record as registry_record
from incidents.registry.models import ModelChange
from incidents.regulatory import evidence


def what_is_preserved(runtime: Runtime, incident: Incident) -> str | None:
    system = runtime.catalog.systems.get(incident.system)
    if not evidence.required(system):
        return None
    with runtime.session() as session:
        alerts = len(session.exec(select(Alert.id).where(Alert.incident_id == incident.id)).all())
        drift = evidence.latest_drift(session, incident.id)
    return evidence.will_preserve(system, alerts=alerts,
                                  drift_at=drift.occurred_at if drift else None)


def model_target(runtime: Runtime, incident: Incident) -> str | None:
    """"the alias champion of fraud-detector at mlflow.example", or None without `model:`
    (and in a drill: practice must not move the real model's alias)."""
    system = runtime.catalog.systems.get(incident.system)
    if system is None or system.model is None or incident.is_drill:
        return None
    return f"the alias {system.model.alias} of {system.model.name} at {host_of(system.model)}"


async def open_form(runtime: Runtime, client, *, trigger_id: str, incident: Incident) -> None:
    """Open the rollback form now (a trigger lasts 3 s), then fill it from the registry."""
    system = runtime.catalog.systems[incident.system]
    label = runtime.system_label(incident.system)
    opened = await client.views_open(trigger_id=trigger_id, view=rollback_reading(
        incident_id=incident.id, system_label=label, model=system.model.name,
        host=host_of(system.model)))
    view = opened["view"]
    state, error = await read_state(runtime, system)
    if state is None or state.serving is None:
        reason = f"the model registry could not be read ({error})" if state is None else \
            f"the alias {system.model.alias} of {system.model.name} points at no version"
        form = rollback_unavailable(incident_id=incident.id, system_label=label, reason=reason)
    elif not registry.earlier_versions(state):
        form = rollback_unavailable(
            incident_id=incident.id, system_label=label,
            reason=f"v{state.serving} is the earliest ready version of {state.name}: there is "
                   "no earlier version to return to")
    else:
        with runtime.session() as session:
            reference, name = registry_record.reference_moment(session, incident)
        form = rollback_form(
            incident_id=incident.id, system_label=label, state=state,
            serving_text=registry.promotion_text(state, reference=reference,
                                                 reference_name=name),
            preserved=what_is_preserved(runtime, incident))
    await client.views_update(view_id=view["id"], view=form)


def register(app: AsyncApp, runtime: Runtime,
             tell_in_channel: Callable[[int, str], context.Tell]) -> None:

    async def request(*, incident_id: int, user: str, tell: context.Tell, **change) -> None:
        incident, refusal = await context.authorise(runtime, incident_id, user)
        if refusal:
            await tell(refusal)
            return
        system = runtime.catalog.systems.get(incident.system)
        if system is None or system.model is None:
            await tell(f"{incident.system} has no model registry in the catalog (any more).")
            return
        try:
            with runtime.session() as session:
                registry_record.request_change(
                    session, incident=session.get(Incident, incident_id), model=system.model,
                    actor=user, now=runtime.now(), **change)
        except timeline.Refused as refused:
            await tell(str(refused))

    @app.view(ViewId.MODEL_ROLLBACK)
    async def submit(ack, body, view) -> None:
        chosen = context.view_values(view).get(Field.MODEL_VERSION)
        if not await context.accepted(ack, {} if chosen else {
                Field.MODEL_VERSION: "Choose the version to roll back to."}):
            return
        meta = json.loads(view["private_metadata"])
        incident_id, user = int(meta["incident_id"]), body["user"]["id"]
        await request(incident_id=incident_id, user=user,
                      tell=tell_in_channel(incident_id, user), kind=registry_record.ROLLBACK,
                      to_version=int(chosen), from_version=meta.get("from_version"),
                      key=f"view:{view['id']}")

    async def follow_up(body, respond, *, undo: bool) -> None:
        incident_id, (change_id, *_) = context.clicked(body)
        user = body["user"]["id"]

        tell = context.teller(respond)

        with runtime.session() as session:
            change = session.get(ModelChange, int(change_id))
        if change is None or change.incident_id != incident_id:
            await tell("That model change is not part of this incident.")
            return
        if undo:
            if change.state != "done" or change.from_version is None:
                await tell("Only a rollback that went through can be undone.")
                return
            await request(incident_id=incident_id, user=user, tell=tell,
                          kind=registry_record.UNDO, to_version=change.from_version,
                          from_version=change.to_version, key=f"undo:{change.id}",
                          undoes=change)
            return
        with runtime.session() as session:
            undoes = session.get(ModelChange, change.undoes_id) if change.undoes_id else None
        await request(incident_id=incident_id, user=user, tell=tell, kind=change.kind,
                      to_version=change.to_version, from_version=change.from_version,
                      key=f"retry:{change.id}", undoes=undoes)

    @app.action(Action.MODEL_UNDO)
    async def undo(ack, body, respond) -> None:
        await ack()
        await follow_up(body, respond, undo=True)

    @app.action(Action.MODEL_RETRY)
    async def retry(ack, body, respond) -> None:
        await ack()
        await follow_up(body, respond, undo=False)
