"""What tests and the sandbox page ask of the workspace: read-only lookups over its state
(`Workspace` in workspace.py holds the state and everything that changes it)."""

from __future__ import annotations

from bot.sandbox.models import ApiCall, Bookmark, Channel, Ephemeral, Message, TextMeta, View


class WorkspaceQueries:
    channels: dict[str, Channel]
    calls: list[ApiCall]
    ephemerals: list[Ephemeral]
    views: dict[str, View]
    view_stacks: dict[str, list[str]]
    home_views: dict[str, str]

    def channel_by_name(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def messages(self, channel_id: str, *, thread_ts: str | None = None) -> list[Message]:
        """All messages of a channel (replies included) oldest first, or one thread's."""
        messages = self.channels[channel_id].messages
        if thread_ts is None:
            return list(messages)
        return [m for m in messages if m.ts == thread_ts or m.thread_ts == thread_ts]

    def last_message(self, channel_id: str) -> Message | None:
        messages = self.channels[channel_id].messages
        return messages[-1] if messages else None

    def pinned(self, channel_id: str) -> list[Message]:
        return [m for m in self.channels[channel_id].messages if m.pinned]

    def members(self, channel_id: str) -> set[str]:
        return set(self.channels[channel_id].members)

    def bookmarks(self, channel_id: str) -> list[Bookmark]:
        return list(self.channels[channel_id].bookmarks)

    def calls_to(self, method: str, *, include_injected: bool = False) -> list[ApiCall]:
        return [
            c for c in self.calls if c.method == method and (include_injected or not c.injected)
        ]

    def ephemerals_for(
        self, user: str | None = None, channel: str | None = None
    ) -> list[Ephemeral]:
        return [
            e
            for e in self.ephemerals
            if not e.deleted and user in (None, e.user) and channel in (None, e.channel)
        ]

    def open_modal(self, user: str) -> View | None:
        """The modal on top of the user's stack, if any."""
        stack = self.view_stacks.get(user) or []
        return self.views[stack[-1]] if stack else None

    def home_view(self, user: str) -> View | None:
        view_id = self.home_views.get(user)
        return self.views[view_id] if view_id else None

    def topic(self, channel_id: str) -> TextMeta:
        return self.channels[channel_id].topic
