"""`/incident stats [period]`: the incident report with a chart, posted in the channel.

Posted in the channel, not ephemerally: the figures are for the team's regular look back
(each quarter against the one before it, incidents/analytics/metrics.py), and a chart needs
a file upload, which an ephemeral answer cannot carry. Because the figures cover every
client, they are never posted where a client can read them (a catalog client channel, or any
channel shared outside the workspace); and where the bot cannot post, the person gets the
figures privately, without the chart.
"""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.container import Runtime
from bot.slack.blocks.analytics import stats_message
from bot.slack.listeners.review import viewer_zone
from bot.slack.mrkdwn import escape
from bot.slack.subcommands import Invocation
from incidents.analytics import query as analytics_query
from incidents.analytics.metrics import Report
from incidents.analytics.periods import PERIOD_HELP, Period, PeriodError, parse_period

log = logging.getLogger(__name__)
USAGE = f"Usage: `/incident stats [period]`, with {PERIOD_HELP} (default: the last 90 days)."
CLIENT_CAN_SEE = ("These stats cover every client, and clients can read this channel. Run "
                  "`/incident stats` in an internal channel.")


def register(app: AsyncApp, runtime: Runtime) -> None:
    @runtime.subcommands.add("stats", usage="stats [30d|90d|2026-Q4]",
                             help="incident metrics for a period (default 90 days) with a chart, "
                             "posted in this channel")
    async def stats(call: Invocation) -> None:
        await post_stats(runtime, channel=call.channel, user=call.user, args=call.args,
                         reply=call.reply)


async def post_stats(runtime: Runtime, *, channel: str | None, user: str, args: str, reply) -> None:
    zone = await viewer_zone(runtime, user) or ZoneInfo("UTC")
    try:
        period = parse_period(args, now=runtime.now(), zone=zone)
    except PeriodError as exc:
        await reply(f"{escape(exc)} {USAGE}")
        return
    if channel is None or await _clients_can_see(runtime, channel):
        await reply(CLIENT_CAN_SEE)
        return
    try:
        report, png, alt = await asyncio.to_thread(_report_and_chart, runtime, period)
    except Exception:
        log.exception("stats for %s failed", period.label)
        await reply("I could not work out the stats; the bot's log has the details.")
        return
    text = stats_message(report, requested_by=user, command=f"/incident stats {args}".strip())
    try:
        await runtime.client.files_upload_v2(
            channel=channel, file=png, filename=f"incident-stats-{_slug(period)}.png",
            title=f"Incident stats, {period.label}", alt_txt=alt,
            initial_comment=text,
        )
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.info("stats not posted in %s: %s", channel, error)
        await reply(f"{text}\n\n_I could not post here ({error}), so only you see this, "
                    "without the chart. Invite me to the channel to share it._")


def _report_and_chart(runtime: Runtime, period: Period) -> tuple[Report, bytes, str]:
    from bot.charts.analytics import (  # matplotlib loads here, off the event loop
        alt_text,
        stats_chart,
    )

    report = analytics_query.report(runtime.engine, period=period, now=runtime.now())
    return report, stats_chart(report), alt_text(report)


def _slug(period: Period) -> str:
    return "".join(c if c.isalnum() else "-" for c in period.label.lower()).strip("-")


async def _clients_can_see(runtime: Runtime, channel: str) -> bool:
    client_channels = {c.channel for c in runtime.catalog.clients.values() if c.channel}
    if channel in client_channels:
        return True
    try:
        info = (await runtime.client.conversations_info(channel=channel))["channel"]
    except SlackApiError:
        return False  # a direct message, or a channel we cannot see: the upload will tell
    return bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared"))
