"""Mitigations in Slack: `/incident mitigate`, the menu's confirmed buttons, the threshold
form, Retry after a failure, and the message that reports each result in the channel."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.outbound.mitigation import call_action, target_of
from bot.slack.blocks.mitigation import menu_blocks, threshold_modal
from bot.slack.deliveries.registry import preserve_before
from bot.slack.ids import Action, Field, ViewId
from bot.slack.listeners import context
from bot.slack.listeners import registry as model_rollback
from bot.slack.subcommands import Invocation
from incidents import timeline
from incidents.models import Incident
from incidents.regulatory import evidence
from incidents.triage import mitigation_log
from incidents.triage.mitigation import Mitigation, describe, parse_threshold, request_body


def _targets(runtime: Runtime, incident: Incident) -> dict[Mitigation, str | None]:
    system = runtime.catalog.systems.get(incident.system)
    actions = system.actions if system else {}
    return {m: target_of(actions[m]) if m in actions else None for m in Mitigation}


def _parameters(parts: list[str]) -> dict[str, float]:
    """Threshold and previous threshold as carried by a Retry button's value."""
    names = ("threshold", "previous")
    return {name: float(part) for name, part in zip(names, parts, strict=False) if part}


def register(app: AsyncApp, runtime: Runtime) -> None:
    running: set[tuple[int, str]] = set()  # a double click must not roll back twice

    def menu(incident: Incident):
        system = runtime.catalog.systems.get(incident.system)
        return menu_blocks(incident_id=incident.id,
                           system_label=runtime.system_label(incident.system),
                           targets=_targets(runtime, incident),
                           model_target=model_rollback.model_target(runtime, incident),
                           preserved=frozenset(m for m in evidence.ALTERS_MODEL
                                               if evidence.required(system, m)))

    async def run(*, incident_id: int, mitigation: Mitigation, parameters: dict, user: str,
                  tell: context.Tell, by_hand: bool = False) -> None:
        incident, refusal = await context.authorise(runtime, incident_id, user)
        if refusal:
            await tell(refusal)
            return
        try:
            mitigation_log.check_can_mitigate(incident)
        except timeline.Refused as refused:
            await tell(str(refused))
            return
        key = (incident_id, str(mitigation))
        if key in running:
            await tell(f"{describe(mitigation, parameters)} is already under way; its result "
                       "will be posted in the channel.")
            return
        system = runtime.catalog.systems.get(incident.system)
        action = system.actions.get(str(mitigation)) if system else None
        running.add(key)
        try:
            result = None
            # Stored before the call, or before a person's change is recorded; "done by
            # hand" follows a failed call, whose evidence was kept before it.
            if evidence.required(system, mitigation) and not by_hand:
                await preserve_before(runtime, incident_id=incident_id, system=system,
                                      before=describe(mitigation, parameters), actor=user)
            if action is not None and not by_hand:  # by hand: recorded as a manual step
                result = await call_action(action, request_body(
                    incident_id=incident_id, system=incident.system, mitigation=mitigation,
                    parameters=parameters, requested_by=user,
                ))
            with runtime.session() as session:
                mitigation_log.record_mitigation(
                    session, incident=session.get(Incident, incident_id), mitigation=mitigation,
                    parameters=parameters, result=result, actor=user, now=runtime.now(),
                )
        finally:
            running.discard(key)

    @runtime.subcommands.add("mitigate", usage="mitigate", needs_incident=True,
                             help="roll back, fall back to rules, route to human review or adjust "
                              "the threshold")
    async def mitigate_command(call: Invocation) -> None:
        text, blocks = menu(call.incident)
        await call.reply(text, blocks=blocks)

    @app.action(Action.MITIGATE_MENU)
    async def menu_button(ack, body, respond) -> None:
        await ack()
        incident_id, _ = context.clicked(body)
        tell = context.teller(respond)
        incident, refusal = await context.authorise(runtime, incident_id, body["user"]["id"])
        if refusal:
            await tell(refusal)
            return
        text, blocks = menu(incident)
        await context.say(respond, text, blocks=blocks)

    @app.action(Action.MITIGATE)
    async def mitigate(ack, body, respond, client) -> None:
        await ack()
        incident_id, (name, *_) = context.clicked(body)
        mitigation = Mitigation(name)
        user = body["user"]["id"]
        if mitigation == Mitigation.ROLLBACK:
            incident, refusal = await context.authorise(runtime, incident_id, user)
            if refusal:
                await context.say(respond, refusal)
                return
            if model_rollback.model_target(runtime, incident):  # a registry: choose the version
                try:
                    mitigation_log.check_can_mitigate(incident)
                except timeline.Refused as refused:
                    await context.say(respond, str(refused))
                    return
                await model_rollback.open_form(runtime, client, trigger_id=body["trigger_id"],
                                               incident=incident)
                return
        if mitigation == Mitigation.THRESHOLD:
            incident, refusal = await context.authorise(runtime, incident_id, user)
            if refusal:
                await context.say(respond, refusal)
                return
            await client.views_open(trigger_id=body["trigger_id"], view=threshold_modal(
                incident_id=incident_id, system_label=runtime.system_label(incident.system),
                target=_targets(runtime, incident)[mitigation],
                preserved=model_rollback.what_is_preserved(runtime, incident),
            ))
            return
        await run(incident_id=incident_id, mitigation=mitigation, parameters={}, user=user,
                  tell=context.teller(respond))

    async def again(body, respond, *, by_hand: bool) -> None:
        """A failed mitigation's buttons: try the call again, or record it done by hand."""
        incident_id, (name, *rest) = context.clicked(body)
        await run(incident_id=incident_id, mitigation=Mitigation(name),
                  parameters=_parameters(rest), user=body["user"]["id"],
                  tell=context.teller(respond), by_hand=by_hand)

    @app.action(Action.MITIGATE_RETRY)
    async def retry(ack, body, respond) -> None:
        await ack()
        await again(body, respond, by_hand=False)

    @app.action(Action.MITIGATE_BY_HAND)
    async def by_hand(ack, body, respond) -> None:
        await ack()
        await again(body, respond, by_hand=True)

    model_rollback.register(
        app, runtime, lambda incident_id, user: _ephemeral_in_channel(runtime, incident_id, user))

    @app.view(ViewId.THRESHOLD)
    async def threshold(ack, body, view) -> None:
        values = context.view_values(view)
        raw, raw_previous = values.get(Field.THRESHOLD), values.get(Field.PREVIOUS_THRESHOLD)
        new, previous = parse_threshold(raw), parse_threshold(raw_previous)
        errors = {}
        if new is None:
            errors[Field.THRESHOLD] = "Give the new threshold as a number, for example 0.7."
        if raw_previous and previous is None:
            errors[Field.PREVIOUS_THRESHOLD] = "Give the current threshold as a number."
        if not await context.accepted(ack, errors):
            return
        user = body["user"]["id"]
        incident_id = context.view_incident_id(view)
        parameters = {"threshold": new} | ({"previous": previous} if previous is not None else {})
        await run(incident_id=incident_id, mitigation=Mitigation.THRESHOLD,
                  parameters=parameters, user=user, tell=_ephemeral_in_channel(runtime, incident_id,
                                                                               user))


def _ephemeral_in_channel(runtime: Runtime, incident_id: int, user: str) -> context.Tell:
    """A modal has no response_url: refusals go to the person inside the incident channel."""

    async def tell(text: str) -> None:
        incident = context.incident_by_id(runtime, incident_id)
        if incident is None or incident.channel_id is None:
            return
        try:
            await runtime.client.chat_postEphemeral(channel=incident.channel_id, user=user,
                                                    text=text)
        except SlackApiError:  # not in the channel (any more): a direct message instead
            await context.dm(runtime, user)(text=text)

    return tell
