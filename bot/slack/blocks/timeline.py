"""The form of the message shortcut "Add to incident timeline" when the message is outside an
incident channel and several incidents are open: which incident it belongs to."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import InputBlock, StaticSelectElement
from slack_sdk.models.views import View

from bot.slack.blocks.common import modal, option, plain
from bot.slack.ids import VALUE, Field, ViewId
from bot.slack.mrkdwn import escape


def pick_incident_modal(*, incidents: Sequence[tuple[int, str]], message: dict) -> View:
    return modal(
        ViewId.PICK_INCIDENT,
        "Add to timeline",
        "Add",
        [
            InputBlock(
                block_id=Field.INCIDENT,
                label=plain("Incident"),
                element=StaticSelectElement(
                    action_id=VALUE,
                    placeholder=plain("Choose the incident"),
                    options=[option(f"#{i}: {escape(t)}", str(i)) for i, t in incidents[:100]],
                ),
            )
        ],
        message,
    )
