"""Time `incidentbot report` over 100,000 incidents with 20 timeline events each (SQLite).

The database is bulk-loaded with SQLAlchemy Core executemany: two years of incidents across
three systems, each with its timeline, an alert, its deadlines and some follow-ups, plus
declined, merged and drill incidents the report must leave out. The target is under 2 s for
the report itself (queries + figures + text and JSON); the CSV incident log and the whole
`incidentbot report` process are timed too, for reference.
Run: python benchmarks/report_bench.py [--incidents N]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import summary  # noqa: E402

from bot import migrate  # noqa: E402
from incidents.analytics import query as analytics_query  # noqa: E402
from incidents.analytics import report_format  # noqa: E402
from incidents.analytics.periods import period_from_dates  # noqa: E402
from incidents.db import make_engine  # noqa: E402
from incidents.models import Alert, Deadline, Incident, TimelineEvent  # noqa: E402
from incidents.review.models import FollowUp  # noqa: E402
from incidents.types import DeadlineKind, DeadlineState, EventKind, Status  # noqa: E402

EVENTS_PER_INCIDENT = 20
RUNS = 5
START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
NOW = START + SPAN + timedelta(days=10)
SYSTEMS = [("fraud-detector", "acme-bank"), ("recommender", "globex-retail"),
           ("maintenance-predictor", "acme-bank")]
CAUSES = ["data_pipeline", "data_drift", "model_or_deployment", "environment",
          "infrastructure", None]
EVENT_KINDS = [EventKind.ALERT, EventKind.NOTE, EventKind.SLACK_MESSAGE,
               EventKind.TRIAGE_ANSWER, EventKind.REMINDER_SENT, EventKind.STATUS_CHANGED]
BATCH = 20_000


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


def _incident(i: int, n: int, rng: random.Random) -> dict:
    created = START + SPAN * (i / n)
    severity = rng.choices([1, 2, 3, 4], weights=[5, 20, 45, 30])[0]
    system, client = SYSTEMS[i % len(SYSTEMS)]
    roll = rng.random()
    status = (Status.DECLINED if roll < 0.03 else Status.MERGED if roll < 0.05
              else Status.INVESTIGATING if roll < 0.07 else Status.RESOLVED if roll < 0.15
              else Status.CLOSED)
    done = status in (Status.RESOLVED, Status.CLOSED)
    impact = created - _minutes(rng, 1, 30)
    mitigated = created + _minutes(rng, 10, 120) if done else None
    resolved = mitigated + _minutes(rng, 10, 600) if mitigated else None
    return {
        "title": f"Incident {i}", "description": "", "system": system, "client": client,
        "in_catalog": True, "severity": severity, "status": str(status),
        "is_drill": rng.random() < 0.02, "private": False, "declared_by": "U_ALICE",
        "commander": "U_BOB", "invited": [], "bookmarks_done": True, "summary_pinned": True,
        # One in five declared by hand: no impact start, so detection reads the first alert.
        "created_at": created, "impact_started_at": None if i % 5 == 0 else impact,
        "acknowledged_at": created + _minutes(rng, 1, 15), "mitigated_at": mitigated,
        "resolved_at": resolved,
        "closed_at": resolved + timedelta(days=3) if status == Status.CLOSED else None,
        "resolution_summary": "Rolled back" if done else None,
        "root_cause_category": rng.choice(CAUSES) if done else None,
        "root_cause": None, "business_impact": "Card payments declined",
        "alert_start": impact,
    }


def _deadlines(incident_id: int, row: dict, rng: random.Random) -> list[dict]:
    created, severity = row["created_at"], row["severity"]
    kinds = {1: [(DeadlineKind.EXECUTIVE_NOTIFICATION, 30)],
             2: [(DeadlineKind.TECHNICAL_NOTIFICATION, 120)],
             3: [(DeadlineKind.FIRST_RESPONSE, 1440)], 4: []}[severity]
    if severity <= 2:
        kinds += [(DeadlineKind.STATUS_UPDATE, 120), (DeadlineKind.STATUS_UPDATE, 240)]
        if row["resolved_at"] is not None:
            kinds.append((DeadlineKind.REVIEW, 7 * 1440))
    out = []
    for kind, minutes in kinds:
        due = created + timedelta(minutes=minutes)
        roll = rng.random()
        state, completed = DeadlineState.DONE, due - _minutes(rng, 1, minutes * 0.9)
        if roll < 0.1:
            completed = due + _minutes(rng, 1, 60)
        elif roll < 0.15:
            state, completed = DeadlineState.MISSED, None
        elif roll < 0.2:
            state, completed = DeadlineState.CANCELLED, None
        out.append({"incident_id": incident_id, "kind": str(kind), "due_at": due,
                    "state": str(state), "created_at": created, "completed_at": completed,
                    "snoozed_until": None, "reminders_sent": 1, "escalated": False,
                    "next_reminder_at": None})
    return out


def build(url: str, n: int) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    rng = random.Random(7)
    tables = {name: model.__table__ for name, model in (
        ("incident", Incident), ("event", TimelineEvent), ("alert", Alert),
        ("deadline", Deadline), ("followup", FollowUp))}
    for first in range(0, n, BATCH):
        rows = [_incident(i, n, rng) for i in range(first, min(n, first + BATCH))]
        events, alerts, deadlines, followups = [], [], [], []
        for offset, row in enumerate(rows):
            incident_id = first + offset + 1
            row["id"] = incident_id
            created = row["created_at"]
            events += [{"incident_id": incident_id, "kind": str(EVENT_KINDS[k % 6]),
                        "occurred_at": created + timedelta(minutes=k),
                        "recorded_at": created + timedelta(minutes=k), "actor": "U_BOB",
                        "text": f"Event {k} of incident {incident_id}", "data": {"n": k},
                        "source_ts": None}
                       for k in range(EVENTS_PER_INCIDENT)]
            alerts.append({"source": "alertmanager", "fingerprint": f"fp-{incident_id}",
                           "starts_at": row.pop("alert_start"), "status": "firing",
                           "system": row["system"], "title": row["title"], "signal": None,
                           "severity": row["severity"], "description": "", "metric": {},
                           "links": {}, "labels": {}, "received_at": created,
                           "incident_id": incident_id, "posted": True})
            deadlines += _deadlines(incident_id, row, rng)
            if row["severity"] <= 2:
                followups += [{"incident_id": incident_id, "text": "Validate the feed",
                               "owner": "U_BOB", "created_at": created, "created_by": "U_BOB",
                               "due_at": created + timedelta(days=14 * (k + 1)),
                               "done": rng.random() < 0.7, "done_at": None}
                              for k in range(2)]
        with engine.begin() as connection:
            connection.execute(tables["incident"].insert(), rows)
            connection.execute(tables["event"].insert(), events)
            connection.execute(tables["alert"].insert(), alerts)
            connection.execute(tables["deadline"].insert(), deadlines)
            connection.execute(tables["followup"].insert(), followups)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--database", type=Path, help="reuse this benchmark database if it "
                        "exists, else build it there")
    args = parser.parse_args()
    if args.database is not None:
        run(args.database, args.incidents)
        return
    folder = Path(tempfile.mkdtemp(prefix="incidentbot-report-bench-"))
    try:
        run(folder / "bench.db", args.incidents)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # 400 MiB: not left behind


def run(path: Path, n: int) -> None:
    url = f"sqlite:///{path}"
    if not path.exists():
        started = time.perf_counter()
        build(url, n)
        print(f"built {n:,} incidents, {n * EVENTS_PER_INCIDENT:,} timeline events in "
              f"{time.perf_counter() - started:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)")

    engine = make_engine(url)
    period = period_from_dates(since=date(2025, 1, 1), until=date(2026, 12, 31), now=NOW)
    timings, cpu, report = [], [], None
    for _ in range(RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        report = analytics_query.report(engine, period=period, now=NOW)
        report_format.text(report)
        report_format.as_json(report)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(f"report covers {report.incidents:,} incidents ({report.excluded_total:,} excluded), "
          f"{sum(q.compliance.decided for q in report.quarters):,} decided deadlines, "
          f"{len(report.quarters)} quarters, {len(report.months)} months")
    print(summary("report (queries + figures + text + JSON), wall", timings))
    print(summary("report, CPU time of this process", cpu))

    csv_timings = []
    for _ in range(3):
        started = time.perf_counter()
        buffer = io.StringIO()
        rows = analytics_query.write_log(engine, period=period, out=buffer, now=NOW)
        csv_timings.append(time.perf_counter() - started)
    print(summary(f"CSV incident log ({rows:,} rows, {len(buffer.getvalue()) / 2**20:.1f} MiB)",
                  csv_timings))
    engine.dispose()

    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": url,
           "INCIDENTBOT_CONFIG": str(ROOT / "examples" / "incidentbot.yml")}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot.cli", "report", "--since", "2025-01-01",
                    "--until", "2026-12-31", "--json"], env=env, check=True,
                   capture_output=True)
    print(f"`incidentbot report --json` process, end to end: "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")
    verdict = "met" if max(timings) < 2.0 else "MISSED"
    print(f"target < 2 s per report: {verdict}")


if __name__ == "__main__":
    main()
