"""The catalog and policy (`incidentbot.yml`) as validated models.

Every model forbids unknown keys, so a typo such as `critcality:` fails start-up instead
of silently falling back to a default (incidents/catalog/fields.py); on-call schedules and
escalation policies are in incidents/catalog/oncall.py. Relative paths are resolved against
the folder given as `context={"base_dir": ...}` when validating (`load_catalog` passes the
file's).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from incidents.catalog.ai import Contract, ModelRegistry, ObligationList, merged_contract
from incidents.catalog.durations import Duration, PositiveDuration
from incidents.catalog.fields import (
    HttpUrl,
    Loc,
    LocatedErrors,
    SlackChannelId,
    SlackUserId,
    Strict,
)
from incidents.catalog.oncall import EscalationLevel, Schedule
from incidents.regulatory.clocks import RegulatoryPolicy

Criticality = Literal["critical", "high", "standard"]
ActionName = Literal["rollback", "rules_fallback", "manual_review", "threshold"]
RUNBOOK_NAMES = (
    "model_performance_degradation",
    "data_pipeline_failure",
    "emergency_model_rollback",
    "emergency_retraining",
)


def _resolve(value: Path | str | None, info: ValidationInfo) -> Any:
    """Anchor a relative path at the catalog's folder; globs stay strings."""
    if value is None or "://" in str(value):  # absent, or a URL such as s3://bucket/key
        return value
    base = (info.context or {}).get("base_dir")
    path = Path(value).expanduser()
    if base is not None and not path.is_absolute():
        path = Path(base) / path
    return str(path) if isinstance(value, str) else path


def _from_file(info: ValidationInfo) -> bool:
    # Existence is only checked for a loaded file; models built in code may name
    # files that are created later.
    return bool(info.context) and info.context.get("base_dir") is not None


class Contact(Strict):
    name: str
    email: str | None = None
    slack: SlackUserId | None = None
    phone: str | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+", value):
            raise ValueError(f"{value!r} is not an email address")
        return value


class Client(Strict):
    name: str
    executive_contact: Contact | None = None
    technical_contact: Contact | None = None
    channel: SlackChannelId | None = None  # shared channel where client updates may go
    contract: Contract = {}  # quality bounds for all the client's systems (catalog/ai.py)


class HttpAction(Strict):
    url: HttpUrl
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    headers: dict[str, str] = {}
    timeout: PositiveDuration = timedelta(seconds=10)

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class CurrentQuery(Strict):
    url: str  # an SQLAlchemy database URL
    sql: str


class DataSources(Strict):
    reference: Path | None = None
    current: str | None = None  # a path or a glob such as data/current/*.parquet
    current_query: CurrentQuery | None = None
    prediction: str | None = None
    confidence: str | None = None
    label: str | None = None
    exclude: list[str] = []  # columns that are not features (ids, timestamps)

    @field_validator("reference", "current")
    @classmethod
    def _relative_to_catalog(cls, value: Any, info: ValidationInfo) -> Any:
        return _resolve(value, info)

    @model_validator(mode="after")
    def _one_current(self) -> DataSources:
        if self.current is not None and self.current_query is not None:
            raise LocatedErrors([(("current_query",), "give either current or current_query, "
                                  "not both")])
        return self

    @property
    def has_current(self) -> bool:
        return self.current is not None or self.current_query is not None


class Monitor(Strict):
    every: PositiveDuration
    min_rows: int = Field(200, ge=1)
    # Paging needs a larger shift than a report calls notable: 0.25 is the usual
    # "significant shift" line for PSI, where 0.1 only merits a look.
    psi_threshold: float = Field(0.25, gt=0)
    alpha: float = Field(0.05, gt=0, lt=1)


class System(Strict):
    client: str | None = None
    name: str | None = None  # display name; the catalog fills in the key when absent
    description: str = ""
    criticality: Criticality = "standard"
    owners: list[SlackUserId] = []
    dashboard: HttpUrl | None = None
    runbook: HttpUrl | None = None
    actions: dict[ActionName, HttpAction] = {}
    data: DataSources | None = None
    monitors: list[Monitor] = []
    runbooks: dict[str, Path] = {}  # runbook name -> Markdown file replacing the shipped one
    oncall: str | None = None
    escalation: str | None = None
    # AI-system context (incidents/catalog/ai.py): all optional.
    model: ModelRegistry | None = None
    contract: Contract = {}
    obligations: ObligationList | None = None

    @field_validator("runbooks")
    @classmethod
    def _runbook_files(cls, value: dict[str, Path], info: ValidationInfo) -> dict[str, Path]:
        resolved = {name: _resolve(path, info) for name, path in value.items()}
        if _from_file(info):
            problems: list[tuple[Loc, str]] = [
                ((name,), f"no such file: {path}")
                for name, path in resolved.items() if not path.is_file()
            ]
            if problems:
                raise LocatedErrors(problems)
        return resolved

    @model_validator(mode="after")
    def _monitors_need_data(self) -> System:
        if self.monitors and (
            self.data is None or self.data.reference is None or not self.data.has_current
        ):
            raise LocatedErrors([(("monitors",), "monitors need data.reference and "
                                  "data.current (or data.current_query)")])
        return self


