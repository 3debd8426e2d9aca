"""Drift evidence in Slack (`/incident drift`) and drift monitors raising alerts, end to end
against the workspace, with generated data and a catalog written to tmp_path."""

import json
import os
import textwrap
from datetime import timedelta

import aiohttp
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
import pytest_asyncio
from sqlmodel import select

from bot.keys import SCHEDULER
from bot.sandbox.stack import start_stack
from incidents.catalog import load_catalog
from incidents.models import Alert, utcnow
from incidents.types import AlertStatus, EventKind, Status
from tests.scenario.conftest import Harness

CATALOG = """
clients:
  acme-bank: {name: Acme Bank}
systems:
  fraud-detector:
    client: acme-bank
    criticality: critical
    owners: [U_ALICE]
    data:
      reference: data/reference.parquet
      current: data/current/*.csv
      prediction: fraud_score
      confidence: confidence
      exclude: [transaction_id]
    monitors: [{every: 10m, min_rows: 500}]
  chatbot:
    description: No data sources in the catalog
  scorer:
    data: {reference: data/gone.parquet, current: data/current/*.csv}
    monitors: [{every: 10m}]
"""


def payments(rng, rows, *, drifted):
    """Card payments; drifted: larger amounts, a merchant feed that often sends nothing,
    and a model that flags more and is less sure."""
    amount = rng.lognormal(3.6 + (0.8 if drifted else 0.0), 1.0, rows)
    category = rng.choice(["grocery", "fuel", "travel", "online"], rows, p=[.4, .3, .1, .2])
    missing = rng.random(rows) < (0.2 if drifted else 0.01)
    score = np.clip(rng.beta(1, 30 if not drifted else 8, rows), 0, 1)
    confidence = np.clip(rng.normal(0.72 if drifted else 0.85, 0.08, rows), 0, 1)
    return pa.table({
        "transaction_id": [f"tx-{i}" for i in range(rows)],
        "amount": amount,
        "merchant_category": pa.array(category.tolist(), mask=missing),
        "hour": rng.integers(0, 24, rows),
        "fraud_score": score,
        "confidence": confidence,
    })


def write_current(folder, *, drifted, seed=2, rows=1500):
    (folder / "data" / "current").mkdir(parents=True, exist_ok=True)
    pa_csv.write_csv(payments(np.random.default_rng(seed), rows, drifted=drifted),
                     folder / "data" / "current" / "2026-11-27.csv")


@pytest.fixture
def drift_catalog(tmp_path):
    (tmp_path / "data").mkdir()
    pq.write_table(payments(np.random.default_rng(1), 3000, drifted=False),
                   tmp_path / "data" / "reference.parquet")
    write_current(tmp_path, drifted=True)
    path = tmp_path / "incidentbot.yml"
    path.write_text(textwrap.dedent(CATALOG))
    return load_catalog(path)


class Clock:
    def __init__(self):
        self.offset = timedelta(0)

    def __call__(self):
        return utcnow() + self.offset


@pytest_asyncio.fixture
async def h(settings, drift_catalog):
    clock = Clock()
    stack = await start_stack(settings, drift_catalog, clock=clock)
    harness = Harness(stack)
    harness.clock = clock
    yield harness
    await stack.close()


async def test_drift_report_is_posted_with_chart_and_json_and_recorded(h):
    ws = h.workspace
    incident = await h.declare(title="Fraud flags doubled", system="fraud-detector")
    channel = incident.channel_id
    before = len(ws.messages(channel))
    await h.actor.command("/incident", "drift", channel=channel)
    await ws.wait_for(lambda: len([f for f in ws.files.values() if f.completed]) == 2,
                      seconds=30)
    await h.settle()

    said = [e.text for e in ws.ephemerals_for(user="U_ALICE")]
    assert any("this can take a few seconds" in t for t in said)
    summary = next(m for m in ws.messages(channel)[before:] if "Drift report" in m.text)
    shown = json.dumps(summary.blocks, ensure_ascii=False)
    assert "Drift report: fraud-detector (Acme Bank)" in shown
    assert "*Drift.*" in shown and "*amount* — PSI" in shown and "KS " in shown
    assert "missing 1.0% →" in shown or "*merchant_category* —" in shown
    assert "the model now flags" in shown and "up from" in shown
    assert "*Confidence* (`confidence`): average 0.85 → 0.72" in shown

    files = {f.filename.rsplit(".", 1)[1]: f for f in ws.files.values() if f.completed}
    assert set(files) == {"png", "json"}
    assert files["png"].content.startswith(b"\x89PNG\r\n\x1a\n")
    assert all(channel in f.channels for f in files.values())
    report = json.loads(files["json"].content)
    assert report["system"] == "fraud-detector" and report["incident"] == incident.id
    assert report["verdict"] == "drift" and report["current"] == "data/current/*.csv"
    assert report["columns"][0]["column"] == "amount" and report["columns"][0]["drifted"]
    assert report["model_health"]["prediction"]["shifted"] is True

    (event,) = [e for e in h.timeline(incident.id) if e.kind == EventKind.DRIFT_REPORT]
    assert event.actor == "U_ALICE" and event.text.startswith("Drift report: drift")
    assert "amount" in event.data["drifted"]
    assert sorted(event.data["files"]) == sorted(f.id for f in files.values())
    assert event.data["message_ts"] == summary.ts


