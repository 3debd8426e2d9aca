"""Every kind of outbox work has exactly one delivery, found in bot/slack/deliveries, and
enqueueing goes through the outbox's public functions only."""

import re
from pathlib import Path

from bot.slack import deliveries
from incidents.outbox import Kind

ROOT = Path(__file__).parents[2]


def test_every_kind_has_one_delivery_in_the_deliveries_package():
    handlers = deliveries.handlers()
    assert set(handlers) == {str(kind) for kind in Kind}
    for module in deliveries.MODULES:
        assert module.__name__.startswith("bot.slack.deliveries.")
    owners = [kind for module in deliveries.MODULES for kind in module.HANDLERS]
    assert len(owners) == len(set(owners))


def test_nothing_outside_the_outbox_calls_its_private_helper_or_registers_deliveries():
    offenders = []
    for path in [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("incidents").rglob("*.py")]:
        text = path.read_text()
        if path.name != "outbox.py" and re.search(r"outbox\._add\b|outbox_handlers", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
