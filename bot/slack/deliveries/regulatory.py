"""Regulatory reporting messages in the incident channel: what an assessment or a
submission did to the clocks, drafted reports, and the reports' reminders."""

from __future__ import annotations

from bot.container import Runtime
from bot.slack.blocks.regulatory import (
    assessment_headline,
    change_lines,
    clocks_message,
    draft_message,
    reminder,
)
from bot.slack.deliveries.posting import channel_of, post_once
from bot.slack.mrkdwn import escape, user
from incidents.models import Deadline, Incident, Outbox
from incidents.outbox import Kind
from incidents.regulatory import (
    assessment as regulatory,
)
from incidents.regulatory import (
    clocks as regulatory_clocks,
)
from incidents.regulatory import (
    policy as regulatory_policy,
)
from incidents.regulatory.clocks import TITLES
from incidents.regulatory.models import ReportabilityAssessment
from incidents.types import DeadlineKind


def duties(runtime: Runtime, system_key: str) -> str:
    """"EU AI Act (provider), GDPR": the system's reporting duties, in words."""
    obligations = regulatory.obligations_of(runtime.catalog, system_key)
    if obligations is None:
        return "no regulation in the catalog"
    names = []
    for name in obligations.regulations:
        role = f" ({obligations.eu_ai_act.role})" if name == "eu_ai_act" else ""
        names.append(regulatory_clocks.REGULATION_NAMES[name] + role)
    return ", ".join(names)


async def post_clocks(runtime: Runtime, item: Outbox) -> None:
    """After an assessment or a submission: what changed, and every report still owed."""
    payload = item.payload
    with runtime.session() as session:
        incident = session.get(Incident, item.incident_id)
        clocks = regulatory.open_clocks(session, incident.id, runtime.catalog)
        assessed = session.get(ReportabilityAssessment, payload["assessment"]) \
            if payload.get("assessment") else None
        submitted = regulatory.clock_row(session, payload["submitted"]) \
            if payload.get("submitted") else None
    if assessed is not None:
        headline = assessment_headline(
            by=assessed.assessed_by, at=assessed.assessed_at, reportable=assessed.reportable,
            findings=regulatory_policy.findings(regulatory_clocks.shipped(), assessed.answers),
            duties=duties(runtime, incident.system))
    else:
        how = " as an initial, incomplete report" if submitted and submitted.initial else ""
        title = TITLES[DeadlineKind(submitted.report)] if submitted else "A report"
        headline = (f":outbox_tray: {user(submitted.submitted_by if submitted else None)} "
                    f"marked the *{escape(title)}* submitted{how}.")
    titles = {str(k): v for k, v in TITLES.items()}
    text, blocks = clocks_message(incident_id=incident.id, headline=headline, clocks=clocks,
                                  changes=change_lines(payload.get("changes") or [], titles))
    await post_once(runtime, item, channel=channel_of(incident), text=text, blocks=blocks)


async def post_draft(runtime: Runtime, item: Outbox) -> None:
    payload = item.payload
    with runtime.session() as session:
        incident = session.get(Incident, item.incident_id)
        row = regulatory.clock_row(session, payload["deadline"])
        clocks = regulatory.open_clocks(session, incident.id, runtime.catalog)
    clock = next((c for c in clocks if c.deadline_id == payload["deadline"]), None)
    text, blocks = draft_message(
        incident_id=incident.id, clock=clock, title=TITLES[DeadlineKind(row.report)],
        article=row.article, by=payload.get("by"), text=payload["text"])
    await post_once(runtime, item, channel=channel_of(incident), text=text, blocks=blocks)


def reminder_message(runtime: Runtime, incident: Incident, deadline: Deadline, stage: str,
                     mentions: list[str]) -> tuple[str, list] | None:
    """A report's reminder (deliveries/deadlines.py hands regulatory kinds here); None when
    its clock no longer runs."""
    with runtime.session() as session:
        clocks = regulatory.open_clocks(session, incident.id, runtime.catalog)
    clock = next((c for c in clocks if c.deadline_id == deadline.id), None)
    if clock is None:
        return None
    return reminder(incident_id=incident.id, clock=clock, stage=stage, mentions=mentions)


HANDLERS = {Kind.REGULATORY_CLOCKS: post_clocks, Kind.REGULATORY_DRAFT: post_draft}