async def test_drift_without_data_sources_or_with_a_missing_file_is_explained(h, tmp_path):
    ws = h.workspace
    no_data = await h.declare(title="Chatbot answers in French", system="chatbot")
    await h.actor.command("/incident", "drift", channel=no_data.channel_id)
    broken = await h.declare(title="Scores all zero", system="scorer")
    await h.actor.command("/incident", "drift", channel=broken.channel_id)
    await ws.wait_for(lambda: any("could not read" in e.text
                                  for e in ws.ephemerals_for(user="U_ALICE")), seconds=30)
    await h.settle()
    said = [e.text for e in ws.ephemerals_for(user="U_ALICE")]
    assert any("chatbot has no data sources" in t and "`systems.chatbot.data`" in t
               for t in said)
    # Named as the catalog names it, not by where the server keeps it.
    assert any("reference file 'data/gone.parquet' does not exist" in t for t in said)
    assert not [t for t in said if str(tmp_path) in t]
    assert not ws.files
    for incident in (no_data, broken):
        assert not [m for m in ws.messages(incident.channel_id) if "Drift report" in m.text]
        assert EventKind.DRIFT_REPORT not in [e.kind for e in h.timeline(incident.id)]


async def test_a_malformed_data_file_is_named_without_quoting_its_data(h, tmp_path):
    ws = h.workspace
    bad = tmp_path / "data" / "current" / "2026-11-28.csv"
    bad.write_text("amount,fraud_score\n1.5,0.1\n2.5,0.2,card-4111111111111111\n")
    incident = await h.declare(title="Fraud flags doubled", system="fraud-detector")
    await h.actor.command("/incident", "drift", channel=incident.channel_id)
    await ws.wait_for(lambda: any("could not read" in e.text
                                  for e in ws.ephemerals_for(user="U_ALICE")), seconds=30)
    await h.settle()
    (said,) = [e.text for e in ws.ephemerals_for(user="U_ALICE") if "could not read" in e.text]
    assert "cannot read current file 'data/current/2026-11-28.csv' as CSV" in said
    assert "Expected 2 columns, got 3" in said
    everything = json.dumps([c.params for c in ws.calls], default=str) + json.dumps(
        [e.text for e in ws.ephemerals])
    assert "4111111111111111" not in everything and str(tmp_path) not in everything


async def test_example_catalog_and_data_work_out_of_the_box(harness):
    ws = harness.workspace
    incident = await harness.declare(system="fraud-detector")
    await harness.actor.command("/incident", "drift", channel=incident.channel_id)
    await ws.wait_for(lambda: len([f for f in ws.files.values() if f.completed]) == 2,
                      seconds=30)
    await harness.settle()
    (document,) = [f for f in ws.files.values() if f.filename.endswith(".json")]
    report = json.loads(document.content)
    assert report["reference"] == "data/fraud/reference.parquet"
    assert report["current"] == "data/fraud/current/*.parquet"
    assert report["verdict"] == "drift"
    assert {"amount", "merchant_category"} <= {c["column"] for c in report["columns"]
                                               if c["drifted"]}
    assert report["model_health"]["confidence"]["degraded"] is True


