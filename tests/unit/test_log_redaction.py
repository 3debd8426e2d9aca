"""No secret in a log line: what `serve` and `sandbox` log, messages and tracebacks alike,
loses the bot's tokens, the catalog's credentials and anything shaped like a credential
(bot/log_redaction.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.cli.commands import _logging
from bot.log_redaction import RedactingFilter
from bot.settings import Settings
from incidents.catalog import load_catalog

EXAMPLE = Path(__file__).parents[2] / "examples" / "incidentbot.yml"
BOT_TOKEN = "xoxb-1111-2222-abcdefghijkl"


@pytest.fixture
def redacted_logs(monkeypatch):
    """The CLI's logging set-up, as `serve` runs it; its filters are taken off afterwards
    (pytest's own handlers are the root's handlers here and outlive the test)."""
    monkeypatch.setenv("MLOPS_TOKEN", "mlops-secret-4242")  # the example's action header
    settings = Settings(slack_bot_token=SecretStr(BOT_TOKEN), database_url="sqlite://")
    _logging(False, settings, load_catalog(EXAMPLE))
    yield
    for handler in logging.getLogger().handlers:
        for found in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(found)


def test_messages_and_tracebacks_lose_every_secret(redacted_logs, caplog):
    log = logging.getLogger("aiohttp.client")  # a library's logger, not the bot's
    log.warning("auth.test answered invalid_auth for %s", BOT_TOKEN)
    try:
        raise ConnectionError("cannot reach postgresql://bot:hunter22@db.internal/incidents "
                              "with mlops-secret-4242")
    except ConnectionError:
        logging.getLogger("bot.jobs").exception("drift monitor failed")

    text = caplog.text
    for secret in (BOT_TOKEN, "hunter22", "mlops-secret-4242"):
        assert secret not in text
    assert "invalid_auth for [redacted]" in text
    assert "ConnectionError: cannot reach postgresql://bot:[redacted]@db.internal" in text
    assert "drift monitor failed" in text


def test_without_a_secret_a_line_is_unchanged(redacted_logs, caplog):
    logging.getLogger("bot").warning("outbox item %s (%s) failed: %s", 7, "sync", "timeout")
    assert "outbox item 7 (sync) failed: timeout" in caplog.text
