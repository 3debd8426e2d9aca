"""The app's listeners, one module per feature (the feature names of incidents/), each with
`register(app, runtime)`. The order is the order `/incident help` lists subcommands in."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.container import Runtime
from bot.slack.early_ack import EarlyAckApp
from bot.slack.listeners import (
    analytics,
    comms,
    deadlines,
    declare,
    drift,
    drills,
    findings,
    incident_command,
    lifecycle,
    mitigation,
    oncall,
    regulatory,
    review,
    timeline,
    triage,
)


def register_all(app: AsyncApp, runtime: Runtime) -> None:
    app = EarlyAckApp(app, runtime.spawn)
    for module in (
        declare,
        lifecycle,
        incident_command,
        timeline,
        deadlines,
        oncall,
        triage,
        mitigation,
        comms,
        review,
        regulatory,
        drills,
        drift,
        findings,
        analytics,
    ):
        module.register(app, runtime)
