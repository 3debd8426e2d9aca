"""Web API arguments as Slack receives them (strings from forms, values from JSON) and errors."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

# Arguments that clients send JSON-encoded when they use a form body.
JSON_ARGUMENTS = ("blocks", "view", "attachments", "files", "metadata", "unfurls")


class SlackError(Exception):
    """A Web API error: becomes {"ok": false, "error": error, **extra}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def decode_json_arguments(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Copy of the arguments with JSON strings decoded, so the calls log reads naturally."""
    params = dict(raw)
    for key in JSON_ARGUMENTS:
        value = params.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            # Undecodable text stays as it is; the method reports the format error.
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


class Params:
    """Typed access to one call's arguments with Slack's coercions ("true", "1", "a,b")."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def __contains__(self, key: str) -> bool:
        return self.values.get(key) not in (None, "")

    def str(self, key: str, default: str = "") -> str:
        value = self.values.get(key)
        if value is None:
            return default
        return value if isinstance(value, str) else str(value)

    def required(self, key: str, error: str) -> str:
        value = self.str(key).strip()
        if not value:
            raise SlackError(error)
        return value

    def bool(self, key: str, default: bool = False) -> bool:
        value = self.values.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes")

    def int(self, key: str, default: int) -> int:
        value = self.values.get(key)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments") from None

    def list(self, key: str) -> list[str]:
        value = self.values.get(key)
        if value is None:
            return []
        if isinstance(value, list | tuple):
            return [str(v).strip() for v in value if str(v).strip()]
        return [part.strip() for part in str(value).split(",") if part.strip()]

    def json(self, key: str, *, error: str) -> Any:
        """A JSON argument: already decoded (JSON body) or a JSON string (form body)."""
        value = self.values.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise SlackError(error) from None
        return value
