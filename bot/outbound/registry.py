"""MLflow's model registry over its REST API, with the bot's own aiohttp (no `mlflow`
package in the bot).

    GET  /api/2.0/mlflow/registered-models/alias?name=&alias=   the version an alias names
    GET  /api/2.0/mlflow/model-versions/search?filter=name='…'  the model's versions
    POST /api/2.0/mlflow/registered-models/alias                move the alias
    POST /api/2.0/mlflow/model-versions/set-tag                 tag a version

Aliases, not the stages MLflow deprecated in 2.9. Headers may carry credentials as
`${VAR}`, expanded only here when a call is made; nothing the registry answers is shown
before `incidents.redaction.redact`, and errors name the host, never the URL.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from incidents.catalog.ai import ModelRegistry
from incidents.catalog.env_refs import MissingVariable, expand
from incidents.redaction import redact, secrets_of
from incidents.registry import policy as registry

log = logging.getLogger(__name__)
API = "/api/2.0/mlflow"
TIMEOUT_SECONDS = 10.0
# Enough versions to choose a rollback from; older ones are not rolled back to in a hurry.
MAX_VERSIONS = 50
DETAIL_CHARS = 300


class RegistryError(Exception):
    """The registry could not be read or refused a change; the text is safe to show."""


def host_of(model: ModelRegistry) -> str:
    parts = urlsplit(model.tracking_uri)
    host = parts.hostname or "the registry"
    return f"{host}:{parts.port}" if parts.port else host


def _millis(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def version_of(raw: dict[str, Any], alias: str) -> registry.Version:
    """One MLflow ModelVersion as the core's `Version`."""
    tags = {t.get("key"): t.get("value") for t in raw.get("tags") or [] if isinstance(t, dict)}
    promoted = None
    if tags.get(registry.promoted_tag(alias)):
        try:
            promoted = datetime.fromisoformat(tags[registry.promoted_tag(alias)]
                                              .replace("Z", "+00:00"))
            promoted = promoted if promoted.tzinfo else promoted.replace(tzinfo=UTC)
        except ValueError:
            promoted = None  # a tag someone wrote by hand: fall back to the registration time
    return registry.Version(
        number=int(raw["version"]), registered_at=_millis(raw.get("creation_timestamp")),
        promoted_at=promoted, status=str(raw.get("status") or registry.READY),
        description=str(raw.get("description") or "")[:500], run_id=str(raw.get("run_id") or ""))


class MlflowRegistry:
    """One registered model's registry, as the catalog's `model:` names it."""

    def __init__(self, model: ModelRegistry, *, timeout: float = TIMEOUT_SECONDS,
                 environ: dict[str, str] | None = None) -> None:
        self.model = model
        self.timeout = timeout
        self.environ = os.environ if environ is None else environ
        self.host = host_of(model)

    def _secrets(self) -> set[str]:
        return secrets_of(self.model.headers.values(), self.environ)

    async def _call(self, method: str, path: str, *, params: dict | None = None,
                    body: dict | None = None) -> dict[str, Any]:
        try:
            headers = {n: expand(v, self.environ) for n, v in self.model.headers.items()}
        except MissingVariable as missing:
            raise RegistryError(f"its headers need the environment variable {missing.name}, "
                                "which is not set") from None
        url = f"{self.model.tracking_uri}{API}{path}"
        try:
            async with aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout)
            ) as http, http.request(method, url, params=params, json=body, headers=headers,
                                    allow_redirects=False) as response:
                raw = await response.read()
                status = response.status
        except TimeoutError:
            raise RegistryError(f"{self.host} did not answer within {self.timeout:g}s") from None
        except aiohttp.ClientError as exc:  # its text can hold the URL: the type says enough
            raise RegistryError(f"could not reach {self.host} ({type(exc).__name__})") from None
        text = raw.decode("utf-8", "replace")
        try:
            answer = json_of(text)
        except ValueError:
            answer = None
        if not 200 <= status < 300 or answer is None:
            raise RegistryError(f"{self.host} answered HTTP {status}: {self._detail(answer, text)}")
        return answer

    def _detail(self, answer: dict | None, text: str) -> str:
        if answer and answer.get("message"):
            said = f"{answer.get('error_code', 'error')}: {answer['message']}"
        else:
            said = " ".join(text.split())
        return redact(said[:DETAIL_CHARS], secrets=self._secrets()) or "no detail"

    async def alias_version(self) -> registry.Version | None:
        """The version the alias points at; None when the alias is not set."""
        try:
            answer = await self._call("GET", "/registered-models/alias",
                                      params={"name": self.model.name, "alias": self.model.alias})
        except RegistryError as exc:
            # MLflow answers an unset alias with 400 INVALID_PARAMETER_VALUE "…alias … not
            # found"; anything else is a real failure.
            if "alias" in str(exc) and "not found" in str(exc):
                return None
            raise
        return version_of(answer["model_version"], self.model.alias)

    async def versions(self) -> list[registry.Version]:
        answer = await self._call("GET", "/model-versions/search", params={
            "filter": f"name='{self.model.name}'",
            "max_results": str(MAX_VERSIONS), "order_by": "version_number DESC"})
        return [version_of(raw, self.model.alias) for raw in answer.get("model_versions") or []]

    async def read(self, now: datetime) -> registry.RegistryState:
        """The alias's version and the model's versions, as one state."""
        serving = await self.alias_version()
        versions = {v.number: v for v in await self.versions()}
        if serving is not None:
            versions.setdefault(serving.number, serving)
        ordered = tuple(sorted(versions.values(), key=lambda v: v.number, reverse=True))
        return registry.RegistryState(
            name=self.model.name, alias=self.model.alias, host=self.host, read_at=now,
            serving=serving.number if serving else None, versions=ordered)

    async def move_alias(self, version: int, *, now: datetime) -> None:
        """Point the alias at `version` and tag the version with the time it happened (the
        one record of a promotion time MLflow keeps, see incidents/registry/policy.py)."""
        await self._call("POST", "/registered-models/alias", body={
            "name": self.model.name, "alias": self.model.alias, "version": str(version)})
        log.info("moved %s@%s to v%s on %s", self.model.name, self.model.alias, version,
                 self.host)
        await self._call("POST", "/model-versions/set-tag", body={
            "name": self.model.name, "version": str(version),
            "key": registry.promoted_tag(self.model.alias),
            "value": now.astimezone(UTC).isoformat().replace("+00:00", "Z")})


def json_of(text: str) -> dict[str, Any]:
    value = json.loads(text) if text.strip() else {}
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value
