"""The pinned summary: the incident's control panel, updated in place on every change."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
    StaticSelectElement,
)

from bot.slack.blocks.common import (
    md,
    option,
    plain,
    severity_label,
    severity_options,
    slack_date,
    title_text,
)
from bot.slack.blocks.registry import serving_field
from bot.slack.blocks.regulatory import summary_row
from bot.slack.blocks.triage import response_buttons
from bot.slack.ids import Action, encode
from bot.slack.mrkdwn import escape, link, user
from incidents.models import Incident
from incidents.types import OPEN_STATUSES, Role, Severity, Status


def topic(incident: Incident) -> str:
    """Channel topic: severity, status and commander, at most 250 characters."""
    drill = "DRILL · " if incident.is_drill else ""
    commander = f"<@{incident.commander}>" if incident.commander else "no commander yet"
    return (
        f"{drill}Sev{incident.severity} · {incident.status} · Commander: {commander}"
    )[:250]


def summary_blocks(incident: Incident, *, system_label: str, links: dict[str, str],
                   regulated: bool = False, model: dict | None = None) -> list[Block]:
    """`regulated`: the catalog gives the system reporting obligations, so the summary
    offers the reportability assessment. `model`: the serving model version as last
    recorded (incidents/registry/record.py)."""
    sev = Severity(incident.severity)
    fields = [
        md(f"*Severity*\n{severity_label(sev)}: {sev.meaning}"),
        md(f"*Status*\n{incident.status}"),
        md(f"*AI system*\n{escape(system_label)}"),
        md(f"*Declared*\n{slack_date(incident.created_at)}"),
    ]
    fields += [md(f"*{role.capitalize()}*\n{user(getattr(incident, role))}") for role in Role]
    serving = serving_field(model)
    if serving:
        fields.append(md(f"*Serving model*\n{serving}"))
    blocks: list[Block] = [
        HeaderBlock(text=plain(
            title_text(incident.id, escape(incident.title), incident.is_drill), 150
        )),
        SectionBlock(fields=fields),
    ]
    if not incident.in_catalog:
        blocks.append(ContextBlock(elements=[md(
            f":warning: `{escape(incident.system)}` is not in the catalog: no owners or "
            "runbooks are known for it. Add it to incidentbot.yml."
        )]))
    if incident.description:
        blocks.append(SectionBlock(text=md(escape(incident.description))))
    if incident.resolution_summary:
        blocks.append(SectionBlock(text=md(f"*Resolution*\n{escape(incident.resolution_summary)}")))
    if links:
        blocks.append(ContextBlock(elements=[md(" · ".join(
            link(url, label) for label, url in links.items()
        ))]))
    if incident.status_enum in OPEN_STATUSES:
        blocks += [DividerBlock(), *controls(incident)]
        if regulated:  # once it is over, `/incident reportable` still assesses it
            blocks.append(summary_row(incident.id))
    return blocks


def controls(incident: Incident) -> list[Block]:
    value = encode(incident.id)
    statuses = [Status.TRIAGE, Status.INVESTIGATING, Status.MITIGATED]
    return [
        ActionsBlock(
            block_id=f"controls-{incident.id}",
            elements=[
                StaticSelectElement(
                    action_id=Action.SET_SEVERITY,
                    placeholder=plain("Severity"),
                    options=severity_options(incident.id),
                    initial_option=option(
                        f"Sev{incident.severity}",
                        encode(incident.id, incident.severity),
                        Severity(incident.severity).meaning,
                    ),
                ),
                StaticSelectElement(
                    action_id=Action.SET_STATUS,
                    placeholder=plain("Status"),
                    options=[option(s.capitalize(), encode(incident.id, s)) for s in statuses],
                    initial_option=option(
                        incident.status.capitalize(), encode(incident.id, incident.status)
                    ) if incident.status in statuses else None,
                ),
                ButtonElement(text=plain("Assign role"), action_id=Action.ASSIGN_ROLE, value=value),
                ButtonElement(text=plain("Add note"), action_id=Action.ADD_NOTE, value=value),
                ButtonElement(text=plain("Draft notification"),
                              action_id=Action.DRAFT_NOTIFICATION, value=value),
                ButtonElement(
                    text=plain("Resolve"), action_id=Action.RESOLVE, value=value, style="primary"
                ),
                ButtonElement(
                    text=plain("Decline (false alarm)"),
                    action_id=Action.DECLINE,
                    value=value,
                    style="danger",
                    confirm=ConfirmObject(
                        title="Decline this incident?",
                        text="It will be marked as a false alarm and left out of metrics.",
                        confirm="Decline",
                        deny="Keep it open",
                    ),
                ),
            ],
        ),
        response_buttons(incident.id),  # a second row: one actions block holds 25 at most
    ]
