"""Alert messages in the incident channel: one card, or one batch message during a storm."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    SectionBlock,
    StaticSelectElement,
)

from bot.slack.blocks.common import md, plain, severity_label, severity_options, slack_date
from bot.slack.ids import Action, encode
from bot.slack.mrkdwn import clip, escape, link
from incidents.alerts.ingest import Unposted
from incidents.models import Alert
from incidents.types import AlertStatus
from incidents.wording import describe_metric

BATCH_LISTED = 10
CONTEXT_MAX = 2900


def _line(alert: Alert) -> str:
    resolved = alert.status == AlertStatus.RESOLVED
    icon = ":white_check_mark: Resolved" if resolved else ":fire: Firing"
    detail = describe_metric(alert.metric)
    extra = f" · {clip(detail, 150)}" if detail else ""
    return f"{icon}: *{clip(alert.title, 150)}*{extra} · {slack_date(alert.starts_at)}"


def alert_blocks(batch: Unposted, *, incident_id: int, open_: bool) -> tuple[str, list[Block]]:
    """One message for everything that arrived since the last one."""
    total = len(batch.ids)
    if total == 1:
        return _single(batch.shown[0], incident_id=incident_id, open_=open_)
    heading = f"*{total} alerts* ({batch.firing} firing, {batch.resolved} resolved)"
    lines = [_line(a) for a in batch.shown[:BATCH_LISTED]]
    if total > len(lines):
        lines.append(f"…and {total - len(lines)} more in the timeline.")
    blocks: list[Block] = [SectionBlock(text=md(heading + "\n" + "\n".join(lines)))]
    if open_:
        blocks.append(_buttons(incident_id))
    return f"{total} alerts for incident #{incident_id}", blocks


def _single(alert: Alert, *, incident_id: int, open_: bool) -> tuple[str, list[Block]]:
    fields = [
        md(f"*AI system*\n{clip(alert.system, 1000)}"),
        md(f"*Signal*\n{escape(alert.signal or 'not given')}"),
        md(f"*Severity*\n{severity_label(alert.severity or 3)}"),
        md(f"*Started*\n{slack_date(alert.starts_at)}"),
    ]
    detail = describe_metric(alert.metric)
    if detail:
        fields.append(md(f"*Metric*\n{clip(detail, 1000)}"))
    blocks: list[Block] = [SectionBlock(text=md(_line(alert)), fields=fields)]
    if alert.description:
        blocks.append(SectionBlock(text=md(clip(alert.description, 2900))))
    reason = (alert.labels or {}).get("severity_reason")
    context = [f"From {clip(alert.source, 50)}"]
    if reason:
        context.append(f"severity: {clip(reason, 500)}")
    # A context element holds 3,000 characters: links that do not fit are left out whole.
    for name, url in (alert.links or {}).items():
        shown = link(url, name.capitalize())
        if sum(len(part) + 3 for part in context) + len(shown) > CONTEXT_MAX:
            break
        context.append(shown)
    blocks.append(ContextBlock(elements=[md(" · ".join(context))]))
    if open_ and alert.status == AlertStatus.FIRING:
        blocks.append(_buttons(incident_id))
    return f"Alert: {clip(alert.title, 300)}", blocks


def _buttons(incident_id: int) -> ActionsBlock:
    value = encode(incident_id)
    return ActionsBlock(elements=[
        ButtonElement(text=plain("Acknowledge"), action_id=Action.ACKNOWLEDGE, value=value,
                      style="primary"),
        ButtonElement(
            text=plain("Decline (false alarm)"), action_id=Action.DECLINE, value=value,
            confirm=ConfirmObject(
                title="Decline this incident?",
                text="It will be marked as a false alarm and left out of metrics.",
                confirm="Decline", deny="Keep it open",
            ),
        ),
        StaticSelectElement(
            action_id=Action.SET_SEVERITY, placeholder=plain("Change severity"),
            options=severity_options(incident_id),
        ),
    ])
