"""Rendering documents from plain data with the one Jinja2 environment.

Templates live in the top-level `templates/` folder (shipped as `incidents/templates`); a
catalog's `templates_dir` replaces any of them by the same relative name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from incidents.templating import make_environment

INITIAL_NOTIFICATION = "notifications/initial.txt.j2"
STATUS_UPDATE = "notifications/status_update.txt.j2"
RESOLUTION_NOTIFICATION = "notifications/resolution.txt.j2"
REVIEW = "review.md.j2"


@lru_cache(maxsize=8)
def environment(templates_dir: Path | None = None) -> Environment:
    """One environment per override folder, built on first use and kept: Jinja2 caches the
    compiled templates in it, so the review of a long incident is not re-parsed each time."""
    return make_environment(templates_dir)


def render(name: str, context: dict[str, Any], *, templates_dir: Path | None = None) -> str:
    return environment(templates_dir).get_template(name).render(**context)


def utc_text(moment: datetime | None, *, missing: str = "not recorded") -> str:
    """`2026-11-27 10:00:00 UTC`: exact to the second, the zone always named."""
    if moment is None:
        return missing
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def promise_text(moment: datetime) -> str:
    """A time promised to a client, unambiguous wherever they are: `14:30 UTC on 27 Nov 2026`."""
    at = moment.astimezone(UTC)
    return f"{at:%H:%M} UTC on {at.day} {at:%b %Y}"
