"""Block Kit limits and the views API, called directly on the workspace."""

from typing import Any

from bot.sandbox.blockkit_limits import message_block_errors, view_errors
from bot.sandbox.interactions import apply_view_response
from bot.sandbox.models import View
from bot.sandbox.workspace import Workspace


def call(ws: Workspace, method: str, **params: Any) -> dict[str, Any]:
    return ws.handle(method, params, token="xoxb-sandbox").body


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str, action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        **extra,
    }


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Declare"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": blocks,
        **extra,
    }


def title_input() -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": "title",
        "label": {"type": "plain_text", "text": "Title"},
        "element": {"type": "plain_text_input", "action_id": "value"},
    }


class TestMessageBlocks:
    def test_limits_at_the_boundary_pass(self):
        assert message_block_errors([section("x")] * 50) == []
        assert message_block_errors([section("x" * 3000)]) == []
        assert message_block_errors([{"type": "actions", "elements": [button("b" * 75)]}]) == []

    def test_too_many_blocks(self):
        assert message_block_errors([section("x")] * 51) == [
            "must be less than 51 items [json-pointer:/blocks]"
        ]

    def test_section_header_button_and_id_lengths(self):
        blocks = [
            section("x" * 3001),
            {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
            {"type": "actions", "elements": [button("b" * 76, action_id="a" * 256)]},
            section("ok", block_id="b" * 256),
        ]
        assert message_block_errors(blocks) == [
            "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
            "must be less than 151 characters [json-pointer:/blocks/1/text/text]",
            "must be less than 256 characters [json-pointer:/blocks/2/elements/0/action_id]",
            "must be less than 76 characters [json-pointer:/blocks/2/elements/0/text/text]",
            "must be less than 256 characters [json-pointer:/blocks/3/block_id]",
        ]

    def test_structure_rules(self):
        errors = message_block_errors(
            [
                section("a", block_id="same"),
                section("b", block_id="same"),
                {"type": "actions", "elements": [button(str(i), f"a{i}") for i in range(26)]},
                {"type": "header", "text": {"type": "mrkdwn", "text": "not plain"}},
                {"type": "section", "text": {"type": "markdown", "text": "bad type"}},
                {"type": "carousel"},
            ]
        )
        assert errors == [
            "block_id must be unique [json-pointer:/blocks/1/block_id]",
            "must be less than 26 items [json-pointer:/blocks/2/elements]",
            "must be a valid enum value [json-pointer:/blocks/3/text/type]",
            "must be a valid enum value [json-pointer:/blocks/4/text/type]",
            "unsupported type: carousel [json-pointer:/blocks/5/type]",
        ]

    def test_chat_post_message_answers_invalid_blocks_like_slack(self):
        ws = Workspace.default()
        channel = call(ws, "conversations.create", name="inc-1")["channel"]["id"]
        body = call(ws, "chat.postMessage", channel=channel, text="t", blocks=[section("x" * 3001)])
        assert body["ok"] is False and body["error"] == "invalid_blocks"
        assert body["errors"] == [
            "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
        ]
        assert body["response_metadata"]["messages"] == [
            "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
        ]
        assert ws.messages(channel) == []


class TestViews:
    def test_modal_limits(self):
        assert view_errors(modal([section("x")] * 100)) == []
        assert view_errors(modal([section("x")] * 101)) == [
            "must be less than 101 items [json-pointer:/view/blocks]"
        ]
        too_long_title = modal([], title={"type": "plain_text", "text": "t" * 25})
        assert view_errors(too_long_title) == [
            "must be less than 25 characters [json-pointer:/view/title/text]"
        ]
        no_submit = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "x"},
            "blocks": [title_input()],
        }
        assert view_errors(no_submit) == [
            "must provide submit when the view has input blocks [json-pointer:/view/submit]"
        ]

    def test_open_needs_a_trigger_issued_by_an_interaction(self):
        ws = Workspace.default()
        assert call(ws, "views.open", view=modal([title_input()]))["error"] == "invalid_trigger_id"
        unknown = call(ws, "views.open", trigger_id="1.2.abc", view=modal([title_input()]))
        assert unknown["error"] == "invalid_trigger_id"
        trigger = ws.issue_trigger("U_ALICE")
        body = call(ws, "views.open", trigger_id=trigger, view=modal([title_input()]))
        assert body["ok"] and body["view"]["id"].startswith("V")
        assert ws.open_modal("U_ALICE").id == body["view"]["id"]
        reused = call(ws, "views.open", trigger_id=trigger, view=modal([title_input()]))
        assert reused["error"] == "exchanged_trigger_id"

    def test_triggers_expire_when_the_workspace_enforces_slacks_three_seconds(self):
        now = [1000.0]
        ws = Workspace.default(clock=lambda: now[0], trigger_ttl=3.0)
        trigger = ws.issue_trigger("U_ALICE")
        now[0] += 3.5
        assert call(ws, "views.open", trigger_id=trigger, view=modal([]))["error"] == (
            "expired_trigger_id"
        )

    def test_invalid_modal_is_invalid_arguments_and_keeps_the_trigger_usable(self):
        ws = Workspace.default()
        trigger = ws.issue_trigger("U_ALICE")
        body = call(ws, "views.open", trigger_id=trigger, view=modal([section("x")] * 101))
        assert body["error"] == "invalid_arguments"
        assert body["response_metadata"]["messages"] == [
            "[ERROR] must be less than 101 items [json-pointer:/view/blocks]"
        ]
        assert call(ws, "views.open", trigger_id=trigger, view=modal([]))["ok"] is True

    def test_update_by_id_or_external_id_with_hash_check(self):
        ws = Workspace.default()
        opened = call(
            ws,
            "views.open",
            trigger_id=ws.issue_trigger("U_BOB"),
            view=modal([], external_id="declare-1"),
        )["view"]
        stale = call(ws, "views.update", view_id=opened["id"], hash="0.0", view=modal([]))
        assert stale["error"] == "hash_conflict"
        updated = call(
            ws,
            "views.update",
            view_id=opened["id"],
            hash=opened["hash"],
            view=modal([section("step 2")], external_id="declare-1"),
        )
        assert updated["view"]["blocks"][0]["text"]["text"] == "step 2"
        assert updated["view"]["hash"] != opened["hash"]
        by_external = call(ws, "views.update", external_id="declare-1", view=modal([]))
        assert by_external["view"]["id"] == opened["id"]
        assert call(ws, "views.update", view_id="V_NONE", view=modal([]))["error"] == "not_found"

    def test_push_stacks_up_to_three_views(self):
        ws = Workspace.default()
        root = call(ws, "views.open", trigger_id=ws.issue_trigger("U_ALICE"), view=modal([]))
        for _ in range(2):
            pushed = call(ws, "views.push", trigger_id=ws.issue_trigger("U_ALICE"), view=modal([]))
            assert pushed["view"]["root_view_id"] == root["view"]["id"]
        limit = call(ws, "views.push", trigger_id=ws.issue_trigger("U_ALICE"), view=modal([]))
        assert limit["error"] == "push_limit_reached"
        assert len(ws.view_stacks["U_ALICE"]) == 3

    def test_publish_home_tab(self):
        ws = Workspace.default()
        home = {"type": "home", "blocks": [section("Open incidents: 0")]}
        first = call(ws, "views.publish", user_id="U_CAROL", view=home)
        again = call(ws, "views.publish", user_id="U_CAROL", view=home)
        assert first["view"]["id"] == again["view"]["id"] == ws.home_view("U_CAROL").id
        modal_as_home = call(ws, "views.publish", user_id="U_CAROL", view=modal([]))
        assert modal_as_home["error"] == "invalid_arguments"


