"""Block Kit limits as Slack enforces them, with Slack's error wording and JSON pointers.

message_block_errors() feeds chat.* ("invalid_blocks", errors=[...]); view_errors() feeds
views.* ("invalid_arguments", response_metadata.messages=["[ERROR] ..."]).
"""

from __future__ import annotations

from typing import Any

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_MAX_TEXT = 40_000

_TEXT_TYPES = ("plain_text", "mrkdwn")
_BLOCK_TYPES = {
    "section",
    "header",
    "actions",
    "context",
    "divider",
    "input",
    "image",
    "rich_text",
    "file",
    "video",
    "markdown",
    "call",
    "context_actions",
    "table",
}
_SELECTS = {
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "multi_static_select",
    "multi_external_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
}
_INPUTS = {
    "plain_text_input",
    "number_input",
    "email_text_input",
    "url_text_input",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "checkboxes",
    "radio_buttons",
    "rich_text_input",
    "file_input",
}
_ELEMENTS = _SELECTS | _INPUTS | {"button", "overflow", "image", "workflow_button"}
_MAX_OPTIONS = {"overflow": 5, "checkboxes": 10, "radio_buttons": 10}
_MAX_MODAL_TITLE = 24


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def length(self, value: Any, limit: int, pointer: str, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.add("missing required field", pointer)
            return
        if not isinstance(value, str):
            self.add("must be a string", pointer)
        elif len(value) > limit:
            self.add(f"must be less than {limit + 1} characters", pointer)
        elif required and not value:
            self.add("must be more than 0 characters", pointer)

    def items(self, value: Any, limit: int, pointer: str, *, minimum: int = 0) -> list[Any]:
        if not isinstance(value, list):
            self.add("must be an array", pointer)
            return []
        if len(value) > limit:
            self.add(f"must be less than {limit + 1} items", pointer)
        elif len(value) < minimum:
            self.add(f"must have at least {minimum} items", pointer)
        return value

    def text(self, obj: Any, limit: int, pointer: str, *, plain: bool = False) -> None:
        """A text composition object; `plain` where Slack accepts only plain_text."""
        if not isinstance(obj, dict):
            self.add("must be an object", pointer)
            return
        allowed = ("plain_text",) if plain else _TEXT_TYPES
        if obj.get("type") not in allowed:
            self.add("must be a valid enum value", f"{pointer}/type")
        self.length(obj.get("text"), limit, f"{pointer}/text")

    def option(self, obj: Any, pointer: str) -> None:
        if not isinstance(obj, dict):
            self.add("must be an object", pointer)
            return
        self.text(obj.get("text"), 75, f"{pointer}/text")
        self.length(obj.get("value"), 150, f"{pointer}/value")

    def confirm(self, obj: Any, pointer: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.add("must be an object", pointer)
            return
        self.text(obj.get("title"), 100, f"{pointer}/title", plain=True)
        self.text(obj.get("text"), 300, f"{pointer}/text")
        self.text(obj.get("confirm"), 30, f"{pointer}/confirm", plain=True)
        self.text(obj.get("deny"), 30, f"{pointer}/deny", plain=True)

    def element(self, element: Any, pointer: str) -> None:
        if not isinstance(element, dict):
            self.add("must be an object", pointer)
            return
        kind = element.get("type")
        if kind not in _ELEMENTS:
            self.add(f"unsupported type: {kind}", f"{pointer}/type")
            return
        if kind == "image":
            self.length(element.get("image_url"), 3000, f"{pointer}/image_url")
            self.length(element.get("alt_text"), 2000, f"{pointer}/alt_text")
            return
        self.length(element.get("action_id"), 255, f"{pointer}/action_id", required=False)
        self.confirm(element.get("confirm"), f"{pointer}/confirm")
        if "placeholder" in element:
            self.text(element["placeholder"], 150, f"{pointer}/placeholder", plain=True)
        if kind == "button":
            self.text(element.get("text"), 75, f"{pointer}/text", plain=True)
            self.length(element.get("value"), 2000, f"{pointer}/value", required=False)
            self.length(element.get("url"), 3000, f"{pointer}/url", required=False)
            if element.get("style") not in (None, "primary", "danger"):
                self.add("must be a valid enum value", f"{pointer}/style")
        elif kind in ("static_select", "multi_static_select") and "option_groups" not in element:
            for i, opt in enumerate(self.items(element.get("options"), 100, f"{pointer}/options")):
                self.option(opt, f"{pointer}/options/{i}")
        elif kind in _MAX_OPTIONS:
            options = self.items(
                element.get("options"), _MAX_OPTIONS[kind], f"{pointer}/options", minimum=1
            )
            for i, opt in enumerate(options):
                self.option(opt, f"{pointer}/options/{i}")

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict):
            self.add("must be an object", pointer)
            return
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            self.add(f"unsupported type: {kind}", f"{pointer}/type")
            return
        self.length(block.get("block_id"), 255, f"{pointer}/block_id", required=False)
        if kind == "section":
            if block.get("text") is None and block.get("fields") is None:
                self.add("must provide text or fields", pointer)
            if block.get("text") is not None:
                self.text(block["text"], 3000, f"{pointer}/text")
            if block.get("fields") is not None:
                for i, field in enumerate(self.items(block["fields"], 10, f"{pointer}/fields")):
                    self.text(field, 2000, f"{pointer}/fields/{i}")
            if block.get("accessory") is not None:
                self.element(block["accessory"], f"{pointer}/accessory")
        elif kind == "header":
            self.text(block.get("text"), 150, f"{pointer}/text", plain=True)
        elif kind == "actions":
            elements = self.items(block.get("elements"), 25, f"{pointer}/elements", minimum=1)
            seen: set[str] = set()
            for i, element in enumerate(elements):
                self.element(element, f"{pointer}/elements/{i}")
                action_id = element.get("action_id") if isinstance(element, dict) else None
                if action_id and action_id in seen:
                    self.add("action_id must be unique", f"{pointer}/elements/{i}/action_id")
                seen.add(action_id or "")
        elif kind == "context":
            for i, element in enumerate(
                self.items(block.get("elements"), 10, f"{pointer}/elements")
            ):
                if isinstance(element, dict) and element.get("type") == "image":
                    self.element(element, f"{pointer}/elements/{i}")
                else:
                    self.text(element, 3000, f"{pointer}/elements/{i}")
        elif kind == "input":
            self.text(block.get("label"), 2000, f"{pointer}/label", plain=True)
            if "hint" in block:
                self.text(block["hint"], 2000, f"{pointer}/hint", plain=True)
            element = block.get("element")
            if element is None:
                self.add("missing required field", f"{pointer}/element")
            else:
                self.element(element, f"{pointer}/element")
        elif kind == "image":
            self.length(block.get("alt_text"), 2000, f"{pointer}/alt_text")
            if block.get("image_url") is None and block.get("slack_file") is None:
                self.add("missing required field", f"{pointer}/image_url")
            if "title" in block:
                self.text(block["title"], 2000, f"{pointer}/title", plain=True)

    def blocks(self, blocks: Any, limit: int, pointer: str) -> None:
        items = self.items(blocks, limit, pointer)
        block_ids: set[str] = set()
        for i, block in enumerate(items):
            self.block(block, f"{pointer}/{i}")
            block_id = block.get("block_id") if isinstance(block, dict) else None
            if block_id:
                if block_id in block_ids:
                    self.add("block_id must be unique", f"{pointer}/{i}/block_id")
                block_ids.add(block_id)


def message_block_errors(blocks: Any) -> list[str]:
    """Slack's `errors` for a message's blocks; empty when they are valid."""
    checker = _Checker()
    checker.blocks(blocks, MESSAGE_MAX_BLOCKS, "/blocks")
    return checker.errors


def view_errors(view: Any) -> list[str]:
    """Problems with a modal or Home tab view, pointers rooted at /view."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.add("must be an object", "/view")
        return checker.errors
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.add("must be a valid enum value", "/view/type")
    if kind == "modal":
        checker.text(view.get("title"), _MAX_MODAL_TITLE, "/view/title", plain=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                checker.text(view[key], _MAX_MODAL_TITLE, f"/view/{key}", plain=True)
        blocks = view.get("blocks") or []
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            checker.add("must provide submit when the view has input blocks", "/view/submit")
    checker.length(view.get("private_metadata"), 3000, "/view/private_metadata", required=False)
    checker.length(view.get("callback_id"), 255, "/view/callback_id", required=False)
    checker.length(view.get("external_id"), 255, "/view/external_id", required=False)
    checker.blocks(view.get("blocks"), VIEW_MAX_BLOCKS, "/view/blocks")
    return checker.errors
