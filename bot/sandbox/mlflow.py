"""A small model registry for the sandbox that answers the MLflow REST calls the bot makes
(bot/outbound/registry.py), so the example catalog's `mlflow.northwind.example` works without
an MLflow server.

Only `incidentbot sandbox` points a catalog at it (`local_registry`), and only a
`tracking_uri` on a `.example` host (RFC 2606: no real deployment uses one). Each model the
catalog names is seeded so the scenario "a bad model promotion is found and rolled back"
can be played: v42 promoted three hours before the sandbox started (so before any alert
fired from its page), v41 the good version it replaced, v40 before that. Calls are
recorded in order (`CALLS`), and `HOOK` lets a test look at the bot's database at the
moment a call arrives.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.http.body import BodyTooLarge, read_body
from bot.sandbox.mlops import is_placeholder
from incidents.catalog import Catalog
from incidents.registry.policy import promoted_tag

PREFIX = "/sandbox/mlflow"
API = "/api/2.0/mlflow"
CALLS = web.AppKey("sandbox_mlflow_calls", list)
HOOK = web.AppKey("sandbox_mlflow_hook", list)  # [callable(call)]: called as calls arrive
MODELS = web.AppKey("sandbox_mlflow_models", dict)

# (version, registered before start, promoted before start or None, description)
SEED = (
    (40, timedelta(days=45), timedelta(days=44), "Gradient-boosted trees, Q3 features"),
    (41, timedelta(days=20), timedelta(days=19), "Retrained on October data"),
    (42, timedelta(hours=3, minutes=20), timedelta(hours=3),
     "Retrained on November data with the new merchant features"),
)


def local_registry(catalog: Catalog, base_url: str) -> Catalog:
    """The catalog with every `.example` registry served here, its headers dropped (they
    name the real registry's credentials, which the stand-in neither needs nor sees)."""
    systems = {}
    for key, system in catalog.systems.items():
        model = system.model
        if model is not None and is_placeholder(model.tracking_uri):
            host = urlsplit(model.tracking_uri).hostname
            model = model.model_copy(update={"tracking_uri": f"{base_url}{PREFIX}/{host}",
                                              "headers": {}})
            system = system.model_copy(update={"model": model})
        systems[key] = system
    return catalog.model_copy(update={"systems": systems})


def _millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def seeded(name: str, alias: str, now: datetime) -> dict[str, Any]:
    versions = {}
    for number, registered, promoted, description in SEED:
        tags = {promoted_tag(alias): (now - promoted).isoformat().replace("+00:00", "Z")}
        versions[number] = {"name": name, "version": str(number),
                            "creation_timestamp": _millis(now - registered),
                            "last_updated_timestamp": _millis(now - registered),
                            "current_stage": "None", "description": description,
                            "source": f"s3://models/{name}/{number}", "run_id": "",
                            "status": "READY", "tags": tags}
    return {"versions": versions, "aliases": {alias: SEED[-1][0]}}


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error_code": code, "message": message}, status=status)


def add_routes(app: web.Application, catalog: Catalog, *, now: datetime | None = None) -> None:
    started = now or datetime.now(UTC)
    models: dict[str, dict[str, Any]] = {}  # by name: the sandbox has one registry per host
    for system in catalog.systems.values():
        if system.model is not None:
            models[system.model.name] = seeded(system.model.name, system.model.alias, started)
    app[MODELS] = models
    app[CALLS] = []
    app[HOOK] = []

    async def handle(request: web.Request) -> web.Response:
        host, path = request.match_info["host"], "/" + request.match_info["tail"]
        try:
            raw = await read_body(request)
            body = json.loads(raw) if raw.strip() else {}
        except BodyTooLarge as exc:
            return _error(413, "INVALID_PARAMETER_VALUE", str(exc))
        except ValueError:
            return _error(400, "MALFORMED_REQUEST", "the body must be JSON")
        params = {**request.query, **(body if isinstance(body, dict) else {})}
        call = {"method": request.method, "host": host, "path": path, "params": params}
        app[CALLS].append(call)
        for hook in app[HOOK]:
            hook(call)
        return _answer(models, request.method, path, params)

    app.router.add_route("*", f"{PREFIX}/{{host}}{API}/{{tail:.+}}", handle)


def _name(params: dict) -> str:
    if not params.get("name") and "filter" in params:  # name='fraud-detector'
        return params["filter"].partition("=")[2].strip().strip("'\"")
    return params.get("name", "")


def _shown(version: dict, aliases: dict | None = None) -> dict:
    """A stored version as MLflow answers it: tags as a list of key/value pairs."""
    shown = {**version, "tags": [{"key": k, "value": v} for k, v in version["tags"].items()]}
    if aliases is not None:
        shown["aliases"] = [a for a, n in aliases.items() if str(n) == version["version"]]
    return shown


def _answer(models: dict, method: str, path: str, params: dict) -> web.Response:
    name = _name(params)
    model = models.get(name)
    if model is None:
        return _error(404, "RESOURCE_DOES_NOT_EXIST",
                      f"Registered Model with name={name} not found")
    versions, aliases = model["versions"], model["aliases"]
    if path == "/model-versions/search" and method == "GET":
        ordered = sorted(versions.values(), key=lambda v: int(v["version"]), reverse=True)
        limit = int(params.get("max_results", 100))
        return web.json_response({"model_versions": [_shown(v) for v in ordered[:limit]]})
    if path == "/registered-models/alias" and method == "GET":
        number = aliases.get(params.get("alias"))
        if number is None:
            return _error(400, "INVALID_PARAMETER_VALUE",
                          f"Registered model alias {params.get('alias')} not found.")
        return web.json_response({"model_version": _shown(versions[number], aliases)})
    if path == "/registered-models/alias" and method == "POST":
        number = int(params.get("version", 0)) if str(params.get("version")).isdigit() else 0
        if number not in versions:
            return _error(404, "RESOURCE_DOES_NOT_EXIST", f"Model Version (name={name}, "
                          f"version={params.get('version')}) not found")
        aliases[params["alias"]] = number
        return web.json_response({})
    if path == "/model-versions/set-tag" and method == "POST":
        version = versions.get(int(params["version"])) if str(params.get("version")).isdigit() \
            else None
        if version is None:
            return _error(404, "RESOURCE_DOES_NOT_EXIST", "Model Version not found")
        version["tags"][params["key"]] = params["value"]
        return web.json_response({})
    return _error(404, "ENDPOINT_NOT_FOUND", f"{method} {path} is not served by the sandbox")
