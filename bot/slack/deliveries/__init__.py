"""Every outbox delivery, one module per feature, each exporting `HANDLERS` (kind → handler).
`create_app` wires them into the worker through `handlers()`: the one place to see what
reaches Slack and how."""

from __future__ import annotations

from bot.slack.deliveries import (
    alerts,
    announcements,
    comms,
    deadlines,
    drills,
    mitigation,
    oncall,
    registry,
    regulatory,
    sync,
    triage,
)
from bot.slack.deliveries.posting import Handler
from incidents.outbox import Kind

MODULES = (sync, announcements, alerts, deadlines, oncall, triage, mitigation, comms, drills,
           registry, regulatory)


def handlers() -> dict[str, Handler]:
    merged: dict[str, Handler] = {}
    for module in MODULES:
        for kind, handler in module.HANDLERS.items():
            if kind in merged:
                raise RuntimeError(f"two deliveries for outbox kind {kind}")
            merged[str(kind)] = handler
    missing = {str(kind) for kind in Kind} - set(merged)
    if missing:  # queued work nobody could deliver would wait forever
        raise RuntimeError(f"no delivery for outbox kinds {sorted(missing)}")
    return merged