async def failures(h, system):
    async with aiohttp.ClientSession() as http, http.get(f"{h.stack.url}/metrics") as response:
        text = await response.text()
    for line in text.splitlines():
        if line.startswith(f'incidentbot_monitor_failures_total{{system="{system}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def monitor_alerts(h):
    with h.bot.session() as session:
        return list(session.exec(select(Alert).where(Alert.source == "monitor")
                                 .order_by(Alert.id)))


async def test_monitor_opens_one_incident_dedupes_repeats_and_counts_failures(h, tmp_path):
    h.stack.app[SCHEDULER].pause()  # the test runs the check itself, at times it chooses
    (check,) = [fn for name, fn, _ in h.bot.timer_checks if name == "monitors"]

    assert await check(h.bot) == 0  # start-up: monitors wait out the warm-up
    assert h.incidents() == [] and await failures(h, "scorer") == 0

    h.clock.offset += timedelta(minutes=5)
    stored = await check(h.bot)
    await h.settle()
    (incident,) = h.incidents()
    alerts = monitor_alerts(h)
    assert stored == len(alerts) >= 3
    # The most severe finding opens the incident, so the severity policy sees it first.
    worst = min(alerts, key=lambda a: a.severity)
    assert worst.signal == "prediction_distribution"
    assert incident.system == "fraud-detector" and incident.title == worst.title
    assert incident.severity == worst.severity
    assert {a.incident_id for a in alerts} == {incident.id}
    assert "drift:fraud-detector:feature_distribution:amount" in {a.fingerprint for a in alerts}
    assert "Drift on fraud-detector: 2 of 3 features drifted" in {a.title for a in alerts}
    kinds = [e.kind for e in h.timeline(incident.id)]
    assert kinds[0] == EventKind.OPENED_BY_ALERT and kinds.count(EventKind.ALERT) == len(alerts)
    assert await failures(h, "scorer") == 1  # the missing file: counted, nothing else broke

    assert await check(h.bot) == 0  # not due again yet: no rerun, failure not retried
    assert await failures(h, "scorer") == 1

    h.clock.offset += timedelta(minutes=10)
    assert await check(h.bot) == 0  # still drifting: the same alerts, dropped as repeats
    await h.settle()
    assert len(monitor_alerts(h)) == len(alerts) and len(h.incidents()) == 1
    assert await failures(h, "scorer") == 2

    write_current(tmp_path, drifted=False, seed=3)  # the feed is fixed
    h.clock.offset += timedelta(minutes=10)
    resolved = await check(h.bot)
    await h.settle()
    after = monitor_alerts(h)[len(alerts):]
    assert resolved == len(after) == len(alerts)
    assert {a.status for a in after} == {AlertStatus.RESOLVED}
    assert {a.fingerprint for a in after} == {a.fingerprint for a in alerts}
    kinds = [e.kind for e in h.timeline(incident.id)]
    assert kinds.count(EventKind.ALERT_RESOLVED) == len(alerts)
    assert len(h.incidents()) == 1


async def test_monitor_does_not_reopen_a_resolved_incident_on_unchanged_data(h, tmp_path):
    h.stack.app[SCHEDULER].pause()
    (check,) = [fn for name, fn, _ in h.bot.timer_checks if name == "monitors"]
    await check(h.bot)
    h.clock.offset += timedelta(minutes=5)
    assert await check(h.bot) >= 3
    await h.settle()
    (incident,) = h.incidents()

    # People resolve it (through the resolve button and form) …
    await h.actor.click(incident.channel_id, incident.summary_ts, "incident.resolve")
    modal = await h.workspace.wait_for(lambda: h.modal("U_ALICE"))
    await h.actor.submit_view(modal.id, {
        "summary": {"value": "Accepted the new premium-card amounts"},
        "root_cause_category": {"value": "business_context"},
    })
    await h.settle()
    assert h.incident(incident.id).status == Status.RESOLVED
    before = len(monitor_alerts(h))

    # … and the monitor, finding the same drift in the same files, leaves it resolved.
    for _ in range(3):
        h.clock.offset += timedelta(minutes=10)
        assert await check(h.bot) == 0
    await h.settle()
    assert len(h.incidents()) == 1 and h.incident(incident.id).status == Status.RESOLVED
    assert len(monitor_alerts(h)) == before

    # New current data that still drifts is news: a new incident. (Written "now" on the
    # test's clock, which runs ahead of the file system's.)
    write_current(tmp_path, drifted=True, seed=7)
    h.clock.offset += timedelta(minutes=10)
    written = h.bot.now().timestamp()
    os.utime(tmp_path / "data" / "current" / "2026-11-27.csv", (written, written))
    assert await check(h.bot) >= 3
    await h.settle()
    assert [i.status for i in h.incidents()] == [Status.RESOLVED, Status.TRIAGE]
