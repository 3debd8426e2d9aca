"""A stand-in ML-ops service for the sandbox: the example catalog's mitigation actions
(`https://ml-ops.example/...`) answer here instead of failing on DNS.

Only `incidentbot sandbox` points actions at it (`local_actions`), and only those whose
host ends in `.example`, a name reserved for documentation (RFC 2606) that no real
deployment can reach: a catalog with real endpoints is called as written.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.http.body import BodyTooLarge, read_body
from incidents.catalog import Catalog

PREFIX = "/sandbox/mlops"
CALLS = web.AppKey("sandbox_mlops_calls", list)


def is_placeholder(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "example" or host.endswith(".example")


def local_actions(catalog: Catalog, base_url: str) -> Catalog:
    """The catalog with every `.example` action URL served by this fake service. Their
    headers are dropped: they name credentials (`${MLOPS_TOKEN}`) for the real service,
    which the stand-in neither needs nor should see."""
    systems = {}
    for key, system in catalog.systems.items():
        actions = {}
        for name, action in system.actions.items():
            url = str(action.url)
            if is_placeholder(url):
                parts = urlsplit(url)
                local = f"{base_url}{PREFIX}/{parts.hostname}{parts.path}"
                action = action.model_copy(update={"url": local, "headers": {}})
            actions[name] = action
        systems[key] = system.model_copy(update={"actions": actions})
    return catalog.model_copy(update={"systems": systems})


def add_routes(app: web.Application) -> None:
    calls: list[dict[str, Any]] = []
    app[CALLS] = calls

    async def accept(request: web.Request) -> web.Response:
        try:
            raw = await read_body(request)
            body = json.loads(raw) if raw.strip() else {}
        except BodyTooLarge as exc:
            return web.json_response({"error": str(exc)}, status=413)
        except ValueError:
            return web.json_response({"error": "the body must be JSON"}, status=400)
        call = {"method": request.method, "path": "/" + request.match_info["tail"],
                "body": body if isinstance(body, dict) else {}}
        calls.append(call)
        return web.json_response({"ok": True, "done": call["path"],
                                  "note": "sandbox stand-in: nothing was changed"})

    app.router.add_route("*", f"{PREFIX}/{{tail:.+}}", accept)
