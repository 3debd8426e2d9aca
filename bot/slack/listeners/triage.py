"""Triage and runbooks in Slack: `/incident triage`, `/incident runbook`, the checklist's
answer buttons, applying the proposed severity, and ticking runbook steps.

Answers and ticks are stored first; the messages showing them are re-rendered from the
database by outbox handlers, so a Slack hiccup delays an update but never loses it.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from jinja2 import Environment, TemplateError
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.container import Bot
from bot.slack.blocks.runbook import runbook_blocks, runbook_list_blocks
from bot.slack.blocks.triage import Opening, checklist_blocks, emergency_blocks
from bot.slack.ids import Action, decode
from bot.slack.listeners import context
from bot.slack.listeners.changes import apply_change
from bot.slack.mrkdwn import escape
from bot.slack.subcommands import Invocation
from incidents import response, runbooks, service, triage
from incidents.models import Incident, Outbox
from incidents.templating import make_environment
from incidents.types import Severity

log = logging.getLogger(__name__)
REPLACED_CHECKLIST = ("This triage checklist was replaced by a newer one further down the "
                      "channel; answer there.")


def _value(body: dict) -> str:
    return body["actions"][0].get("value", "")


def _channel(body: dict) -> str | None:
    return (body.get("channel") or {}).get("id")


def _message_ref(body: dict) -> dict[str, str]:
    """The clicked message, so its re-render updates it in place (not for ephemerals)."""
    container = body.get("container") or {}
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return {}
    return {"channel": container["channel_id"], "ts": container["message_ts"]}


async def _say(respond, text: str) -> None:
    await respond(response_type="ephemeral", replace_original=False, text=text)


def outcome_for(bot: Bot, incident: Incident, answers: dict[str, response.Answer],
                signal: str | None) -> triage.Outcome | None:
    system = bot.catalog.systems.get(incident.system)
    return triage.assess(
        {key: a.value for key, a in answers.items()},
        signal=signal,
        criticality=system.criticality if system else "standard",
    )


class Runbooks:
    """Renders runbooks for an incident's system through the one template environment."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._env: Environment | None = None

    @property
    def env(self) -> Environment:
        if self._env is None:
            self._env = make_environment(self.bot.catalog.templates_dir)
        return self._env

    def names(self, incident: Incident) -> list[str]:
        return runbooks.available(self.bot.catalog.systems.get(incident.system))

    def load(self, incident: Incident, name: str) -> runbooks.Runbook:
        """Raises UnknownRunbook, or TemplateError/OSError for a broken override."""
        if name not in self.names(incident):
            raise runbooks.UnknownRunbook(name)
        system = self.bot.catalog.systems.get(incident.system)
        client = self.bot.catalog.client_for(incident.system)
        ctx = runbooks.template_context(incident=incident, system_key=incident.system,
                                        system=system, client_name=client.name if client else None)
        return runbooks.render(name, env=self.env, system=system, context=ctx)

    def find(self, incident: Incident, text: str) -> str | None:
        """A runbook by name, or by words of its title ("emergency rollback")."""
        words = text.lower().replace("_", " ").split()
        for name in self.names(incident):
            known = f"{name} {runbooks.title(name)}".lower().replace("_", " ").split()
            if name == text.strip() or (words and all(
                any(k.startswith(w) for k in known) for w in words
            )):
                return name
        return None


