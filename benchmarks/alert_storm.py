"""An alert storm: 10,000 generic alerts over 20 systems, 50 requests at a time.

Prints accepted alerts per second, answer times, incidents opened and the Slack calls the
storm caused. Targets on the 2-core machine: at least 1,000 alerts/s accepted, p99 under
100 ms, exactly 20 incidents. Three processes, as in production where the monitors, the
bot and Slack are apart: the bot (`incidentbot serve`), this one playing Slack, and a
sender firing the alerts, so the time Slack's fake takes never counts as the bot's.
Run: python benchmarks/alert_storm.py [--alerts N] [--database-url URL]
(`--database-url postgresql+psycopg://…/db` runs the bot on PostgreSQL; that database is
emptied first. `scripts/postgres` starts a throw-away server and prints its URL.)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time

import aiohttp
import sqlalchemy as sa
from _common import emptied, running_bot, summary

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


async def fire(url: str, total: int) -> tuple[float, list[float], dict[int, int]]:
    """The sender: every alert, CONCURRENCY at a time; returns wall time, answer times and
    HTTP statuses."""
    times: list[float] = []
    statuses: dict[int, int] = {}
    pending = iter(range(total))

    async def worker(http: aiohttp.ClientSession) -> None:
        for i in pending:
            started = time.perf_counter()
            async with http.post(f"{url}/alerts", json=alert(i)) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1
            times.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(CONCURRENCY)))
        return time.perf_counter() - started, times, statuses


def sender(url: str, total: int, results: multiprocessing.Queue) -> None:
    results.put(asyncio.run(fire(url, total)))


def count(engine: sa.Engine, sql: str) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text(sql)).scalar()


async def main(total: int, database_url: str | None) -> None:
    async with running_bot(**emptied(database_url)) as bench:
        engine = sa.create_engine(database_url or f"sqlite:///{bench.database}")
        async with aiohttp.ClientSession() as http:
            # A running bot has seen alerts before: the first batches compile the queries of
            # the alert path (SQLAlchemy caches them for the life of the process), opening
            # incidents one and two at a time. Their incidents are not counted below.
            for batch in (["warm-up-1"], ["warm-up-2", "warm-up-3"]):
                warm_up = [{"system": system, "title": "Warm-up", "fingerprint": system}
                           for system in batch]
                async with http.post(f"{bench.url}/alerts", json=warm_up) as response:
                    assert response.status == 201, await response.text()
        await asyncio.sleep(1)
        calls_before = len(bench.workspace.calls)
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        process = context.Process(target=sender, args=(bench.url, total, results))
        process.start()
        # Waiting in a thread keeps this loop serving Slack's side while the sender runs.
        wall, times, statuses = await asyncio.to_thread(results.get)
        process.join()
        calls_during = len(bench.workspace.calls) - calls_before
        # Let the outbox finish posting what the storm queued.
        for _ in range(100):
            await asyncio.sleep(0.5)
            if count(engine, "select count(*) from outbox where done_at is null") == 0:
                break
        incidents = count(engine, "select count(*) from incident where system like 'model-%'")
        stored = count(engine, "select count(*) from alert where system like 'model-%'")
        engine.dispose()
        async with aiohttp.ClientSession() as http, http.get(f"{bench.url}/metrics") as response:
            scraped = dict(line.rsplit(" ", 1) for line in (await response.text()).splitlines()
                           if line.startswith("incidentbot_alert_batch_size_"))
        calls = bench.workspace.calls[calls_before:]
        methods: dict[str, int] = {}
        for call in calls:
            methods[call.method] = methods.get(call.method, 0) + 1
        print(f"database: {'PostgreSQL' if database_url else 'SQLite'}")
        print(f"{total} alerts over {SYSTEMS} systems, {CONCURRENCY} at a time: "
              f"{wall:.2f} s, {total / wall:.0f} alerts/s accepted")
        print(f"HTTP statuses: {statuses}")
        print(summary("answer time", times))
        per_commit = (float(scraped["incidentbot_alert_batch_size_sum"])
                      / float(scraped["incidentbot_alert_batch_size_count"]))
        print(f"alerts stored: {stored}; incidents opened: {incidents}; "
              f"alerts per commit: {per_commit:.1f}")
        print(f"Slack calls during the storm: {calls_during}; after the outbox drained: "
              f"{len(calls)} {dict(sorted(methods.items()))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--database-url", default=None,
                        help="run on this database (emptied first) instead of a new SQLite file")
    args = parser.parse_args()
    asyncio.run(main(args.alerts, args.database_url))
