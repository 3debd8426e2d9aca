"""The generic alert as the core accepts it, from `POST /alerts` or mapped from Alertmanager and
Grafana: fields capped where they enter (Block Kit's limits, README "HTTP endpoints") rather
than refused, non-finite numbers kept as unknown."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from incidents.severity import parse_severity
from incidents.types import AlertStatus, Signal

# Alert text is capped where it enters, never refused for its length: a sender such as
# Alertmanager does not retry a 4xx, so refusing a long summary would lose the alert. The caps
# keep every field inside Slack's Block Kit limits wherever it is shown (a section's field
# holds 2,000 characters, a context element 3,000).
TITLE_MAX = 300


DESCRIPTION_MAX = 2900


NAME_MAX = 100


LABEL_MAX = 500


LABELS_MAX = 50


LINKS_MAX = 8


URL_MAX = 1000


def _capped(limit: int):
    def cap(value: str) -> str:
        return value if len(value) <= limit else value[: limit - 1] + "…"
    return AfterValidator(cap)


def _cut(value: Any, limit: int) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _finite_or_none(value: Any) -> Any:
    """Prometheus sends "NaN" for 0/0 and "+Inf" for x/0: the alert is kept, its value is
    unknown rather than a number no sentence can say."""
    try:
        number = float(value)
    except OverflowError:
        return None  # an integer past any float: as unknown as infinity
    except (TypeError, ValueError):
        return value  # left for the float validation to name
    return number if math.isfinite(number) else None


Finite = Annotated[float | None, BeforeValidator(_finite_or_none)]


class MetricIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Annotated[str, _capped(NAME_MAX)] = "metric"
    value: Finite
    baseline: Finite = None
    threshold: Finite = None


class AlertIn(BaseModel):
    """The generic alert of the README; Alertmanager and Grafana payloads are mapped onto it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    system: str = Field(min_length=1, max_length=200)
    title: Annotated[str, Field(min_length=1), _capped(TITLE_MAX)]
    signal: Signal | None = None
    status: AlertStatus = AlertStatus.FIRING
    severity: str | int | None = None
    fingerprint: str | None = None
    started_at: AwareDatetime | None = None
    description: Annotated[str, _capped(DESCRIPTION_MAX)] = ""
    metric: MetricIn | None = None
    links: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: str | int | None) -> str | int | None:
        if value is not None and parse_severity(value) is None:
            raise ValueError("use sev1–sev4 or critical/high/medium/low/warning/info")
        return value

    @field_validator("fingerprint")
    @classmethod
    def _short_fingerprint(cls, value: str | None) -> str | None:
        """A long dedup key is hashed, not cut: two keys sharing a prefix stay apart."""
        if value is not None and len(value) > 200:
            return hashlib.sha256(value.encode("utf-8", "backslashreplace")).hexdigest()
        return value

    @field_validator("started_at")
    @classmethod
    def _in_utc_range(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("date out of range") from None

    @field_validator("labels", mode="before")
    @classmethod
    def _label_values(cls, value: Any) -> Any:
        if isinstance(value, dict):
            items = list(value.items())[:LABELS_MAX]
            return {_cut(k, NAME_MAX): "" if v is None else _cut(v, LABEL_MAX) for k, v in items}
        return value

    @field_validator("links", mode="before")
    @classmethod
    def _usable_links(cls, value: Any) -> Any:
        """A URL cut short would lead nowhere: an over-long one is left out instead."""
        if isinstance(value, dict):
            links = {_cut(k, 30): str(v) for k, v in value.items()
                     if v is not None and len(str(v)) <= URL_MAX}
            return dict(list(links.items())[:LINKS_MAX])
        return value

    def derived_fingerprint(self) -> str:
        if self.fingerprint:
            return self.fingerprint
        key = json.dumps(
            [self.system, self.title, self.signal, sorted(self.labels.items())], default=str
        )
        return hashlib.sha256(key.encode()).hexdigest()[:32]