def register(app: AsyncApp, bot: Bot) -> None:
    books = Runbooks(bot)
    bot.outbox_handlers[response.TRIAGE_MESSAGE] = _post_checklist
    bot.outbox_handlers[response.RUNBOOK_MESSAGE] = lambda b, item: _post_runbook(books, b, item)
    bot.outbox_handlers[triage.EMERGENCY_MESSAGE] = _post_emergency

    async def checklist(incident_id: int, user: str, respond) -> None:
        await apply_change(bot, incident_id=incident_id, user=user, channel=None, respond=respond,
                           change=lambda s, inc, now: response.post_checklist(s, incident=inc))

    async def open_runbook(incident_id: int, name: str, user: str, respond) -> None:
        incident, refusal = await context.authorise(bot, incident_id, user)
        if refusal:
            await _say(respond, refusal)
            return
        try:
            book = books.load(incident, name)
        except runbooks.UnknownRunbook:
            await _say(respond, f"There is no runbook `{escape(name)}` for "
                       f"{escape(incident.system)}.")
            return
        except (TemplateError, OSError) as exc:
            await _say(respond, f"The runbook `{escape(name)}` could not be rendered: "
                       f"{escape(exc)}")
            return
        await apply_change(
            bot, incident_id=incident_id, user=user, channel=None, respond=respond,
            change=lambda s, inc, now: response.open_runbook(
                s, incident=inc, runbook=name, title=book.title, actor=user, now=now),
        )

    def list_blocks(incident: Incident):
        with bot.session() as session:
            answers = response.triage_answers(session, incident.id)
            alert, _ = response.opening_alert(session, incident.id)
        outcome = outcome_for(bot, incident, answers, alert.signal if alert else None)
        names = books.names(incident)
        return runbook_list_blocks(
            incident_id=incident.id, runbooks=[(n, runbooks.title(n)) for n in names],
            suggested=outcome.runbook if outcome else None,
        )

    @bot.subcommands.add("triage", usage="triage", needs_incident=True,
                         help="post the triage checklist; its answers propose severity, "
                              "immediate action, likely cause and runbook")
    async def triage_command(call: Invocation) -> None:
        await checklist(call.incident.id, call.user, call.respond)

    @bot.subcommands.add("runbook", usage="runbook [name]", needs_incident=True,
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
        incident_id, _ = decode(_value(body))
        await checklist(incident_id, body["user"]["id"], respond)

    @app.action(re.compile(rf"^{re.escape(Action.TRIAGE_ANSWER)}:"))
    async def answer(ack, body, respond) -> None:
        await ack()
        incident_id, parts = decode(_value(body))
        if len(parts) != 2:
            return
        item, value = parts
        user = body["user"]["id"]
        await apply_change(
            bot, incident_id=incident_id, user=user, channel=_channel(body), respond=respond,
            change=lambda s, inc, now: response.answer_triage(
                s, incident=inc, item=item, answer=value, actor=user, now=now,
                message=_message_ref(body)),
        )

    @app.action(Action.TRIAGE_APPLY)
    async def apply_severity(ack, body, respond) -> None:
        await ack()
        incident_id, (level,) = decode(_value(body))
        user = body["user"]["id"]

        def change(session, incident, now) -> None:
            service.change_severity(session, incident=incident, severity=Severity(int(level)),
                                    actor=user, now=now, policy=bot.catalog.policy,
                                    catalog=bot.catalog)
            response.refresh_checklist(session, incident=incident, message=_message_ref(body))

        await apply_change(bot, incident_id=incident_id, user=user, channel=_channel(body),
                           respond=respond, change=change)

    @app.action(Action.RUNBOOKS)
    async def runbooks_button(ack, body, respond) -> None:
        await ack()
        incident_id, _ = decode(_value(body))
        incident, refusal = await context.authorise(bot, incident_id, body["user"]["id"],
                                                    change=False)
        if refusal:
            await _say(respond, refusal)
        else:
            text, blocks = list_blocks(incident)
            await respond(response_type="ephemeral", replace_original=False, text=text,
                          blocks=blocks)

    @app.action(Action.RUNBOOK_OPEN)
    async def runbook_button(ack, body, respond) -> None:
        await ack()
        incident_id, (name, *_) = decode(_value(body))
        await open_runbook(incident_id, name, body["user"]["id"], respond)

    @app.action(Action.RUNBOOK_TICK)
    async def tick(ack, body, respond) -> None:
        await ack()
        incident_id, (name, number, done) = decode(_value(body))
        incident, refusal = await context.authorise(bot, incident_id, body["user"]["id"])
        if refusal:
            await _say(respond, refusal)
            return
        try:
            book = books.load(incident, name)
        except (runbooks.UnknownRunbook, TemplateError, OSError):
            await _say(respond, f"The runbook `{escape(name)}` is no longer available.")
            return
        step = book.step(int(number))
        if step is None:
            await _say(respond, "That step is no longer in the runbook; open it again.")
            return
        user = body["user"]["id"]
        await apply_change(
            bot, incident_id=incident_id, user=user, channel=_channel(body), respond=respond,
            change=lambda s, inc, now: response.tick_runbook_step(
                s, incident=inc, runbook=name, title=book.title, step=step, done=done == "1",
                actor=user, now=now, message=_message_ref(body)),
        )


async def _post_checklist(bot: Bot, item: Outbox) -> None:
    with bot.session() as session:
        incident = session.get(Incident, item.incident_id)
        answers = response.triage_answers(session, incident.id)
        alert, count = response.opening_alert(session, incident.id)
    if incident.channel_id is None:
        raise RuntimeError("the incident has no channel yet")
    text, blocks = checklist_blocks(
        incident_id=incident.id,
        severity=incident.severity,
        answers=answers,
        opening=Opening(alert=alert, alert_count=count, declared_by=incident.declared_by,
                        declared_at=incident.created_at),
        outcome=outcome_for(bot, incident, answers, alert.signal if alert else None),
        open_=incident.status_enum.is_open,
    )
    if item.payload.get("ts"):
        await _post_or_update(bot, incident, item.payload, text, blocks)
        return
    posted = await bot.client.chat_postMessage(channel=incident.channel_id, text=text,
                                               blocks=blocks, unfurl_links=False)
    with bot.session() as session:
        stored = session.get(Incident, incident.id)
        previous, stored.checklist_ts = stored.checklist_ts, posted["ts"]
    if previous and previous != posted["ts"]:
        # The older copy would keep showing answers as they were, with live buttons.
        try:
            await bot.client.chat_update(channel=incident.channel_id, ts=previous,
                                         text=REPLACED_CHECKLIST, blocks=[])
        except SlackApiError as exc:  # deleted meanwhile, say; failing would post again
            log.warning("could not retire checklist %s of incident %s: %s", previous,
                        incident.id, exc.response.get("error"))


async def _post_runbook(books: Runbooks, bot: Bot, item: Outbox) -> None:
    name = item.payload["runbook"]
    with bot.session() as session:
        incident = session.get(Incident, item.incident_id)
        ticks = response.runbook_ticks(session, incident.id, name)
    if incident.channel_id is None:
        raise RuntimeError("the incident has no channel yet")
    try:
        book = books.load(incident, name)
    except (runbooks.UnknownRunbook, TemplateError, OSError) as exc:
        # Retrying cannot fix a broken template; say so instead of blocking the channel.
        log.warning("runbook %s for incident %s failed to render: %s", name, incident.id, exc)
        await bot.client.chat_postMessage(
            channel=incident.channel_id,
            text=f"The runbook `{escape(name)}` could not be rendered: {escape(exc)}",
        )
        return
    text, blocks = runbook_blocks(incident_id=incident.id, runbook=book, ticks=ticks,
                                  open_=incident.status not in ("closed", "declined", "merged"))
    await _post_or_update(bot, incident, item.payload, text, blocks)


async def _post_emergency(bot: Bot, item: Outbox) -> None:
    with bot.session() as session:
        incident = session.get(Incident, item.incident_id)
    if incident.channel_id is None:
        raise RuntimeError("the incident has no channel yet")
    if incident.severity != Severity.SEV1 or not incident.status_enum.is_open:
        return  # lowered or ended before we got here: no call to arms
    text, blocks = emergency_blocks(
        incident_id=incident.id, system_label=bot.system_label(incident.system),
        at=datetime.fromisoformat(item.payload["at"]) if item.payload.get("at") else bot.now(),
    )
    await bot.client.chat_postMessage(channel=incident.channel_id, text=text, blocks=blocks,
                                      unfurl_links=False)


async def _post_or_update(bot: Bot, incident: Incident, payload: dict, text: str,
                          blocks: list) -> None:
    if payload.get("ts"):
        await bot.client.chat_update(channel=payload.get("channel") or incident.channel_id,
                                     ts=payload["ts"], text=text, blocks=blocks)
    else:
        await bot.client.chat_postMessage(channel=incident.channel_id, text=text, blocks=blocks,
                                          unfurl_links=False)
