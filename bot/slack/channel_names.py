"""Channel names: `inc-<yyyymmdd>-<id>-<slug>`, as Slack accepts them."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

MAX_CHANNEL_NAME = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_ALLOWED.sub("-", ascii_text.lower()).strip("-_")


def channel_name(
    *, incident_id: int, title: str, created_at: datetime, drill: bool = False, attempt: int = 1
) -> str:
    """The name for an incident's channel; `attempt` > 1 adds a suffix after `name_taken`."""
    prefix = f"inc-{created_at:%Y%m%d}-{incident_id}"
    if drill:
        prefix += "-drill"
    suffix = f"-{attempt}" if attempt > 1 else ""
    room = MAX_CHANNEL_NAME - len(prefix) - len(suffix) - 1
    slug = slugify(title)[: max(room, 0)].strip("-_")
    return f"{prefix}-{slug}{suffix}" if slug else f"{prefix}{suffix}"
