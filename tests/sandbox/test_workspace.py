"""The workspace's Web API semantics, called directly (no HTTP)."""

from typing import Any

import pytest

from bot.sandbox.workspace import GENERAL_CHANNEL_ID, Workspace


def call(ws: Workspace, method: str, **params: Any) -> dict[str, Any]:
    response = ws.handle(method, params, token="xoxb-sandbox")
    assert response.status == 200
    return response.body


def create(ws: Workspace, name: str, **params: Any) -> str:
    body = call(ws, "conversations.create", name=name, **params)
    assert body["ok"], body
    return body["channel"]["id"]


def post(ws: Workspace, channel: str, **params: Any) -> dict[str, Any]:
    params.setdefault("text", "hello")
    return call(ws, "chat.postMessage", channel=channel, **params)


class TestAuthAndUsers:
    def test_wrong_or_missing_token_is_rejected_without_running_the_method(self):
        ws = Workspace.default()
        wrong = ws.handle("conversations.create", {"name": "x"}, token="xoxb-wrong")
        missing = ws.handle("conversations.create", {"name": "x"})
        assert wrong.body == {"ok": False, "error": "invalid_auth"}
        assert missing.body == {"ok": False, "error": "not_authed"}
        assert ws.channel_by_name("x") is None

    def test_token_may_come_as_a_param_and_is_kept_out_of_the_calls_log(self):
        ws = Workspace.default()
        body = ws.handle("auth.test", {"token": "xoxb-sandbox"}).body
        assert body["user_id"] == "UBOT" and body["bot_id"] == "BBOT"
        assert body["team_id"] == "T0SANDBOX"
        assert "token" not in ws.calls[-1].params

    def test_configurable_token(self):
        ws = Workspace(token="xoxb-custom")
        assert ws.handle("auth.test", {}, token="xoxb-custom").body["ok"] is True
        assert ws.handle("auth.test", {}, token="xoxb-sandbox").body["error"] == "invalid_auth"

    def test_unknown_method(self):
        assert call(Workspace.default(), "chat.teleport")["error"] == "unknown_method"

    def test_users_have_time_zones(self):
        ws = Workspace.default()
        carol = call(ws, "users.info", user="U_CAROL")["user"]
        assert carol["tz"] == "Asia/Kolkata"
        assert carol["tz_offset"] == 19800  # India has no daylight saving time
        assert call(ws, "users.info", user="U_BOB")["user"]["tz"] == "America/New_York"
        assert call(ws, "users.info", user="U_NOBODY")["error"] == "user_not_found"

    def test_lookup_by_email(self):
        ws = Workspace.default()
        assert call(ws, "users.lookupByEmail", email="alice@example.com")["user"]["id"] == "U_ALICE"
        assert call(ws, "users.lookupByEmail", email="x@example.com")["error"] == "users_not_found"


