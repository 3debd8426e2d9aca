"""Failover with real processes: two `incidentbot serve` replicas on one database and one
workspace; the one delivering the summary is killed with SIGKILL after Slack applied the post
and before it heard back. The other delivers the rest within the lease, posting nothing
twice."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp

from bot.sandbox.web_api import start_web_api
from bot.sandbox.workspace import Workspace

ROOT = Path(__file__).parents[2]
LEASE = 2  # seconds (OUTBOX_LEASE_SECONDS): the test waits for it to run out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def serve(env: dict[str, str]) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", env={**env, "PORT": str(port)},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return process, url
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    process.kill()
    raise RuntimeError("the replica did not start")


async def test_a_killed_replicas_claimed_work_is_delivered_once_by_another(tmp_path):
    ws = Workspace.default()
    api = await start_web_api(ws)
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": ws.token,
        "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": api.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/shared.db",
        "INCIDENTBOT_CONFIG": str(ROOT / "examples" / "incidentbot.yml"),
        "OUTBOX_LEASE_SECONDS": str(LEASE),
    }
    env.pop("SLACK_APP_TOKEN", None)
    doomed, doomed_url = await serve(env)
    survivor = None
    try:
        gate = ws.faults.hold_answer("chat.postMessage")  # the summary: applied, not answered
        alert = {"system": "fraud-detector", "title": "Fraud flag rate 40%",
                 "signal": "prediction_distribution", "severity": "sev3"}
        async with aiohttp.ClientSession() as http, http.post(
                f"{doomed_url}/alerts", json=alert) as response:
            assert response.status == 201
        await ws.wait_for(lambda: ws.calls_to("chat.postMessage"), seconds=20)
        survivor, _ = await serve(env)
        doomed.send_signal(signal.SIGKILL)
        await doomed.wait()
        killed_at = time.monotonic()
        gate.set()

        def summaries():
            channel = next((c for c in ws.channels.values() if c.name.startswith("inc-")), None)
            if channel is None:
                return []
            return [m for m in ws.messages(channel.id)
                    if (m.metadata or {}).get("event_payload", {}).get("key") == "summary"]

        # The survivor takes the lease over once it has run out, finds the summary the dead
        # replica posted, pins it and posts the opening alert.
        await ws.wait_for(lambda: ws.calls_to("pins.add") and len(ws.calls_to(
            "chat.postMessage")) >= 2, seconds=LEASE + 15)
        taken_over_after = time.monotonic() - killed_at
        await asyncio.sleep(1.5)  # anything repeated would show by now
        assert len(summaries()) == 1
        assert len(ws.calls_to("pins.add")) == 1
        assert len(ws.calls_to("conversations.create")) == 1
        assert ws.calls_to("conversations.history")  # it looked before posting again
        assert taken_over_after < LEASE + 10
    finally:
        for process in (doomed, survivor):
            if process is not None and process.returncode is None:
                process.terminate()
                await process.wait()
        await api.close()
