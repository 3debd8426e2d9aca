"""An alert storm: 10,000 generic alerts over 20 systems, 50 requests at a time.

Prints accepted alerts per second, answer times, incidents opened and the Slack calls the
storm caused. Targets on the 2-core machine: at least 1,000 alerts/s accepted, p99 under
100 ms, exactly 20 incidents. The bot runs as `incidentbot serve` in its own process.
Run: python benchmarks/alert_storm.py [--alerts N]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import time

import aiohttp
from _common import running_bot, summary

SYSTEMS = 20
CONCURRENCY = 50


def alert(i: int) -> dict:
    system = f"model-{i % SYSTEMS:02d}"
    return {
        "system": system,
        "title": f"Prediction drift on {system}",
        "signal": "prediction_distribution",
        "fingerprint": f"storm-{i}",
        "metric": {"name": "positive_rate", "value": 0.3, "baseline": 0.1, "threshold": 0.2},
    }


async def main(total: int) -> None:
    async with running_bot() as bench:
        times: list[float] = []
        statuses: dict[int, int] = {}
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(total):
            queue.put_nowait(i)

        async def worker(http: aiohttp.ClientSession) -> None:
            while not queue.empty():
                i = queue.get_nowait()
                started = time.perf_counter()
                async with http.post(f"{bench.url}/alerts", json=alert(i)) as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                times.append(time.perf_counter() - started)

        connector = aiohttp.TCPConnector(limit=CONCURRENCY)
        async with aiohttp.ClientSession(connector=connector) as http:
            started = time.perf_counter()
            await asyncio.gather(*(worker(http) for _ in range(CONCURRENCY)))
            wall = time.perf_counter() - started
        calls_during = len(bench.workspace.calls)
        # Let the outbox finish posting what the storm queued.
        for _ in range(100):
            await asyncio.sleep(0.5)
            backlog = sqlite3.connect(bench.database).execute(
                "select count(*) from outbox where done_at is null").fetchone()[0]
            if backlog == 0:
                break
        db = sqlite3.connect(bench.database)
        incidents = db.execute("select count(*) from incident").fetchone()[0]
        stored = db.execute("select count(*) from alert").fetchone()[0]
        methods: dict[str, int] = {}
        for call in bench.workspace.calls:
            methods[call.method] = methods.get(call.method, 0) + 1
        print(f"{total} alerts over {SYSTEMS} systems, {CONCURRENCY} at a time: "
              f"{wall:.2f} s, {total / wall:.0f} alerts/s accepted")
        print(f"HTTP statuses: {statuses}")
        print(summary("answer time", times))
        print(f"alerts stored: {stored}; incidents opened: {incidents}")
        print(f"Slack calls during the storm: {calls_during}; after the outbox drained: "
              f"{len(bench.workspace.calls)} {dict(sorted(methods.items()))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().alerts))
