"""`incidentbot export`: the review draft of an incident with a rich timeline, exact to the
second, through the real typer command against a migrated database."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import cli
from incidents import queries, roles, timeline
from incidents.alerts import ingest as alerts
from incidents.alerts.schema import AlertIn
from incidents.comms import notifications as communications
from incidents.comms.notifications import NotificationKind, SentVia
from incidents.db import session_scope
from incidents.deadlines import clocks as deadlines
from incidents.lifecycle import changes as lifecycle
from incidents.review import followups
from incidents.triage import mitigation_log
from incidents.triage.mitigation import Mitigation
from incidents.types import Role, Severity, Status
from tests.service.conftest import EXAMPLE, NOW

SECTIONS = ["## Summary", "## Timeline", "## Detection", "## Response", "## Root cause",
            "## Prevention", "## Client communication"]


def at(minutes: float):
    return NOW + timedelta(minutes=minutes)


@pytest.fixture
def rich_incident(engine, catalog) -> int:
    """Impact 7 min before the alert opened it; Sev2 raised to Sev1; executive notification
    15 min late; mitigated at 40 min; resolved at 65 min; a Slack message pinned later but
    written earlier; follow-ups; a status update."""
    policy = catalog.policy
    with session_scope(engine) as s:
        opened = alerts.ingest(s, alert=AlertIn(
            system="fraud-detector", title="Fraud flag rate 40%", severity="sev2",
            signal="prediction_distribution", started_at=at(-7),
            metric={"name": "flag_rate", "value": 0.40, "baseline": 0.02, "threshold": 0.10},
        ), source="alertmanager", now=at(0), catalog=catalog)
        incident = queries.get(s, opened.incident_id)
        roles.assign(s, incident=incident, role=Role.COMMANDER, user="U_BOB", actor="U_BOB",
                       now=at(3.2))
        lifecycle.change_status(s, incident=incident, status=Status.INVESTIGATING, actor="U_BOB",
                              now=at(4), policy=policy)
        lifecycle.change_severity(s, incident=incident, severity=Severity.SEV1, actor="U_BOB",
                                now=at(5), policy=policy)
        timeline.add_note(s, incident=incident, text="Merchant | category feed returns nulls",
                         actor="U_ALICE", now=at(12))
        deadlines.fire_due(s, now=at(36), policy=policy)  # the executive deadline passes
        fields = communications.prefill(s, incident=incident, catalog=catalog,
                                        kind=NotificationKind.INITIAL, now=at(44))
        note = communications.draft(s, incident=incident, catalog=catalog,
                                    kind=NotificationKind.INITIAL, fields=fields,
                                    actor="U_ALICE", now=at(44))
        communications.mark_sent(s, notification=note, via=SentVia.MARKED, actor="U_ALICE",
                                 now=at(50), policy=policy)
        mitigation_log.record_mitigation(s, incident=incident, mitigation=Mitigation.RULES_FALLBACK,
                                   parameters={}, result=None, actor="U_BOB", now=at(39))
        lifecycle.change_status(s, incident=incident, status=Status.MITIGATED, actor="U_BOB",
                              now=at(40), policy=policy)
        timeline.add_slack_message(s, incident=incident, source_ts=f"{at(20).timestamp():.6f}",
                                  occurred_at=at(20),
                                  author="U_CAROL", text="Feed vendor confirms an outage",
                                  actor="U_ALICE", now=at(55), how="pin")
        update = communications.prefill(s, incident=incident, catalog=catalog,
                                        kind=NotificationKind.STATUS_UPDATE, now=at(56))
        communications.record_status_update(
            s, incident=incident, catalog=catalog, actor="U_ALICE", now=at(56),
            fields={**update, "root_cause": "Vendor feed outage", "next_update_at": at(86)})
        followups.add(s, incident=incident, text="Validate the merchant feed on ingest",
                      owner="U_BOB", actor="U_ALICE", now=at(60))
        followups.add(s, incident=incident, text="Alert on null feature rates", owner=None,
                      actor="U_ALICE", now=at(61))
        lifecycle.resolve(s, incident=incident, summary="Vendor feed restored; rules off",
                        actor="U_BOB", now=at(65), root_cause_category="data_pipeline")
        return incident.id


def run(args, engine, tmp_path):
    # The URL with its password: str() would hide it from the CLI run here.
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "INCIDENTBOT_CONFIG": str(EXAMPLE)}
    return CliRunner().invoke(cli, ["export", *args], env=env)


def test_export_writes_every_section_with_exact_figures(rich_incident, engine, tmp_path):
    out = tmp_path / "review.md"
    result = run([str(rich_incident), "-o", str(out), "--tz", "Europe/Berlin"], engine, tmp_path)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    # Detect 7:00 (impact → opened), acknowledge 3:12 (Bob's first act), mitigate 39:00 (the
    # rules fallback, before the status said so), resolve 1:05:00.
    assert "| 7m 00s | 3m 12s | 39m 00s | 1h 05m 00s |" in text
    assert "- Impact started: 2026-11-27 09:53:00 UTC (2026-11-27 10:53:00 CET)" in text
    assert "Severity | Sev1: Critical" in text
    assert re.search(r"\| Client executive notification \| 2026-11-27 10:35:00 UTC "
                     r"\(2026-11-27 11:35:00 CET\) \| missed: done 15m 00s after the deadline",
                     text)
    assert "| Client technical contact notification |" in text
    assert "no longer required" in text  # the Sev2 clock stopped when it became Sev1
    assert "- Root cause category: Data pipeline" in text
    assert "- Last cause reported to the client: “Vendor feed outage” (status update, " \
        "2026-11-27 10:56:00 UTC (2026-11-27 11:56:00 CET))" in text
    assert "| Validate the merchant feed on ingest | @U_BOB | no due date | open |" in text
    assert "| Alert on null feature rates | _owner not yet recorded_ |" in text
    assert "- Marked as sent 2026-11-27 10:50:00 UTC (2026-11-27 11:50:00 CET) by @U_ALICE" in text
    assert "kept (2026-11-27 10:56:00 UTC" in text  # the update came before the promise
    assert "We have switched to the rule-based fallback" in text
    assert "Merchant \\| category feed returns nulls" in text  # a pipe cannot break the table

    rows = re.findall(r"^\| (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC \| (\S+ \S+) CET \| ([^|]+) \|",
                      text, flags=re.MULTILINE)
    utc = [r[0] for r in rows]
    assert utc == sorted(utc)  # chronological, the pinned message at its own time
    assert utc[0] == "2026-11-27 09:53:00" and rows[0][2].strip() == "Alert"
    pinned = next(r for r in rows if r[2].strip() == "Slack message")
    assert pinned[0] == "2026-11-27 10:20:00" and pinned[1] == "2026-11-27 11:20:00"
    assert utc[-1] == "2026-11-27 11:05:00" and rows[-1][2].strip() == "Resolved"
    with session_scope(engine) as s:
        assert len(rows) == len(timeline.events(s, rich_incident))
        kinds = {e.kind for e in timeline.events(s, rich_incident)}
    assert {"deadline_missed", "deadline_met", "notification_sent", "status_update",
            "followup", "mitigation"} <= kinds


def test_export_to_stdout_in_utc_only(rich_incident, engine, tmp_path):
    result = run([str(rich_incident)], engine, tmp_path)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"# Post-incident review: incident #{rich_incident}")
    assert "| Time (UTC) | Event | Who | What |" in result.stdout
    assert "CET" not in result.stdout


def test_export_refuses_unknown_incident_and_zone(rich_incident, engine, tmp_path):
    missing = run(["999"], engine, tmp_path)
    assert missing.exit_code == 2 and "there is no incident #999" in missing.output
    zone = run([str(rich_incident), "--tz", "Mars/Olympus"], engine, tmp_path)
    assert zone.exit_code == 2 and "unknown time zone 'Mars/Olympus'" in zone.output
    assert not Path(tmp_path / "review.md").exists()


def test_review_of_a_bare_incident_names_its_gaps(engine, catalog, tmp_path):
    with session_scope(engine) as s:
        incident = lifecycle.declare(s, title="Odd recommendations", system="recommender",
                                   severity=Severity.SEV4, now=NOW, catalog=catalog,
                                   declared_by="U_CAROL")
        incident_id = incident.id
    result = run([str(incident_id)], engine, tmp_path)
    text = result.stdout
    assert "**Still to fill:** business impact, resolution summary, root cause, prevention " \
        "action items, client notification." in text
    assert "| not yet recorded | not yet recorded | not yet recorded | not yet recorded |" in text
    assert "No alert fired: @U_CAROL declared the incident by hand" in text
    assert "- Detected: declared by @U_CAROL" in text
    assert "- None ran for this incident" in text
    assert "No client notification or status update was recorded." in text
    assert "| Review due | _not yet recorded_ |" in text  # Sev4: no review deadline


def test_after_the_sandbox_the_readme_commands_read_its_database(tmp_path):
    """README quick start, then `incidentbot export 1` and `report` in the same folder: a
    read command creates no database; it names the sandbox's, with the exact command, and
    that command (the one the sandbox's banner prints, too) works."""
    import os
    import queue
    import signal
    import subprocess
    import sys
    import threading
    import time
    import urllib.request

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "INCIDENTBOT_", "ALERT_WEBHOOK", "DATABASE_URL"))}
    env.update(PYTHONPATH=str(root), PYTHONUNBUFFERED="1",
               INCIDENTBOT_CONFIG=str(root / "examples" / "incidentbot.yml"))

    def incidentbot(*args, **extra):
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=tmp_path,
                              env={**env, **extra}, capture_output=True, text=True, timeout=60)

    sandbox = subprocess.Popen([sys.executable, "-m", "bot.cli", "sandbox", "--port", "0"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in sandbox.stdout],
                     daemon=True).start()
    printed, base = [], None
    try:
        deadline = time.monotonic() + 60
        while base is None and time.monotonic() < deadline:
            try:
                printed.append(lines.get(timeout=0.5))
            except queue.Empty:
                continue
            found = re.search(r"Sandbox page\s+(http://\S+?)/?$", printed[-1].strip())
            base = found.group(1) if found else None
        assert base, "".join(printed)
        alert = json.dumps({"system": "fraud-detector", "title": "Fraud flag rate 40%"}).encode()
        request = urllib.request.Request(f"{base}/alerts", data=alert,
                                         headers={"Content-Type": "application/json"})
        assert urllib.request.urlopen(request, timeout=10).status == 201
        while not any("incidentbot export 1" in line for line in printed):
            printed.append(lines.get(timeout=5))
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.wait(timeout=15)

    for command in (["export", "1"], ["report"]):
        result = incidentbot(*command)
        assert result.returncode == 2, result
        said = result.stderr.strip()
        assert "there is no database at incidentbot.db" in said and "nothing was created" in said
        assert said.endswith(f"DATABASE_URL=sqlite:///./incidentbot-sandbox.db incidentbot "
                             f"{' '.join(command)}"), said
        assert "db upgrade" not in said
        assert not (tmp_path / "incidentbot.db").exists()
        # The command it gives, as typed in a shell.
        url, _, rest = said.rpartition("DATABASE_URL=")[2].partition(" incidentbot ")
        again = incidentbot(*rest.split(), DATABASE_URL=url)
        assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Incident report") or "Incidents: 1" in again.stdout
    exported = incidentbot("export", "1", DATABASE_URL="sqlite:///./incidentbot-sandbox.db")
    assert exported.stdout.startswith("# Post-incident review: incident #1, Fraud flag rate 40%")

    # The banner's own command works as printed.
    hint = next(line for line in printed if "incidentbot export 1" in line).strip()
    assignment, _, args = hint.partition(" incidentbot ")
    banner = incidentbot(*args.split(), DATABASE_URL=assignment.removeprefix("DATABASE_URL="))
    assert banner.returncode == 0
    assert banner.stdout.startswith("# Post-incident review: incident #1, Fraud flag rate 40%")