class TestViewSubmissionAnswers:
    """How Slack applies a view_submission's response_action to the modal stack."""

    def open(self, ws: Workspace) -> View:
        body = call(
            ws, "views.open", trigger_id=ws.issue_trigger("U_ALICE"), view=modal([title_input()])
        )
        return ws.views[body["view"]["id"]]

    def test_errors_must_name_input_blocks(self):
        ws = Workspace.default()
        view = self.open(ws)
        wrong = {"response_action": "errors", "errors": {"value": "Required"}}
        assert apply_view_response(ws, view, 200, wrong) == "invalid_errors"
        assert view.errors is None and ws.events[-1]["type"] == "view_response_rejected"
        right = {"response_action": "errors", "errors": {"title": "Required"}}
        assert apply_view_response(ws, view, 200, right) == "errors"
        assert view.errors == {"title": "Required"} and ws.open_modal("U_ALICE") is view

    def test_update_push_clear_and_close(self):
        ws = Workspace.default()
        view = self.open(ws)
        step2 = modal([section("Confirm")])
        assert apply_view_response(ws, view, 200, {"response_action": "update", "view": step2})
        assert ws.open_modal("U_ALICE").blocks[0]["text"]["text"] == "Confirm"
        assert apply_view_response(ws, view, 200, {"response_action": "push", "view": step2}) == (
            "push"
        )
        assert len(ws.view_stacks["U_ALICE"]) == 2
        top = ws.open_modal("U_ALICE")
        assert apply_view_response(ws, top, 200, None) == "close"
        assert ws.open_modal("U_ALICE") is view
        assert apply_view_response(ws, view, 200, {"response_action": "clear"}) == "clear"
        assert ws.open_modal("U_ALICE") is None and view.closed

    def test_invalid_pushed_view_is_rejected(self):
        ws = Workspace.default()
        view = self.open(ws)
        answer = {"response_action": "push", "view": modal([section("x")] * 101)}
        assert apply_view_response(ws, view, 200, answer) == "invalid_arguments"
        assert ws.view_stacks["U_ALICE"] == [view.id]
