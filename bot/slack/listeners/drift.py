"""`/incident drift`: drift evidence for the incident's system, posted in its channel — a
short summary, a chart of the features that moved, and the full report as JSON — and
recorded in the timeline. Also installs the scheduled drift monitors (bot/jobs/drift.py).

Reading the data, the analysis and the chart take seconds: they run in a worker thread,
never on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.charts.drift import drift_chart
from bot.container import Runtime
from bot.slack.blocks.drift import drift_summary, headline
from bot.slack.mrkdwn import escape
from bot.slack.subcommands import Invocation
from incidents import timeline
from incidents.catalog.models import DataSources
from incidents.drift import DriftDataError, DriftReport
from incidents.drift.sources import (
    analyse_sources,
    display_source,
    load_sources,
    missing_sources,
    shown_error,
)
from incidents.models import Incident
from incidents.types import EventKind

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: Runtime) -> None:

    @runtime.subcommands.add(
        "drift", usage="drift", needs_incident=True,
        help="compare the system's reference and current data named in the catalog: "
             "summary, chart and full JSON report in this channel")
    async def drift(call: Invocation) -> None:
        await post_drift_report(runtime, incident=call.incident, user=call.user, reply=call.reply)


@dataclass(frozen=True)
class Evidence:
    report: DriftReport
    reference: str
    current: str
    chart: bytes | None
    document: bytes


async def post_drift_report(runtime: Runtime, *, incident: Incident, user: str, reply) -> None:
    system = runtime.catalog.systems.get(incident.system)
    if system is None:
        await reply(f"{escape(incident.system)} is not in the catalog, so there is no data "
                    "to compare.")
        return
    problem = missing_sources(incident.system, system.data)
    if problem:
        await reply(escape(problem))
        return
    label = runtime.system_label(incident.system)
    await reply(f"Comparing the current data of {escape(label)} with its reference data; this can "
                "take a few seconds.")
    now = runtime.now()
    base = runtime.catalog.source.parent if runtime.catalog.source else None
    try:
        evidence = await asyncio.to_thread(
            gather_evidence, system.data, system_key=incident.system, incident_id=incident.id,
            base=base, now=now)
    except DriftDataError as exc:
        await reply("The drift analysis could not read or compare the data: "
                    f"{escape(shown_error(exc, base))}")
        return
    except Exception:
        log.exception("drift analysis for incident %s failed", incident.id)
        await reply("The drift analysis failed unexpectedly; the bot's log has the details.")
        return

    text, blocks = drift_summary(system=label, report=evidence.report,
                                 reference=evidence.reference, current=evidence.current)
    try:
        posted = await runtime.client.chat_postMessage(
            channel=incident.channel_id, text=text, blocks=blocks, unfurl_links=False)
    except SlackApiError as exc:
        await reply(f"Could not post the drift report ({exc.response.get('error')}).")
        return
    files = await _upload(runtime, incident=incident, evidence=evidence, now=now, reply=reply)
    with runtime.session() as session:
        timeline.record(
            session, incident=session.get(Incident, incident.id), kind=EventKind.DRIFT_REPORT,
            now=runtime.now(), actor=user, text=f"Drift report: {headline(evidence.report)}",
            data={
                "verdict": evidence.report.verdict,
                "drifted": [c.column for c in evidence.report.drifted_columns],
                "signals": [{"signal": s.signal, "column": s.column, "summary": s.summary}
                            for s in evidence.report.findings()],
                "reference": evidence.reference,
                "current": evidence.current,
                "reference_rows": evidence.report.reference_rows,
                "current_rows": evidence.report.current_rows,
                "message_ts": posted.get("ts"),
                "files": files,
                # Kept whole so the evidence preserved before a model change holds it.
                "report": json.loads(evidence.document),
            },
        )


def gather_evidence(
    data: DataSources, *, system_key: str, incident_id: int, base: Path | None, now: datetime
) -> Evidence:
    """Load, analyse, draw and serialise: all the slow work, in one call for a thread."""
    loaded = load_sources(data, base=base)
    report = analyse_sources(data, loaded, base=base)
    reference = display_source(loaded.reference.source, base)
    current = display_source(loaded.current.source, base)
    chart = drift_chart(report, loaded.reference.columns, loaded.current.columns,
                        title=f"{system_key}: reference vs current")
    document = {
        "system": system_key,
        "incident": incident_id,
        "generated_at": now.isoformat(),
        "reference": reference,
        "current": current,
        **report.to_dict(),
    }
    body = json.dumps(document, indent=2, allow_nan=False).encode()
    return Evidence(report, reference, current, chart, body)


async def _upload(runtime: Runtime, *, incident: Incident, evidence: Evidence, now: datetime,
                  reply) -> list[str]:
    stem = f"incident-{incident.id}-drift-{now:%Y%m%d-%H%M}"
    uploads = []
    if evidence.chart is not None:
        uploads.append({
            "content": evidence.chart, "filename": f"{stem}.png",
            "title": f"Drift: reference vs current ({incident.system})",
            "alt_txt": "Distributions of the most drifted features, reference against current",
        })
    uploads.append({"content": evidence.document, "filename": f"{stem}.json",
                    "title": f"Full drift report ({incident.system})"})
    try:
        response = await runtime.client.files_upload_v2(
            channel=incident.channel_id, file_uploads=uploads,
            initial_comment="Chart and full drift report (JSON: every column, test, "
                            "threshold and finding).")
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else str(exc)
        log.warning("drift report upload for incident %s failed: %s", incident.id, error)
        await reply(f"The summary is posted, but the chart and JSON report could not be "
                    f"uploaded ({error}).")
        return []
    return [f.get("id") for f in response.get("files") or []]
