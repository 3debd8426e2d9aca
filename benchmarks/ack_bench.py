"""Time to the HTTP answer for 500 signed slash commands and button clicks, 20 at a time.

Slack gives a listener 3 s to answer; the target here is p99 under 100 ms.
The bot runs as `incidentbot serve` in its own process; this one plays Slack.
Run: python benchmarks/ack_bench.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from _common import emptied, running_bot, summary

REQUESTS = 500
CONCURRENCY = int(os.environ.get("CONCURRENCY", "20"))


async def main(database_url: str | None = None) -> None:
    async with running_bot(**emptied(database_url)) as bench:
        await run(bench)


async def run(bench) -> None:
    actor, ws = bench.actor, bench.workspace
    # One incident to click on.
    await actor.command("/incident", "declare Benchmark incident")
    view = await ws.wait_for(lambda: ws.open_modal("U_ALICE"))
    await actor.submit_view(view.id, {"title": {"value": "Benchmark incident"},
                                      "system": {"value": "fraud-detector"},
                                      "severity": {"value": "3"}})
    incident = await ws.wait_for(
        lambda: next((c for c in ws.channels.values() if c.name.startswith("inc-")
                      and ws.pinned(c.id)), None), seconds=10)
    summary_ts = ws.pinned(incident.id)[0].ts
    incident_id = int(incident.name.split("-")[2])

    # Warm up (first auth.test, connection pools, lazily imported modules), then measure.
    for _ in range(20):
        await actor.command("/incident", "list", channel=incident.id)
    commands, clicks = [], []
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with semaphore:
            if i % 2:
                response = await actor.command("/incident", "list", channel=incident.id)
                commands.append(response.elapsed)
            else:
                value = f"{incident_id}:{'investigating' if i % 4 else 'triage'}"
                response = await actor.click(incident.id, summary_ts, "incident.set_status",
                                             value)
                clicks.append(response.elapsed)
            assert response.status == 200, response.text

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(REQUESTS)))
    wall = time.perf_counter() - started
    print(f"{REQUESTS} signed requests, {CONCURRENCY} at a time, in {wall:.2f} s "
          f"({REQUESTS / wall:.0f}/s)")
    print(summary("slash commands", commands))
    print(summary("button clicks ", clicks))
    print(summary("all           ", commands + clicks))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None,
                        help="run on this database (emptied first) instead of a new SQLite file")
    asyncio.run(main(parser.parse_args().database_url))
