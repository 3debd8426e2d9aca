"""Triage and runbooks in Slack: `/incident triage`, `/incident runbook`, the checklist's
answer buttons, applying the proposed severity, and ticking runbook steps.

Answers and ticks are stored first; the messages showing them are re-rendered from the
database by outbox handlers, so a Slack hiccup delays an update but never loses it.
"""

from __future__ import annotations

import logging
import re

from jinja2 import TemplateError
from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack.blocks.runbooks import runbook_list_blocks
from bot.slack.deliveries.registry import preserve_before
from bot.slack.ids import Action
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from bot.slack.mrkdwn import escape
from bot.slack.runbooks import Runbooks
from bot.slack.subcommands import Invocation
from incidents.lifecycle import changes as lifecycle
from incidents.models import Incident
from incidents.regulatory import evidence
from incidents.triage import checklist, proposal, runbook_steps, runbooks
from incidents.types import Severity

log = logging.getLogger(__name__)


def _message_ref(body: dict) -> dict[str, str]:
    """The clicked message, so its re-render updates it in place (not for ephemerals)."""
    container = body.get("container") or {}
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return {}
    return {"channel": container["channel_id"], "ts": container["message_ts"]}


def register(app: AsyncApp, runtime: Runtime) -> None:
    books = Runbooks(runtime)

    async def post_checklist(incident_id: int, user: str, respond) -> None:
        await apply_change(runtime, incident_id=incident_id, user=user, respond=respond,
                           change=lambda s, inc, now: checklist.post_checklist(s, incident=inc))

    async def open_runbook(incident_id: int, name: str, user: str, respond) -> None:
        incident, refusal = await context.authorise(runtime, incident_id, user)
        if refusal:
            await context.say(respond, refusal)
            return
        try:
            book = books.load(incident, name)
        except runbooks.UnknownRunbook:
            await context.say(respond, f"There is no runbook `{escape(name)}` for "
                              f"{escape(incident.system)}.")
            return
        except (TemplateError, OSError) as exc:
            await context.say(respond, f"The runbook `{escape(name)}` could not be rendered: "
                              f"{escape(exc)}")
            return
        opened = await apply_change(
            runtime, incident_id=incident_id, user=user, respond=respond,
            change=lambda s, inc, now: runbook_steps.open_runbook(
                s, incident=inc, runbook=name, title=book.title, actor=user, now=now),
        )
        system = runtime.catalog.systems.get(incident.system)
        with runtime.session() as session:
            first = opened and evidence.preserve_first(session, system, incident_id, name)
        if first:  # before any of its steps changes the model
            await preserve_before(
                runtime, incident_id=incident_id, system=system, actor=user, runbook=name,
                before=f"{book.title} (runbook opened; its steps change the model)")

    def list_blocks(incident: Incident):
        system = runtime.catalog.systems.get(incident.system)
        names = books.names(incident)
        with runtime.session() as session:
            answers = checklist.triage_answers(session, incident.id)
            alert, _ = checklist.opening_alert(session, incident.id)
            kept = frozenset(n for n in names
                             if evidence.preserve_first(session, system, incident.id, n))
        outcome = proposal.proposal_for(answers, signal=alert.signal if alert else None,
                                        system=system)
        return runbook_list_blocks(
            incident_id=incident.id, runbooks=[(n, runbooks.title(n)) for n in names],
            suggested=outcome.runbook if outcome else None, preserve_first=kept,
        )

    @runtime.subcommands.add("triage", usage="triage", needs_incident=True,
                             help="post the triage checklist; its answers propose severity, "
                              "immediate action, likely cause and runbook")
    async def triage_command(call: Invocation) -> None:
        await post_checklist(call.incident.id, call.user, call.respond)

    @runtime.subcommands.add("runbook", usage="runbook [name]", needs_incident=True,
                             help="list the runbooks, or post one as a checklist")
    async def runbook_command(call: Invocation) -> None:
        if not call.args:
            text, blocks = list_blocks(call.incident)
            await call.reply(text, blocks=blocks)
            return
        name = books.find(call.incident, call.args)
        if name is None:
            names = ", ".join(f"`{n}`" for n in books.names(call.incident))
            await call.reply(f"No runbook matches `{escape(call.args)}`. Runbooks: {names}.")
            return
        await open_runbook(call.incident.id, name, call.user, call.respond)

    @app.action(Action.TRIAGE)
    async def triage_button(ack, body, respond) -> None:
        await ack()
        incident_id, _ = context.clicked(body)
        await post_checklist(incident_id, body["user"]["id"], respond)

    @app.action(re.compile(rf"^{re.escape(Action.TRIAGE_ANSWER)}:"))
    async def answer(ack, body, respond) -> None:
        await ack()
        incident_id, parts = context.clicked(body)
        if len(parts) != 2:
            return
        item, value = parts
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=incident_id, user=user, respond=respond,
            change=lambda s, inc, now: checklist.answer_triage(
                s, incident=inc, item=item, answer=value, actor=user, now=now,
                message=_message_ref(body)),
        )

    @app.action(Action.TRIAGE_APPLY)
    async def apply_severity(ack, body, respond) -> None:
        await ack()
        incident_id, (level,) = context.clicked(body)
        user = body["user"]["id"]

        def change(session, incident, now) -> None:
            lifecycle.change_severity(session, incident=incident, severity=Severity(int(level)),
                                    actor=user, now=now, policy=runtime.catalog.policy,
                                    catalog=runtime.catalog)
            checklist.refresh_checklist(session, incident=incident, message=_message_ref(body))

        await apply_change(runtime, incident_id=incident_id, user=user, respond=respond,
                           change=change)

    @app.action(Action.RUNBOOKS)
    async def runbooks_button(ack, body, respond) -> None:
        await ack()
        incident_id, _ = context.clicked(body)
        incident, refusal = await context.authorise(runtime, incident_id, body["user"]["id"],
                                                    change=False)
        if refusal:
            await context.say(respond, refusal)
        else:
            text, blocks = list_blocks(incident)
            await context.say(respond, text, blocks=blocks)

    @app.action(Action.RUNBOOK_OPEN)
    async def runbook_button(ack, body, respond) -> None:
        await ack()
        incident_id, (name, *_) = context.clicked(body)
        await open_runbook(incident_id, name, body["user"]["id"], respond)

    @app.action(Action.RUNBOOK_TICK)
    async def tick(ack, body, respond) -> None:
        await ack()
        incident_id, (name, number, done) = context.clicked(body)
        incident, refusal = await context.authorise(runtime, incident_id, body["user"]["id"])
        if refusal:
            await context.say(respond, refusal)
            return
        try:
            book = books.load(incident, name)
        except (runbooks.UnknownRunbook, TemplateError, OSError):
            await context.say(respond, f"The runbook `{escape(name)}` is no longer available.")
            return
        step = book.step(int(number))
        if step is None:
            await context.say(respond, "That step is no longer in the runbook; open it again.")
            return
        user = body["user"]["id"]
        await apply_change(
            runtime, incident_id=incident_id, user=user, respond=respond,
            change=lambda s, inc, now: runbook_steps.tick_runbook_step(
                s, incident=inc, runbook=name, title=book.title, step=step, done=done == "1",
                actor=user, now=now, message=_message_ref(body)),
        )
