"""The model registry as the incident sees it: which version serves, since when, which
earlier versions a rollback can return to, and what that says about the cause.

Pure. The bot reads MLflow (bot/outbound/registry.py) and hands over a `RegistryState`; this
module words it and decides, given the first alert's time and the policy's window.

When was a version promoted? MLflow keeps no time for an alias move. The bot tags a
version when it moves the alias to it, `incidentbot.promoted_at.<alias>` with the UTC time
(a promotion pipeline can set the same tag); that time is *promoted*. Without the tag the
version's registration time (`creation_timestamp`) is all there is, and it is worded
*registered*: the alias moved there at that time or later, never earlier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

TAG_PREFIX = "incidentbot.promoted_at."
READY = "READY"


def promoted_tag(alias: str) -> str:
    """The version tag that records when `alias` moved to the version."""
    return f"{TAG_PREFIX}{alias}"


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


@dataclass(frozen=True)
class Version:
    number: int
    registered_at: datetime | None
    promoted_at: datetime | None = None  # from the alias's tag, when someone set it
    status: str = READY
    description: str = ""
    run_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.number, "registered_at": _iso(self.registered_at),
                "promoted_at": _iso(self.promoted_at), "status": self.status,
                "description": self.description, "run_id": self.run_id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Version:
        return cls(int(data["version"]), _time(data.get("registered_at")),
                   _time(data.get("promoted_at")), data.get("status") or READY,
                   data.get("description") or "", data.get("run_id") or "")


@dataclass(frozen=True)
class RegistryState:
    """What the registry said at `read_at`: the alias's version and the model's versions."""

    name: str
    alias: str
    host: str
    read_at: datetime
    serving: int | None
    versions: tuple[Version, ...] = field(default_factory=tuple)

    def version(self, number: int | None) -> Version | None:
        return next((v for v in self.versions if v.number == number), None)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "alias": self.alias, "host": self.host,
                "read_at": _iso(self.read_at), "serving": self.serving,
                "versions": [v.to_dict() for v in self.versions]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegistryState:
        return cls(data["name"], data["alias"], data.get("host", ""), _time(data["read_at"]),
                   data.get("serving"),
                   tuple(Version.from_dict(v) for v in data.get("versions") or []))


@dataclass(frozen=True)
class Promotion:
    version: int
    at: datetime
    exact: bool  # True: the bot's tag says when; False: the registration time, a lower bound

    @property
    def verb(self) -> str:
        return "promoted" if self.exact else "registered"


def promotion(state: RegistryState, number: int | None = None) -> Promotion | None:
    """When the serving version (or `number`) became what it is, as far as MLflow knows."""
    version = state.version(state.serving if number is None else number)
    if version is None:
        return None
    if version.promoted_at is not None:
        return Promotion(version.number, version.promoted_at, True)
    if version.registered_at is not None:
        return Promotion(version.number, version.registered_at, False)
    return None


def span(delta: timedelta) -> str:
    """A span as people say it: "45 s", "25 min", "3 h 10 min", "2 d 4 h", "30 d"."""
    seconds = int(abs(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    days, hours = divmod(hours, 24)
    if days < 7:
        return f"{days} d" + (f" {hours} h" if hours else "")
    return f"{days} d"


UNRECORDED = "MLflow does not record when an alias moves"


def promotion_text(state: RegistryState, *, reference: datetime | None,
                   reference_name: str = "the first alert") -> str:
    """"v42 promoted 3 h before the first alert" and the like; what the time means is said."""
    found = promotion(state)
    if found is None:
        return f"v{state.serving}: the registry gives no time for it"
    text = f"v{found.version} {found.verb}"
    if reference is None:
        text += f" {found.at:%Y-%m-%d %H:%M} UTC"
    else:
        gap = reference - found.at
        text += f" {span(gap)} {'before' if gap >= timedelta(0) else 'after'} {reference_name}"
    if not found.exact:
        text += f" ({UNRECORDED}; it moved to this version then or later)"
    return text


@dataclass(frozen=True)
class TriageAnswer:
    """The bot's answer to "Has the model been recently updated?" and why."""

    value: str  # a choice of the checklist item: yes, no or unsure
    reason: str


def model_updated(state: RegistryState, *, reference: datetime, window: timedelta,
                  reference_name: str = "the first alert") -> TriageAnswer | None:
    """Yes when the serving version was promoted within `window` before `reference` (the
    first alert, or the declaration). None when the registry names no serving version."""
    found = promotion(state)
    if state.serving is None or found is None:
        return None
    gap = reference - found.at
    said = promotion_text(state, reference=reference, reference_name=reference_name)
    if gap < timedelta(0):
        return TriageAnswer("unsure", f"{said}: which version served when it fired is not "
                                      "recorded")
    if gap <= window:
        return TriageAnswer("yes", said)
    if found.exact:
        return TriageAnswer("no", f"{said}, longer ago than {span(window)}")
    return TriageAnswer("unsure", said)


def earlier_versions(state: RegistryState, limit: int = 25) -> list[Version]:
    """The versions a rollback can return to: ready, older than the serving one, newest
    first."""
    if state.serving is None:
        return []
    found = [v for v in state.versions if v.number < state.serving and v.status == READY]
    return sorted(found, key=lambda v: v.number, reverse=True)[:limit]


def default_target(state: RegistryState) -> Version | None:
    """The version served before the current one: the latest promoted earlier version when
    the tags say, else the newest earlier version."""
    earlier = earlier_versions(state)
    promoted = [v for v in earlier if v.promoted_at is not None]
    if promoted:
        return max(promoted, key=lambda v: v.promoted_at)
    return earlier[0] if earlier else None


def version_label(version: Version) -> str:
    """A version as a choice: "v41 · registered 2026-11-16 · promoted 2026-11-17"."""
    parts = [f"v{version.number}"]
    if version.registered_at:
        parts.append(f"registered {version.registered_at:%Y-%m-%d}")
    if version.promoted_at:
        parts.append(f"promoted {version.promoted_at:%Y-%m-%d %H:%M} UTC")
    return " · ".join(parts)