class TestChannels:
    @pytest.mark.parametrize(
        ("name", "error"),
        [
            ("", "invalid_name_required"),
            ("Inc-Drift", "invalid_name_specials"),
            ("inc drift", "invalid_name_specials"),
            ("inc.drift", "invalid_name_specials"),
            ("a" * 81, "invalid_name_maxlength"),
            ("--", "invalid_name_punctuation"),
            ("general", "name_taken"),
        ],
    )
    def test_create_rejects_names_like_slack(self, name, error):
        ws = Workspace.default()
        before = set(ws.channels)
        assert call(ws, "conversations.create", name=name) == {"ok": False, "error": error}
        assert set(ws.channels) == before

    def test_create_accepts_80_characters_and_the_bot_is_a_member(self):
        ws = Workspace.default()
        name = "inc-20261127-1-" + "x" * 65
        channel_id = create(ws, name, is_private="true")
        channel = ws.channels[channel_id]
        assert channel.name == name and channel.is_private and channel.creator == "UBOT"
        assert ws.members(channel_id) == {"UBOT"}
        assert channel_id.startswith("C")

    def test_invite_reports_each_failing_user_and_invites_nobody_without_force(self):
        ws = Workspace.default()
        channel = create(ws, "inc-1")
        call(ws, "conversations.invite", channel=channel, users="U_ALICE")
        body = call(ws, "conversations.invite", channel=channel, users="U_ALICE,U_GHOST,UBOT,U_BOB")
        assert body["ok"] is False and body["error"] == "already_in_channel"
        assert [(e["user"], e["error"]) for e in body["errors"]] == [
            ("U_ALICE", "already_in_channel"),
            ("U_GHOST", "user_not_found"),
            ("UBOT", "cant_invite_self"),
        ]
        assert "U_BOB" not in ws.members(channel)
        forced = call(
            ws, "conversations.invite", channel=channel, users="U_GHOST,U_BOB", force=True
        )
        assert forced["ok"] is True and "U_BOB" in ws.members(channel)

    def test_invite_needs_the_bot_in_the_channel(self):
        ws = Workspace.default()
        body = call(ws, "conversations.invite", channel=GENERAL_CHANNEL_ID, users="U_ALICE")
        assert body["error"] == "not_in_channel"

    def test_topic_limit_and_archived_channels(self):
        ws = Workspace.default()
        channel = create(ws, "inc-1")
        assert call(ws, "conversations.setTopic", channel=channel, topic="x" * 251)["error"] == (
            "too_long"
        )
        body = call(ws, "conversations.setTopic", channel=channel, topic="Sev2 · triage")
        assert body["channel"]["topic"]["value"] == "Sev2 · triage"
        assert ws.topic(channel).creator == "UBOT"
        assert call(ws, "conversations.archive", channel=channel)["ok"] is True
        assert call(ws, "conversations.archive", channel=channel)["error"] == "already_archived"
        assert call(ws, "conversations.setTopic", channel=channel, topic="t")["error"] == (
            "is_archived"
        )
        assert post(ws, channel)["error"] == "is_archived"

    def test_private_channels_are_invisible_unless_the_bot_belongs(self):
        ws = Workspace.default()
        secret = ws.add_channel("secret", members=["U_ALICE"], is_private=True)
        assert post(ws, secret.id)["error"] == "not_in_channel"
        assert call(ws, "conversations.info", channel=secret.id)["error"] == "channel_not_found"
        listed = call(ws, "conversations.list", types="public_channel,private_channel")
        assert secret.id not in [c["id"] for c in listed["channels"]]
        assert post(ws, "C_MISSING")["error"] == "channel_not_found"

    def test_public_channels_accept_posts_from_a_non_member_bot_with_chat_write_public(self):
        ws = Workspace.default()
        assert post(ws, "#general")["ok"] is True
        strict = Workspace.default(chat_write_public=False)
        assert post(strict, GENERAL_CHANNEL_ID)["error"] == "not_in_channel"

    def test_join_and_members_and_info(self):
        ws = Workspace.default()
        assert call(ws, "conversations.join", channel=GENERAL_CHANNEL_ID)["ok"] is True
        again = call(ws, "conversations.join", channel=GENERAL_CHANNEL_ID)
        assert again["warning"] == "already_in_channel"
        members = call(ws, "conversations.members", channel=GENERAL_CHANNEL_ID, limit=2)
        assert members["members"] == ["UBOT", "U_ALICE"]
        cursor = members["response_metadata"]["next_cursor"]
        rest = call(ws, "conversations.members", channel=GENERAL_CHANNEL_ID, cursor=cursor)
        assert rest["members"] == ["U_BOB", "U_CAROL"]
        info = call(ws, "conversations.info", channel=GENERAL_CHANNEL_ID, include_num_members=1)
        assert info["channel"]["num_members"] == 4 and info["channel"]["is_member"] is True

    def test_open_dm_and_post_to_a_user_id(self):
        ws = Workspace.default()
        opened = call(ws, "conversations.open", users="U_BOB")
        dm = opened["channel"]["id"]
        assert dm.startswith("D")
        assert call(ws, "conversations.open", users="U_BOB")["already_open"] is True
        assert post(ws, "U_BOB", text="psst")["channel"] == dm
        assert [m.text for m in ws.messages(dm)] == ["psst"]


