"""One module per Slack surface, each with `register(app, bot)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.container import Bot
from bot.slack.listeners import actions, commands, events, shortcuts, views


def register_all(app: AsyncApp, bot: Bot) -> None:
    for module in (commands, actions, views, events, shortcuts):
        module.register(app, bot)
