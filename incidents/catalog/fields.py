"""What every catalog model is built from: the strict base (unknown keys fail), errors that
carry their own locations, and the validated values the file names (Slack ids, URLs)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

Loc = tuple[str | int, ...]


class LocatedErrors(ValueError):
    """Problems found by a model-level check, each with a location relative to that model.

    Pydantic reports a model validator's error at the model itself; carrying the precise
    locations lets `load_catalog` point at the offending line instead.
    """

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{dotted_path(loc)}: {msg}" if loc else msg
                                   for loc, msg in problems))


def dotted_path(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _slack_user(value: str) -> str:
    if not re.fullmatch(r"[UW][A-Z0-9_]+", value):
        raise ValueError(f"{value!r} is not a Slack user id (like U012AB3CD), "
                         "not a name or @handle")
    return value


def _slack_channel(value: str) -> str:
    if not re.fullmatch(r"[CG][A-Z0-9_]+", value):
        raise ValueError(f"{value!r} is not a Slack channel id (like C012AB3CD), not a #name")
    return value


def shown_url(value: str) -> str:
    """A URL as it may appear in an error: user and password replaced, `${VAR}` unexpanded."""
    return re.sub(r"(?<=://)[^/@\s]*@", "***@", value)


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
        raise ValueError(f"{shown_url(value)!r} is not an http(s) URL")
    return value


SlackUserId = Annotated[str, AfterValidator(_slack_user)]
SlackChannelId = Annotated[str, AfterValidator(_slack_channel)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]


class Strict(BaseModel):
    """Unknown keys fail: a typo such as `critcality:` is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid")
