"""The registry behind `/incident <subcommand>`: each feature adds its own subcommands from
its listener module, and `help` lists exactly what is registered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.slack.commands_text import Command
from incidents.models import Incident


@dataclass
class Invocation:
    """One `/incident …` call, with the incident implied by the channel when there is one."""

    runtime: Any
    body: dict
    command: Command
    respond: Callable[..., Awaitable[Any]]
    client: Any
    incident: Incident | None = None

    @property
    def user(self) -> str:
        return self.body["user_id"]

    @property
    def channel(self) -> str | None:
        return self.body.get("channel_id")

    @property
    def args(self) -> str:
        return self.command.args

    async def reply(self, text: str, **extra: Any) -> None:
        """An ephemeral answer only the person who typed the command sees."""
        await self.respond(response_type="ephemeral", text=text, **extra)

    async def open_modal(self, view: Any) -> None:
        await self.client.views_open(trigger_id=self.body["trigger_id"], view=view)


Handler = Callable[[Invocation], Awaitable[None]]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    help: str
    handler: Handler
    needs_incident: bool
    members_only: bool


@dataclass
class Subcommands:
    entries: dict[str, Subcommand] = field(default_factory=dict)

    def add(
        self,
        name: str,
        *,
        usage: str,
        help: str,
        needs_incident: bool = False,
        members_only: bool | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register a handler; incident commands are for channel members unless told otherwise."""

        def decorate(handler: Handler) -> Handler:
            self.entries[name] = Subcommand(
                name=name,
                usage=usage,
                help=help,
                handler=handler,
                needs_incident=needs_incident,
                members_only=needs_incident if members_only is None else members_only,
            )
            return handler

        return decorate

    def get(self, name: str) -> Subcommand | None:
        return self.entries.get(name)

    def help_text(self, prefix: str = "") -> str:
        lines = [f"• `/incident {e.usage}`: {e.help}" for e in self.entries.values()]
        intro = f"{prefix}\n" if prefix else ""
        return (
            f"{intro}*incidentbot commands*\n" + "\n".join(lines)
            + "\nInside an incident channel the incident is implied."
        )
