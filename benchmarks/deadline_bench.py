"""Reminder lateness: 1,000 deadlines falling due within one minute.

    python benchmarks/deadline_bench.py [--count 1000] [--window 60] [--lead 5]

The real bot (timer check every 0.5 s, outbox worker) runs against the sandbox workspace
on loopback with a SQLite database, on the real clock. `count` Sev1 deadlines (half
executive notifications, half status updates, two per incident) fall due spread
evenly over `window` seconds; each is reminded `lead` seconds before and escalated at its
due time, so 2 × count messages are posted. Lateness of a message = the moment it was due
(reminder moment or deadline) → the moment the workspace received the post; "fired" is the
part until the check recorded it (the timeline event), before the outbox posted it.
Target: p99 under 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_AFTER = 5.0  # seconds between set-up and the first reminder moment


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def summary(name: str, values: list[float]) -> str:
    return (f"{name:<22} n={len(values):>5}  p50={percentile(values, 50):6.3f} s  "
            f"p99={percentile(values, 99):6.3f} s  max={max(values):6.3f} s  "
            f"mean={statistics.fmean(values):6.3f} s")


async def run(count: int, window: float, lead: float) -> int:
    sys.path.insert(0, str(ROOT))
    from sqlmodel import select

    from bot.sandbox.stack import start_stack
    from bot.settings import Settings
    from incidents.catalog import load_catalog
    from incidents.catalog.models import Policy
    from incidents.deadlines import clocks as deadlines
    from incidents.models import Deadline, Incident, TimelineEvent
    from incidents.types import DeadlineKind, EventKind, Status

    catalog = load_catalog(ROOT / "examples" / "incidentbot.yml")
    policy = Policy.model_validate({"reminder_lead": f"{lead}s"})
    catalog = catalog.model_copy(update={"policy": policy})
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, slack_bot_token="xoxb-bench",
                            slack_signing_secret="bench",
                            database_url=f"sqlite:///{tmp}/bench.db")
        stack = await start_stack(settings, catalog)
        ws, runtime = stack.workspace, stack.bot
        try:
            base = datetime.now(UTC)
            first_due = base + timedelta(seconds=START_AFTER + lead)
            kinds = (DeadlineKind.EXECUTIVE_NOTIFICATION, DeadlineKind.STATUS_UPDATE)
            with runtime.session() as session:
                incidents = []
                for i in range((count + 1) // 2):
                    channel = ws.add_channel(f"inc-bench-{i}", members=["UBOT", "U_ALICE"])
                    incident = Incident(title=f"Bench {i}", system="fraud-detector", severity=1,
                                        status=Status.INVESTIGATING, commander="U_ALICE",
                                        channel_id=channel.id, created_at=base)
                    session.add(incident)
                    incidents.append(incident)
                session.flush()
                for n in range(count):
                    # Each incident's two deadlines (one of each kind) are half a window apart.
                    incident, kind = incidents[n % len(incidents)], kinds[n // len(incidents) % 2]
                    due = first_due + timedelta(seconds=window * n / count)
                    deadlines.start(session, incident=incident, kind=kind, due_at=due, now=base,
                                    policy=policy)
            setup = (datetime.now(UTC) - base).total_seconds()
            print(f"{count} deadlines due within {window:g} s (reminders {lead:g} s before), "
                  f"{len(incidents)} incidents; set-up {setup:.2f} s", flush=True)

            expected = 2 * count

            def posted() -> int:
                return sum(len(ws.messages(i.channel_id)) for i in incidents)

            limit = time.monotonic() + START_AFTER + lead + window + 60
            # Polled twice a second rather than on every API call, to stay off the measured path.
            while posted() < expected and time.monotonic() < limit:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            await stack.drain()

            with runtime.session() as session:
                rows = {d.id: d for d in session.exec(select(Deadline))}
                recorded = {
                    (e.data["deadline"], e.data["stage"] != "reminder"): e.recorded_at
                    for e in session.exec(select(TimelineEvent).where(
                        TimelineEvent.kind == EventKind.REMINDER_SENT))
                }
            lateness: dict[str, list[float]] = {"reminder": [], "escalation": []}
            fired: list[float] = []
            for incident in incidents:
                for message in ws.messages(incident.channel_id):
                    deadline = rows[_deadline_id(message.blocks)]
                    overdue = "verdue" in message.text
                    moment = deadline.due_at if overdue else deadline.due_at - policy.reminder_lead
                    sent = float(message.ts)
                    lateness["escalation" if overdue else "reminder"].append(
                        sent - moment.timestamp())
                    fired.append((recorded[(deadline.id, overdue)] - moment).total_seconds())
        finally:
            await stack.close()

    got = sum(map(len, lateness.values()))
    print(f"messages posted: {got} of {expected}")
    for name, values in lateness.items():
        if values:
            print(summary(f"{name} lateness", values))
    everything = lateness["reminder"] + lateness["escalation"]
    if fired:
        print(summary("fired (check only)", fired))
    if not everything:
        return 1
    p99 = percentile(everything, 99)
    print(f"all messages: p99 {p99:.3f} s → {'PASS' if p99 < 2 else 'FAIL'} (target < 2 s)")
    return 0 if got == expected and p99 < 2 else 1


def _deadline_id(blocks: list[dict]) -> int:
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == "incident.deadline_done":
                return int(element["value"].split(":")[1])
    raise ValueError("not a reminder message")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds")
    parser.add_argument("--lead", type=float, default=5.0, help="reminder lead, seconds")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.count, args.window, args.lead)))


if __name__ == "__main__":
    main()
