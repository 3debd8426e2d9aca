"""Small pieces every builder uses."""

from __future__ import annotations

import json
from datetime import datetime

from slack_sdk.models.blocks import Block, MarkdownTextObject, Option, PlainTextObject
from slack_sdk.models.views import View

from bot.slack.mrkdwn import escape, truncate
from incidents.types import Severity

SEVERITY_EMOJI = {1: "🔴", 2: "🟠", 3: "🟡", 4: "🔵"}
SECTION_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50  # blocks in one message


def md(text: str) -> MarkdownTextObject:
    # verbatim: Slack must not auto-link names or mentions inside text we did not write.
    return MarkdownTextObject(text=truncate(text, SECTION_LIMIT), verbatim=True)


def plain(text: str, limit: int = 75) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, limit), emoji=True)


def option(label: str, value: str, description: str | None = None) -> Option:
    return Option(
        text=plain(label, 75),
        value=value,
        description=plain(description, 75) if description else None,
    )


def modal(callback_id: str, title: str, submit: str | None, blocks: list[Block],
          metadata: dict) -> View:
    """A form as the bot's forms are: what the listener needs back in private_metadata, and
    Cancel beside the submit button (Close when there is nothing to submit)."""
    return View(type="modal", callback_id=callback_id, title=plain(title, 24),
                submit=plain(submit, 24) if submit else None,
                close=plain("Cancel" if submit else "Close", 24),
                private_metadata=json.dumps(metadata), blocks=blocks)


def slack_date(moment: datetime | None, fmt: str = "{date_short_pretty} {time}") -> str:
    """A date Slack shows in each viewer's own time zone, with a UTC fallback."""
    if moment is None:
        return "—"
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def severity_label(severity: int) -> str:
    return f"{SEVERITY_EMOJI[severity]} {Severity(severity).label}"


def severity_options(incident_id: int | None = None) -> list[Option]:
    return [
        option(
            f"Sev{s.value}",
            f"{incident_id}:{s.value}" if incident_id is not None else str(s.value),
            s.meaning,
        )
        for s in Severity
    ]


def title_text(incident_id: int, title: str, drill: bool = False) -> str:
    prefix = "DRILL · " if drill else ""
    return f"{prefix}Incident #{incident_id}: {title}"


__all__ = ["escape", "md", "option", "plain", "severity_label", "slack_date", "truncate"]
