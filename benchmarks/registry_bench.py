"""Time the bot's MLflow client (bot/outbound/registry.py) against a real `mlflow server` (SQLite
store, started here; the `mlflow` package comes with the test extra): reading the alias's
version with the model's versions, and moving the alias (with its promotion tag). Also the
server's start, which the registry tests pay once per run.
Run: python benchmarks/registry_bench.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import summary  # noqa: E402

from bot.outbound.registry import MlflowRegistry  # noqa: E402
from incidents.catalog.ai import ModelRegistry  # noqa: E402
from tests.mlflow_server import missing, running_server  # noqa: E402

ROUNDS = 30
VERSIONS = 20


async def measure(url: str) -> None:
    client = MlflowRegistry(ModelRegistry(tracking_uri=url, name="fraud-detector"))
    reads, moves = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        state = await client.read(datetime.now(UTC))
        reads.append(time.perf_counter() - started)
    assert state.serving == VERSIONS and len(state.versions) == VERSIONS
    for round_ in range(ROUNDS):
        started = time.perf_counter()
        await client.move_alias(VERSIONS - 1 - round_ % 2, now=datetime.now(UTC))
        moves.append(time.perf_counter() - started)
    print(summary(f"read alias + {VERSIONS} versions", reads))
    print(summary("move alias + tag", moves))


def main() -> int:
    problem = missing()
    if problem:
        print(f"skipped: {problem}")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with running_server(Path(folder)) as server:
            print(f"mlflow server start (fresh SQLite store): "
                  f"{time.perf_counter() - started:.1f} s")
            server.register("fraud-detector", VERSIONS)
            asyncio.run(measure(server.url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
