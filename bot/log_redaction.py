"""No secret in a log line: the bot's tokens, the catalog's credential headers (and the
values of their `${VAR}`s) and anything shaped like a credential are replaced by
`[redacted]` (incidents/redaction.py) in every message and traceback the process writes.

The bot's own error lines say what failed in a few words; a traceback from a library
(aiohttp, slack_sdk, a database driver) can quote a URL with its password or an
`Authorization` header, so the filter sits on the handlers, where every logger's records
pass, not on the bot's loggers alone.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from bot.settings import Settings
from incidents.catalog import Catalog
from incidents.redaction import redact, secrets_of


def process_secrets(settings: Settings, catalog: Catalog) -> set[str]:
    """The Slack and alert tokens, and the catalog's credential header values."""
    configured = [secret.get_secret_value() for secret in (
        settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token,
        settings.alert_webhook_token) if secret]
    headers = [value for system in catalog.systems.values()
               for source in (*system.actions.values(), system.model) if source
               for value in source.headers.values()]
    return {*configured, *secrets_of(headers, os.environ)}


def redactor(settings: Settings, catalog: Catalog) -> Callable[[object], str]:
    def without_secrets(text: object) -> str:
        return redact(str(text), secrets=process_secrets(settings, catalog))

    return without_secrets


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and traceback without secrets; lets every record pass."""

    def __init__(self, without_secrets: Callable[[object], str]) -> None:
        super().__init__()
        self.without_secrets = without_secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.without_secrets(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.without_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = self.without_secrets(record.stack_info)
        return True


def redact_logs(without_secrets: Callable[[object], str]) -> None:
    """Every handler of the root logger redacts from now on (the CLI's serve and sandbox)."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter(without_secrets))
