"""auth.*, users.* and the files v2 upload flow (getUploadURLExternal → POST → complete)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.models import File
from bot.sandbox.params import Params, SlackError

if TYPE_CHECKING:
    from bot.sandbox.workspace import Workspace


def auth_test(ws: Workspace, p: Params) -> dict[str, Any]:
    return {
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.bot.name,
        "team_id": ws.team_id,
        "user_id": ws.bot.id,
        "bot_id": ws.bot.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, p: Params) -> dict[str, Any]:
    user = ws.user(p.required("user", "user_not_found"))
    return {"user": user.to_api(team_id=ws.team_id, now=ws.now())}


def users_lookup_by_email(ws: Workspace, p: Params) -> dict[str, Any]:
    email = p.required("email", "users_not_found").lower()
    for user in ws.users.values():
        if user.email.lower() == email and not user.deleted:
            return {"user": user.to_api(team_id=ws.team_id, now=ws.now())}
    raise SlackError("users_not_found")


def users_list(ws: Workspace, p: Params) -> dict[str, Any]:
    members = [u.to_api(team_id=ws.team_id, now=ws.now()) for u in ws.users.values()]
    return {"members": members, "cache_ts": int(ws.now()), "response_metadata": {"next_cursor": ""}}


def files_get_upload_url_external(ws: Workspace, p: Params) -> dict[str, Any]:
    filename = p.required("filename", "invalid_arguments")
    length = p.int("length", 0)
    if length <= 0:
        raise SlackError("missing_argument")
    file = File(
        id=ws.new_id("F"),
        filename=filename,
        length=length,
        user=ws.bot.id,
        created=int(ws.now()),
        alt_txt=p.str("alt_txt") or None,
        snippet_type=p.str("snippet_type") or None,
    )
    ws.files[file.id] = file
    return {"upload_url": ws.url_for(f"/files/upload/{file.id}"), "file_id": file.id}


def receive_upload(ws: Workspace, file_id: str, data: bytes) -> tuple[int, str]:
    """The POST to an upload_url: HTTP status and Slack's plain-text answer."""
    file = ws.files.get(file_id)
    if file is None or file.completed:
        return 404, "file_not_found"
    file.content = data
    ws.emit("file_uploaded", file=file.id, size=len(data))
    return 200, f"OK - {len(data)}"


def files_complete_upload_external(ws: Workspace, p: Params) -> dict[str, Any]:
    entries = p.json("files", error="invalid_arguments")
    if not isinstance(entries, list) or not entries:
        raise SlackError("invalid_arguments")
    files: list[tuple[File, str]] = []
    for entry in entries:
        file = ws.files.get(str(entry.get("id", ""))) if isinstance(entry, dict) else None
        if file is None or file.content is None or file.completed:
            raise SlackError("file_not_found")
        files.append((file, str(entry.get("title") or file.filename)))
    targets = p.list("channels") or p.list("channel_id")
    channels = [ws.postable(ref) for ref in targets]
    thread_ts = p.str("thread_ts") or None
    for file, title in files:
        file.title, file.completed = title, True
    for channel in channels:
        message = ws.bot_message(
            channel,
            text=p.str("initial_comment"),
            files=[file.id for file, _ in files],
            thread_ts=thread_ts,
        )
        for file, _ in files:
            file.channels.append(channel.id)
            file.shares.setdefault(channel.id, []).append(message.ts)
    for file, _ in files:
        ws.emit("file_shared", file=file.id, title=file.title, channels=list(file.channels))
    return {"files": [file.to_api() for file, _ in files]}


def files_info(ws: Workspace, p: Params) -> dict[str, Any]:
    file = ws.files.get(p.str("file"))
    if file is None or not file.completed:
        raise SlackError("file_not_found")
    return {"file": file.to_api(), "comments": [], "response_metadata": {"next_cursor": ""}}


METHODS = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "users.list": users_list,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
    "files.info": files_info,
}
