"""Three `incidentbot serve` replicas on one PostgreSQL database and one workspace, alerts
sent round-robin, reminders, escalations and a monitor coming due, one replica killed with
SIGKILL mid-way: every piece of work is done once, and the dead replica's claimed work is
delivered by the others (PostgreSQL pass only: SQLite is the single-process default)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa
import yaml

from bot.sandbox.web_api import start_web_api
from bot.sandbox.workspace import Workspace
from tests.databases import on_postgres
from tests.scenario.test_outbox_failover import serve

pytestmark = pytest.mark.skipif(not on_postgres(), reason="PostgreSQL pass only")
ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
LEASE = 3  # seconds
MONITOR_EVERY = 3  # seconds; replicas look every 5 s (bot/jobs/drift.py CHECK_SECONDS)
STORM_SYSTEMS = [f"model-{i:02d}" for i in range(20)]
CATALOG_SYSTEMS = ["fraud-detector", "recommender", "maintenance-predictor"]


def fast_catalog(folder: Path) -> Path:
    """The example catalog with deadlines, escalations and one monitor due within seconds.
    The monitor reads a file that is not there: each run is counted as a failure on
    /metrics, which is how the test counts runs."""
    catalog = yaml.safe_load((EXAMPLES / "incidentbot.yml").read_text())
    for system in catalog["systems"].values():
        system.pop("monitors", None)
        for name in ("reference", "current"):
            if isinstance((system.get("data") or {}).get(name), str):
                system["data"][name] = str(EXAMPLES / system["data"][name])
        (system.get("data") or {}).pop("current_query", None)
        if system.get("data") and not system["data"].get("current"):
            system["data"]["current"] = str(folder / "none.csv")
    catalog["systems"]["maintenance-predictor"]["data"]["current"] = str(folder / "gone.csv")
    catalog["systems"]["maintenance-predictor"]["monitors"] = [
        {"every": f"{MONITOR_EVERY}s"}]
    catalog["escalation"]["fraud-policy"] = [
        {"schedule": "fraud-primary", "wait": "4s"}, {"users": ["U_DAVE"], "wait": "4s"}]
    catalog["policy"].update(sev1={"executive_notification": "10s",
                                   "status_update_every": "1h"}, reminder_lead="5s")
    path = folder / "incidentbot.yml"
    path.write_text(yaml.safe_dump(catalog))
    return path


async def monitor_runs(urls: list[str]) -> int:
    total = 0.0
    async with aiohttp.ClientSession() as http:
        for url in urls:
            async with http.get(f"{url}/metrics") as response:
                for line in (await response.text()).splitlines():
                    if line.startswith("incidentbot_monitor_failures_total{"):
                        total += float(line.rsplit(" ", 1)[1])
    return int(total)


async def test_three_replicas_do_everything_once(tmp_path, database_url):
    ws = Workspace.default()
    api = await start_web_api(ws)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": ws.token,
           "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": api.api_url,
           "DATABASE_URL": database_url, "INCIDENTBOT_CONFIG": str(fast_catalog(tmp_path)),
           "OUTBOX_LEASE_SECONDS": str(LEASE)}
    env.pop("SLACK_APP_TOKEN", None)
    replicas = []
    engine = sa.create_engine(database_url)
    try:
        replicas = list(await asyncio.gather(*(serve(env) for _ in range(3))))
        urls = [url for _, url in replicas]
        alerts = [{"system": system, "title": f"Drift on {system}", "signal": "performance",
                   "severity": "sev1" if system == "fraud-detector" else "sev2",
                   "fingerprint": f"{system}-{n}"}
                  for n in range(8) for system in STORM_SYSTEMS + CATALOG_SYSTEMS]
        statuses: Counter = Counter()

        async def send(http, index, alert):
            async with http.post(f"{urls[index % 3]}/alerts", json=alert) as response:
                statuses[response.status] += 1

        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(send(http, i, a) for i, a in enumerate(alerts)))
        assert set(statuses) <= {201, 202} and sum(statuses.values()) == len(alerts)

        # 15 s with all three replicas up: one run per due moment, about one every 5 s
        # (each replica running it for itself would make about 9).
        await asyncio.sleep(6)
        before = await monitor_runs(urls)
        await asyncio.sleep(15)
        runs = await monitor_runs(urls) - before
        assert 2 <= runs <= 6, f"{runs} monitor runs in 15 s"

        doomed, _ = replicas[0]
        marker = f"-{doomed.pid}-"
        with engine.connect() as connection:
            claimed_by_doomed = [row.id for row in connection.execute(sa.text(
                "select id from outbox where done_at is null and claimant like :m"),
                {"m": f"%{marker}%"})]
        doomed.send_signal(signal.SIGKILL)
        await doomed.wait()

        # Reminders (5 s and 10 s after the Sev1 opened), page levels, the lease: all due.
        for _ in range(60):
            await asyncio.sleep(0.5)
            with engine.connect() as connection:
                left = connection.execute(sa.text(
                    "select count(*) from outbox where done_at is null")).scalar()
            if left == 0:
                break
        assert left == 0, f"{left} outbox items never delivered"
        with engine.connect() as connection:
            if claimed_by_doomed:
                done = connection.execute(sa.text(
                    "select count(*) from outbox where id = any(:ids) and done_at is not null"),
                    {"ids": claimed_by_doomed}).scalar()
                assert done == len(claimed_by_doomed)
            incidents = connection.execute(sa.text(
                "select system, count(*) from incident group by system")).all()
            reminders = connection.execute(sa.text(
                "select d.id, d.reminders_sent, count(e.id) from deadline d "
                "left join timeline_event e on e.kind = 'reminder_sent' "
                "and (e.data->>'deadline')::int = d.id group by d.id, d.reminders_sent")).all()
            pages = connection.execute(sa.text(
                "select (data->>'page')::int, count(*) from timeline_event "
                "where kind = 'paged' group by 1")).all()
            paged_levels = connection.execute(sa.text(
                "select count(distinct level) from page")).scalar()

        # One incident and one live channel per system.
        assert dict(incidents) == {s: 1 for s in STORM_SYSTEMS + CATALOG_SYSTEMS}
        live = [c for c in ws.channels.values() if c.name.startswith("inc-") and not c.archived]
        assert len(live) == len(incidents)
        # Each outbox item (and each once-per-incident post) reached Slack once.
        posts = Counter()
        for channel in ws.channels.values():
            for message in ws.messages(channel.id):
                payload = (message.metadata or {}).get("event_payload") or {}
                if payload.get("key"):
                    posts[(payload["incident"], payload["key"])] += 1
        assert posts and max(posts.values()) == 1, [k for k, n in posts.items() if n > 1]
        # Each reminder moment and each page was acted on once.
        assert any(sent for _, sent, _ in reminders), "no reminder came due"
        assert all(sent == events for _, sent, events in reminders), reminders
        assert pages and all(count == 1 for _, count in pages), pages
        assert paged_levels >= 2  # the escalation moved on to its second level
    finally:
        for process, _ in replicas:
            if process.returncode is None:
                process.terminate()
                await process.wait()
        engine.dispose()
        await api.close()