class SeverityPolicy(Strict):
    executive_notification: Duration | None = None
    technical_notification: Duration | None = None
    first_response: Duration | None = None
    status_update_every: PositiveDuration | None = None


# The response times of each severity (README, "Runs the deadlines by severity"); a file's
# `policy` only states what it changes.
DEFAULT_SEVERITY_POLICIES: dict[str, dict[str, timedelta]] = {
    "sev1": {"executive_notification": timedelta(minutes=30),
             "status_update_every": timedelta(hours=2)},
    "sev2": {"technical_notification": timedelta(hours=2),
             "status_update_every": timedelta(hours=2)},
    "sev3": {"first_response": timedelta(hours=24)},
    "sev4": {},
}


class Policy(Strict):
    sev1: SeverityPolicy = SeverityPolicy(**DEFAULT_SEVERITY_POLICIES["sev1"])
    sev2: SeverityPolicy = SeverityPolicy(**DEFAULT_SEVERITY_POLICIES["sev2"])
    sev3: SeverityPolicy = SeverityPolicy(**DEFAULT_SEVERITY_POLICIES["sev3"])
    sev4: SeverityPolicy = SeverityPolicy(**DEFAULT_SEVERITY_POLICIES["sev4"])
    review_within_business_days: int = Field(5, ge=1)
    holidays: list[date] = []
    reminder_lead: Duration = timedelta(minutes=10)  # how long before a deadline to remind
    # Regulatory clocks (incidents/regulatory/clocks.py): the zone calendar days are counted
    # in, and clocks stricter than the law's.
    regulatory: RegulatoryPolicy = RegulatoryPolicy()
    # A model version promoted this long before the first alert answers triage's "Has the
    # model been recently updated?" with yes (incidents/registry/policy.py).
    recent_model_promotion: Duration = timedelta(hours=24)

    @model_validator(mode="before")
    @classmethod
    def _merge_defaults(cls, data: Any) -> Any:
        """Each severity keeps the defaults it does not mention; an explicit null drops one."""
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for key, defaults in DEFAULT_SEVERITY_POLICIES.items():
            given = merged.get(key)
            if isinstance(given, SeverityPolicy):
                given = given.model_dump(exclude_unset=True)
            if isinstance(given, dict):
                merged[key] = {**defaults, **given}
        return merged

    def for_severity(self, sev: int) -> SeverityPolicy:
        if sev not in (1, 2, 3, 4):
            raise ValueError(f"severity must be 1 to 4, not {sev!r}")
        return getattr(self, f"sev{int(sev)}")


class Catalog(Strict):
    clients: dict[str, Client] = {}
    systems: dict[str, System] = {}
    oncall: dict[str, Schedule] = {}
    escalation: dict[str, list[EscalationLevel]] = {}
    policy: Policy = Policy()
    templates_dir: Path | None = None
    _source: Path | None = PrivateAttr(default=None)

    @field_validator("templates_dir")
    @classmethod
    def _templates_dir(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        path = _resolve(value, info)
        if path is not None and _from_file(info) and not path.is_dir():
            raise ValueError(f"no such folder: {path}")
        return path

    @model_validator(mode="after")
    def _references(self) -> Catalog:
        problems: list[tuple[Loc, str]] = []

        def check(loc: Loc, value: str | None, known: dict[str, Any], what: str) -> None:
            if value is not None and value not in known:
                choices = ", ".join(sorted(known)) or "none defined"
                problems.append((loc, f"unknown {what} {value!r} (known: {choices})"))

        for key, system in self.systems.items():
            check(("systems", key, "client"), system.client, self.clients, "client")
            check(("systems", key, "oncall"), system.oncall, self.oncall, "on-call schedule")
            check(("systems", key, "escalation"), system.escalation, self.escalation,
                  "escalation policy")
            if system.name is None:
                system.name = key
        for key, levels in self.escalation.items():
            if not levels:
                problems.append((("escalation", key), "needs at least one level"))
            for index, level in enumerate(levels):
                check(("escalation", key, index, "schedule"), level.schedule, self.oncall,
                      "on-call schedule")
        if problems:
            raise LocatedErrors(problems)
        return self

    @property
    def source(self) -> Path | None:
        """The file this catalog was loaded from; None for the built-in empty catalog."""
        return self._source

    def system(self, key: str) -> System | None:
        return self.systems.get(key)

    def client_for(self, system_key: str) -> Client | None:
        system = self.systems.get(system_key)
        if system is None or system.client is None:
            return None
        return self.clients.get(system.client)

    def contract_for(self, system_key: str) -> Contract:
        """The quality bounds a system's client was promised: the client's, the system's
        own winning metric by metric. Empty when neither states any."""
        system = self.systems.get(system_key)
        if system is None:
            return {}
        client = self.clients.get(system.client) if system.client else None
        return merged_contract(client.contract if client else None, system.contract)

    def escalation_for(self, system_key: str) -> list[EscalationLevel]:
        """The levels of the system's escalation policy; none when it names no policy."""
        system = self.systems.get(system_key)
        if system is None or system.escalation is None:
            return []
        return self.escalation.get(system.escalation, [])
