"""What the catalog says about an AI system beyond its service: the registered model that
serves it, the client's contractual quality floors and the laws its incidents answer to.

    model: {registry: mlflow, tracking_uri: https://mlflow.example, name: fraud-detector,
            alias: champion, headers: {Authorization: "Bearer ${MLFLOW_TOKEN}"}}
    contract: {accuracy: {min: 0.80}, false_positive_rate: {max: 0.05}}
    obligations: [{eu_ai_act: {role: provider}}, gdpr, nis2]

`contract` may also stand under a client; `Catalog.contract_for` merges the two, the
system's own bound winning metric by metric. All three keys are optional and a system
without them behaves as before.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
        shown = re.sub(r"(?<=://)[^/@\s]*@", "***@", value)
        raise ValueError(f"{shown!r} is not an http(s) URL")
    return value.rstrip("/")


class ModelRegistry(_Strict):
    """The registered model behind a system. MLflow is the one registry spoken today; the
    serving version is the one the alias points at (aliases replaced stages in MLflow 2.9)."""

    registry: Literal["mlflow"] = "mlflow"
    tracking_uri: Annotated[str, AfterValidator(_http_url)]
    name: str = Field(min_length=1)
    alias: str = Field("champion", min_length=1)
    headers: dict[str, str] = {}  # values may name ${VAR}s, expanded when a call is made


class Bound(_Strict):
    """A contractual floor (`min`), ceiling (`max`) or both for one metric."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> Bound:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        for value in (self.min, self.max):
            if value is not None and not math.isfinite(value):
                raise ValueError("bounds must be finite numbers")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is above max")
        return self


Contract = dict[str, Bound]  # metric name (as alerts and monitors name it) -> bound

EuAiActRole = Literal["provider", "deployer"]
Regulation = Literal["eu_ai_act", "gdpr", "nis2"]


class EuAiAct(_Strict):
    role: EuAiActRole


class Obligations(_Strict):
    """The regulations whose reporting clocks an incident of this system may start."""

    eu_ai_act: EuAiAct | None = None
    gdpr: bool = False
    nis2: bool = False

    @property
    def any(self) -> bool:
        return self.eu_ai_act is not None or self.gdpr or self.nis2

    @property
    def regulations(self) -> list[Regulation]:
        names: list[Regulation] = []
        if self.eu_ai_act is not None:
            names.append("eu_ai_act")
        if self.gdpr:
            names.append("gdpr")
        if self.nis2:
            names.append("nis2")
        return names


def _obligations(value: Any) -> Any:
    """`[{eu_ai_act: {role: provider}}, gdpr, nis2]` as written in YAML -> `Obligations`."""
    if value is None or isinstance(value, dict | Obligations):
        return value
    if not isinstance(value, list):
        raise ValueError("write obligations as a list, e.g. [{eu_ai_act: {role: provider}}, "
                         "gdpr, nis2]")
    merged: dict[str, Any] = {}
    for item in value:
        if isinstance(item, str):
            if item == "eu_ai_act":
                raise ValueError("eu_ai_act needs the organisation's role: write "
                                 "{eu_ai_act: {role: provider}} or {role: deployer}")
            merged[item] = True
        elif isinstance(item, dict) and len(item) == 1:
            merged.update(item)
        else:
            raise ValueError(f"{item!r} is not an obligation (eu_ai_act, gdpr or nis2)")
    return merged


ObligationList = Annotated[Obligations, BeforeValidator(_obligations)]


def merged_contract(client: Contract | None, system: Contract | None) -> Contract:
    """The bounds that apply to a system: its client's, with the system's own winning."""
    return {**(client or {}), **(system or {})}
