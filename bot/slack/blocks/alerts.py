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
from bot.slack.mrkdwn import escape, link, truncate
from incidents.alerts import Unposted
from incidents.models import Alert
from incidents.types import AlertStatus
from incidents.wording import describe_metric

BATCH_LISTED = 10


def _line(alert: Alert) -> str:
    resolved = alert.status == AlertStatus.RESOLVED
    icon = ":white_check_mark: Resolved" if resolved else ":fire: Firing"
    detail = describe_metric(alert.metric)
    extra = f" · {escape(detail)}" if detail else ""
    return f"{icon}: *{escape(truncate(alert.title, 200))}*{extra} · {slack_date(alert.starts_at)}"


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
        md(f"*AI system*\n{escape(alert.system)}"),
        md(f"*Signal*\n{escape(alert.signal or 'not given')}"),
        md(f"*Severity*\n{severity_label(alert.severity or 3)}"),
        md(f"*Started*\n{slack_date(alert.starts_at)}"),
    ]
    detail = describe_metric(alert.metric)
    if detail:
        fields.append(md(f"*Metric*\n{escape(detail)}"))
    blocks: list[Block] = [SectionBlock(text=md(_line(alert)), fields=fields)]
    if alert.description:
        blocks.append(SectionBlock(text=md(escape(truncate(alert.description, 2900)))))
    links = [link(url, name.capitalize()) for name, url in (alert.links or {}).items()]
    reason = (alert.labels or {}).get("severity_reason")
    context = [f"From {escape(alert.source)}"]
    if reason:
        context.append(f"severity: {escape(reason)}")
    context += links
    blocks.append(ContextBlock(elements=[md(" · ".join(context))]))
    if open_ and alert.status == AlertStatus.FIRING:
        blocks.append(_buttons(incident_id))
    return f"Alert: {escape(alert.title)}", blocks


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
