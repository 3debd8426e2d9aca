"""The outer shapes of Slack's deliveries to an app, filled from the workspace's state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.models import Channel, View

if TYPE_CHECKING:
    from bot.sandbox.workspace import Workspace


def channel_name(channel: Channel) -> str:
    """channel_name as slash commands carry it."""
    if channel.is_im:
        return "directmessage"
    return "privategroup" if channel.is_private else channel.name


def channel_type(channel: Channel) -> str:
    """channel_type as message events carry it."""
    if channel.is_im:
        return "im"
    if channel.is_mpim:
        return "mpim"
    return "group" if channel.is_private else "channel"


def interaction(ws: Workspace, kind: str, user_id: str, token: str) -> dict[str, Any]:
    """The fields every interactivity payload (block_actions, view_submission…) starts with."""
    user = ws.users[user_id]
    return {
        "type": kind,
        "team": {"id": ws.team_id, "domain": ws.domain},
        "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": ws.team_id},
        "api_app_id": ws.app_id,
        "token": token,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_callback(ws: Workspace, event: dict[str, Any], token: str) -> dict[str, Any]:
    return {
        "token": token,
        "team_id": ws.team_id,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": ws.new_id("Ev"),
        "event_time": int(ws.now()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot.id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def view_response_urls(ws: Workspace, view: View, user: str) -> list[dict[str, str]]:
    """view_submission's response_urls: one per conversation picker with response_url_enabled."""
    urls = []
    for block in view.blocks:
        element = block.get("element") or {}
        if block.get("type") != "input" or not element.get("response_url_enabled"):
            continue
        entry = view.state_values.get(block["block_id"], {}).get(element["action_id"], {})
        channel = entry.get("selected_conversation") or entry.get("selected_channel")
        if channel:
            urls.append(
                {
                    "block_id": block["block_id"],
                    "action_id": element["action_id"],
                    "channel_id": channel,
                    "response_url": ws.issue_response_url(channel=channel, user=user),
                }
            )
    return urls
