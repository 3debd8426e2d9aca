"""One module per Slack surface, each with `register(app, bot)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack.early_ack import EarlyAckApp
from bot.slack.listeners import (
    actions,
    analytics,
    comms,
    deadlines,
    declare,
    drift,
    drills,
    events,
    findings,
    lifecycle,
    oncall,
    regulatory,
    review,
    shortcuts,
    triage,
)
from bot.slack.listeners import (
    mitigation as mitigate,
)


def register_all(app: AsyncApp, runtime: Runtime) -> None:
    app = EarlyAckApp(app, runtime.spawn)
    for module in (
        lifecycle,
        actions,
        declare,
        events,
        shortcuts,
        deadlines,
        oncall,
        triage,
        mitigate,
        comms,
        review,
        regulatory,
        drills,
        drift,
        findings,
        analytics,
    ):
        module.register(app, runtime)
