"""A real MLflow tracking server for the registry tests: `mlflow server` with a SQLite
backend store on a free loopback port, started once per test session (the `mlflow`
package is in the `test` extra only; the bot itself speaks MLflow's REST API)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.sandbox.stack import bind

START_SECONDS = 120  # the first start migrates its SQLite store: ~30 s on the 2-core VM
API = "/api/2.0/mlflow"


class MlflowServer:
    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, method: str, path: str, body: dict | None = None, **query: str) -> dict:
        """One REST call, as MLflow's own clients make it; raises on an error answer."""
        url = f"{self.url}{API}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def register(self, name: str, versions: int, *, alias: str = "champion") -> None:
        """A registered model with `versions` versions, the alias on the newest."""
        self.call("POST", "/registered-models/create", {"name": name})
        for number in range(1, versions + 1):
            self.call("POST", "/model-versions/create", {
                "name": name, "source": f"s3://models/{name}/{number}",
                "description": f"version {number} of {name}"})
        self.call("POST", "/registered-models/alias",
                  {"name": name, "alias": alias, "version": str(versions)})

    def alias(self, name: str, alias: str = "champion") -> dict:
        return self.call("GET", "/registered-models/alias", name=name, alias=alias)[
            "model_version"]


def missing() -> str | None:
    if shutil.which("mlflow", path=str(Path(sys.executable).parent)) is None:
        return "the mlflow package is not installed (pip install '.[test]')"
    return None


@contextmanager
def running_server(folder: Path) -> Iterator[MlflowServer]:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    log = (folder / "mlflow.log").open("w")
    command = [str(Path(sys.executable).parent / "mlflow"), "server",
               "--backend-store-uri", f"sqlite:///{folder}/mlflow.db",
               "--default-artifact-root", str(folder / "artifacts"),
               "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    env = {**os.environ, "MLFLOW_TRACKING_URI": ""}
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                               start_new_session=True)  # uvicorn's workers go with it
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("mlflow server did not start:\n"
                                     + (folder / "mlflow.log").read_text()[-3000:])
            time.sleep(0.5)
        yield MlflowServer(url)
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