class TestMessages:
    def test_timestamps_are_unique_and_increasing_even_with_a_frozen_clock(self):
        ws = Workspace.default(clock=lambda: 1732700000.0)
        channel = create(ws, "inc-1")
        stamps = [post(ws, channel)["ts"] for _ in range(3)]
        assert stamps == ["1732700000.000000", "1732700000.000001", "1732700000.000002"]

    def test_post_returns_the_stored_message(self):
        ws = Workspace.default()
        channel = create(ws, "inc-1")
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Drift*"}}]
        body = post(ws, channel, text="Drift", blocks=blocks)
        assert body["channel"] == channel
        assert body["message"]["bot_id"] == "BBOT" and body["message"]["user"] == "UBOT"
        stored = ws.last_message(channel)
        assert stored.ts == body["ts"] and stored.text == "Drift"
        assert stored.blocks[0]["block_id"]  # Slack fills in block ids

    def test_blocks_without_text_warn_and_nothing_at_all_is_no_text(self):
        ws = Workspace.default()
        channel = create(ws, "inc-1")
        blocks = [{"type": "divider"}]
        warned = call(ws, "chat.postMessage", channel=channel, blocks=blocks)
        assert warned["response_metadata"]["warnings"] == ["missing_text_or_fallback_argument"]
        assert call(ws, "chat.postMessage", channel=channel)["error"] == "no_text"
        assert post(ws, channel, text="x" * 40_001)["error"] == "msg_too_long"

    def test_blocks_may_arrive_json_encoded_as_forms_send_them(self):
        ws = Workspace.default()
        channel = create(ws, "inc-1")
        body = post(ws, channel, blocks='[{"type": "divider"}]')
        assert body["ok"] and ws.last_message(channel).blocks[0]["type"] == "divider"
        assert ws.calls_to("chat.postMessage")[-1].params["blocks"][0]["type"] == "divider"
        assert post(ws, channel, blocks="[not json")["error"] == "invalid_blocks_format"

    def test_threads_stay_out_of_history(self):
        ws = Workspace.default()
        channel = create(ws, "inc-1")
        parent = post(ws, channel, text="parent")["ts"]
        reply = post(ws, channel, text="reply", thread_ts=parent)["ts"]
        post(ws, channel, text="later")
        history = call(ws, "conversations.history", channel=channel)
        assert [m["text"] for m in history["messages"]] == ["later", "parent"]
        assert history["messages"][1]["reply_count"] == 1
        replies = call(ws, "conversations.replies", channel=channel, ts=parent)["messages"]
        assert [m["ts"] for m in replies] == [parent, reply]

    def test_update_marks_edited_and_only_touches_the_bots_messages(self):
        ws = Workspace.default()
        channel = create(ws, "inc-1")
        ts = post(ws, channel, text="v1")["ts"]
        body = call(ws, "chat.update", channel=channel, ts=ts, text="v2")
        assert body["text"] == "v2" and ws.last_message(channel).edited["user"] == "UBOT"
        human = ws.post_as_user("U_ALICE", channel, "mine")
        assert call(ws, "chat.update", channel=channel, ts=human.ts, text="x")["error"] == (
            "cant_update_message"
        )
        assert call(ws, "chat.update", channel=channel, ts="1.2", text="x")["error"] == (
            "message_not_found"
        )

    def test_pins_reactions_bookmarks_permalinks(self):
        ws = Workspace.default()
        channel = create(ws, "inc-1")
        ts = post(ws, channel)["ts"]
        assert call(ws, "pins.add", channel=channel, timestamp=ts)["ok"]
        assert call(ws, "pins.add", channel=channel, timestamp=ts)["error"] == "already_pinned"
        assert [m.ts for m in ws.pinned(channel)] == [ts]
        assert call(ws, "pins.remove", channel=channel, timestamp=ts)["ok"]
        assert call(ws, "pins.remove", channel=channel, timestamp=ts)["error"] == "no_pin"

        assert call(ws, "reactions.add", channel=channel, timestamp=ts, name=":eyes:")["ok"]
        again = call(ws, "reactions.add", channel=channel, timestamp=ts, name="eyes")
        assert again["error"] == "already_reacted"
        got = call(ws, "reactions.get", channel=channel, timestamp=ts)
        assert got["message"]["reactions"] == [{"name": "eyes", "users": ["UBOT"], "count": 1}]
        bad = call(ws, "reactions.add", channel=channel, timestamp=ts, name="Not Valid")
        assert bad["error"] == "invalid_name"

        mark = call(
            ws,
            "bookmarks.add",
            channel_id=channel,
            title="Dashboard",
            type="link",
            link="https://grafana.example/d/1",
        )
        assert mark["bookmark"]["title"] == "Dashboard"
        assert [b.link for b in ws.bookmarks(channel)] == ["https://grafana.example/d/1"]
        assert (
            call(
                ws, "bookmarks.add", channel_id=channel, title="x", type="folder", link="https://a"
            )["error"]
            == "invalid_bookmark_type"
        )
        assert (
            call(ws, "bookmarks.add", channel_id=channel, title="x", type="link", link="ftp://a")[
                "error"
            ]
            == "invalid_link"
        )

        link = call(ws, "chat.getPermalink", channel=channel, message_ts=ts)["permalink"]
        assert link == f"https://sandbox.slack.com/archives/{channel}/p{ts.replace('.', '')}"

    def test_ephemeral_needs_the_user_in_the_channel(self):
        ws = Workspace.default()
        body = call(ws, "chat.postEphemeral", channel=GENERAL_CHANNEL_ID, user="U_BOB", text="hi")
        assert body["ok"] and [e.text for e in ws.ephemerals_for("U_BOB")] == ["hi"]
        channel = create(ws, "inc-1")
        body = call(ws, "chat.postEphemeral", channel=channel, user="U_BOB", text="hi")
        assert body["error"] == "user_not_in_channel"


class TestEvents:
    def test_mutations_are_events_reads_are_not(self):
        ws = Workspace.default()
        seen: list[str] = []
        ws.listeners.append(lambda event: seen.append(event["type"]))
        channel = create(ws, "inc-1")
        call(ws, "conversations.invite", channel=channel, users="U_ALICE")
        ts = post(ws, channel)["ts"]
        call(ws, "pins.add", channel=channel, timestamp=ts)
        call(ws, "conversations.info", channel=channel)
        call(ws, "conversations.history", channel=channel)
        assert seen == ["channel_created", "member_joined", "message_posted", "pin_added"]
        assert [e["type"] for e in ws.events] == seen
        assert ws.events[2]["message"]["text"] == "hello"

    def test_a_failing_listener_does_not_fail_the_call(self):
        ws = Workspace.default()
        ws.listeners.append(lambda event: 1 / 0)
        assert create(ws, "inc-1")

    def test_calls_log_records_every_call_with_its_outcome(self):
        ws = Workspace.default()
        create(ws, "inc-1")
        call(ws, "conversations.create", name="inc-1")
        logged = ws.calls_to("conversations.create")
        assert [(c.params["name"], c.ok, c.error) for c in logged] == [
            ("inc-1", True, None),
            ("inc-1", False, "name_taken"),
        ]
