"""Fault injection and response_url semantics, called directly on the workspace."""

import itertools
from typing import Any

from bot.sandbox.interactions import post_to_response_url
from bot.sandbox.workspace import GENERAL_CHANNEL_ID, Workspace


def call(ws: Workspace, method: str, **params: Any):
    return ws.handle(method, params, token="xoxb-sandbox")


class TestFaults:
    def test_injected_rate_limit_changes_nothing_and_is_logged(self):
        ws = Workspace.default()
        ws.faults.inject("conversations.create", status=429, retry_after=7)
        limited = call(ws, "conversations.create", name="inc-1")
        assert limited.status == 429
        assert limited.headers == {"Retry-After": "7"}
        assert limited.body == {"ok": False, "error": "ratelimited"}
        assert ws.channel_by_name("inc-1") is None and ws.events == []
        retried = call(ws, "conversations.create", name="inc-1")
        assert retried.status == 200 and retried.body["ok"]
        logged = ws.calls_to("conversations.create", include_injected=True)
        assert [(c.status, c.injected) for c in logged] == [(429, True), (200, False)]
        assert len(ws.calls_to("conversations.create")) == 1

    def test_server_errors_and_api_errors(self):
        ws = Workspace.default()
        ws.faults.inject("*", status=503, times=2)
        assert call(ws, "auth.test").status == 503
        assert call(ws, "users.info", user="U_BOB").body["error"] == "service_unavailable"
        assert call(ws, "auth.test").status == 200
        ws.faults.inject("chat.postMessage", status=200, error="channel_not_found")
        body = call(ws, "chat.postMessage", channel=GENERAL_CHANNEL_ID, text="x").body
        assert body == {"ok": False, "error": "channel_not_found"}
        assert ws.messages(GENERAL_CHANNEL_ID) == []

    def test_fail_ratio_is_deterministic_and_spread(self):
        ws = Workspace.default()
        ws.faults.fail_ratio(0.5, status=500)
        statuses = [call(ws, "auth.test").status for _ in range(8)]
        assert statuses.count(500) == 4
        assert all(a != b for a, b in itertools.pairwise(statuses))  # alternates
        ws.faults.clear()
        assert {call(ws, "auth.test").status for _ in range(4)} == {200}

    def test_faults_only_hit_the_named_method(self):
        ws = Workspace.default()
        ws.faults.inject("chat.update", status=500, times=None)
        assert call(ws, "auth.test").status == 200
        assert call(ws, "chat.update", channel="C", ts="1", text="x").status == 500
        assert call(ws, "chat.update", channel="C", ts="1", text="x").status == 500


class TestResponseUrls:
    def url_id(self, url: str) -> str:
        return url.rsplit("/", 1)[-1]

    def test_default_is_an_ephemeral_for_the_user_who_acted(self):
        ws = Workspace.default()
        url = ws.issue_response_url(channel=GENERAL_CHANNEL_ID, user="U_ALICE")
        assert url == f"http://127.0.0.1:3000/sandbox/response/{self.url_id(url)}"
        status, body = post_to_response_url(ws, self.url_id(url), {"text": "Only you"})
        assert (status, body) == (200, {"ok": True})
        assert [e.text for e in ws.ephemerals_for("U_ALICE", GENERAL_CHANNEL_ID)] == ["Only you"]
        assert ws.messages(GENERAL_CHANNEL_ID) == []

    def test_in_channel_posts_as_the_bot(self):
        ws = Workspace.default()
        url = ws.issue_response_url(channel=GENERAL_CHANNEL_ID, user="U_ALICE")
        post_to_response_url(ws, self.url_id(url), {"text": "All", "response_type": "in_channel"})
        assert [(m.text, m.bot_id) for m in ws.messages(GENERAL_CHANNEL_ID)] == [("All", "BBOT")]

    def test_replace_and_delete_original(self):
        ws = Workspace.default()
        ts = call(ws, "chat.postMessage", channel=GENERAL_CHANNEL_ID, text="v1").body["ts"]
        url = ws.issue_response_url(channel=GENERAL_CHANNEL_ID, user="U_BOB", message_ts=ts)
        post_to_response_url(ws, self.url_id(url), {"text": "v2", "replace_original": True})
        assert [m.text for m in ws.messages(GENERAL_CHANNEL_ID)] == ["v2"]
        post_to_response_url(ws, self.url_id(url), {"delete_original": True})
        assert ws.messages(GENERAL_CHANNEL_ID) == []

    def test_invalid_blocks_and_use_limit(self):
        ws = Workspace.default()
        url_id = self.url_id(ws.issue_response_url(channel=GENERAL_CHANNEL_ID, user="U_BOB"))
        too_many = {"blocks": [{"type": "divider"}] * 51}
        status, body = post_to_response_url(ws, url_id, too_many)
        assert status == 400 and body["error"] == "invalid_blocks"
        for _ in range(5):
            assert post_to_response_url(ws, url_id, {"text": "x"})[0] == 200
        assert post_to_response_url(ws, url_id, {"text": "x"}) == (
            404,
            {"ok": False, "error": "used_url"},
        )
        assert [p.status for p in ws.response_posts] == [400, 200, 200, 200, 200, 200, 404]
