"""`incidentbot report` and its CSV over incidents with known timestamps (report_data.py).

Every expected figure below is worked out by hand from report_data.py:
times (seconds)  detect  acknowledge  mitigate  resolve   read in Europe/Berlin
  J (Sev4)          –        600          –      28800     2026-08, Q3
  A (Sev2)        600        300       3600      10800     2026-09, Q3 (30 Sep 23:30 CEST)
  B (Sev1)          –        120       5400      14400     2026-10, Q4 (1 Oct 00:30 CEST)
  C (Sev3)       1200        900          –       4500     2026-10, Q4 (over the DST change)
  D (Sev2)        900       1200      14400      18000     2026-11, Q4
  E (Sev3)          –        300          –          –     2026-11, Q4 (open; its status set)
deadlines: A technical met, status update met (its successor cancelled unmissed), review
met; B executive met, status update missed (then cancelled by resolving), review missed;
C first response met; D technical late, status update late, review missed; E first
response open.
"""

import csv
import io
import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bot import migrate
from bot.cli import cli
from incidents.analytics import metrics as analytics
from incidents.analytics import query as analytics_query
from incidents.analytics import report_format
from incidents.analytics.periods import parse_period, period_from_dates
from incidents.db import make_engine, session_scope
from incidents.deadlines.outcome import deadline_outcome
from incidents.models import Deadline, Incident
from incidents.response_times import response_times
from tests.databases import on_postgres
from tests.service.conftest import EXAMPLE
from tests.service.report_data import NOW, at, build

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def data(engine, catalog):
    return build(engine, catalog)


def h2(since=date(2026, 7, 1), until=date(2026, 12, 31), zone=BERLIN):
    return period_from_dates(since=since, until=until, now=NOW, zone=zone)


def stat(count, mean, median, p90):
    return {"count": count, "mean_seconds": mean, "median_seconds": median, "p90_seconds": p90}


def comp(met, late, missed, open_, rate):
    return {"met": met, "late": late, "missed": missed, "open": open_, "rate": rate}


def test_every_figure_of_the_report(engine, data):
    report = report_format.as_json(analytics_query.report(engine, period=h2(), now=NOW))
    assert report["period"] == {"label": "2026-07-01 – 2026-12-31",
                                "start": "2026-06-30T22:00:00Z", "end": "2026-12-31T23:00:00Z",
                                "timezone": "Europe/Berlin"}
    assert report["incidents"] == 6
    assert report["excluded"] == {"declined": 1, "merged": 1, "drill": 1}
    assert report["by_severity"] == {"sev1": 1, "sev2": 2, "sev3": 2, "sev4": 1}
    assert report["by_status"] == {"triage": 0, "investigating": 1, "mitigated": 0,
                                   "resolved": 4, "closed": 1}
    assert report["by_client"] == [{"client": "acme-bank", "count": 4},
                                   {"client": "globex-retail", "count": 2}]
    assert report["by_system"] == [{"system": "fraud-detector", "count": 4},
                                   {"system": "maintenance-predictor", "count": 1},
                                   {"system": "recommender", "count": 1}]
    # B's cause was corrected after resolution, from model_or_deployment.
    assert report["by_root_cause"] == [{"root_cause": "data_pipeline", "count": 3},
                                       {"root_cause": "data_drift", "count": 2},
                                       {"root_cause": None, "count": 1}]
    assert report["times"] == {
        "detect": stat(3, 900.0, 900.0, 1140.0),
        "acknowledge": stat(6, 570.0, 450.0, 1050.0),
        "mitigate": stat(3, 7800.0, 5400.0, 12600.0),
        "resolve": stat(5, 15300.0, 14400.0, 24480.0),
    }
    assert report["deadline_compliance"] == {
        "executive_notification": comp(1, 0, 0, 0, 1.0),
        "technical_notification": comp(1, 1, 0, 0, 0.5),
        "first_response": comp(1, 0, 0, 1, 1.0),
        "status_update": comp(1, 1, 1, 0, 0.3333),
        "review": comp(1, 0, 2, 0, 0.3333),
        "all": comp(5, 2, 3, 1, 0.5),
    }
    assert report["follow_ups"] == {"total": 3, "done": 1, "open": 2, "overdue": 1}
    assert report["recurring"] == [
        {"system": "fraud-detector", "root_cause": None, "count": 4},
        {"system": "fraud-detector", "root_cause": "data_pipeline", "count": 3},
    ]
    months = [(m["month"], m["incidents"], m["by_severity"], m["resolve"]["median_seconds"])
              for m in report["months"]]
    assert months == [
        ("2026-07", 0, {"sev1": 0, "sev2": 0, "sev3": 0, "sev4": 0}, None),
        ("2026-08", 1, {"sev1": 0, "sev2": 0, "sev3": 0, "sev4": 1}, 28800.0),
        ("2026-09", 1, {"sev1": 0, "sev2": 1, "sev3": 0, "sev4": 0}, 10800.0),
        ("2026-10", 2, {"sev1": 1, "sev2": 0, "sev3": 1, "sev4": 0}, 9450.0),
        ("2026-11", 2, {"sev1": 0, "sev2": 1, "sev3": 1, "sev4": 0}, 18000.0),
        ("2026-12", 0, {"sev1": 0, "sev2": 0, "sev3": 0, "sev4": 0}, None),
    ]
    q3, q4 = report["quarters"]
    assert (q3["quarter"], q3["start"], q3["end"], q3["partial"]) == (
        "2026-Q3", "2026-06-30T22:00:00Z", "2026-09-30T22:00:00Z", False)
    assert q3["incidents"] == 2 and q3["by_severity"] == {"sev1": 0, "sev2": 1, "sev3": 0,
                                                          "sev4": 1}
    assert q3["times"] == {"detect": stat(1, 600.0, 600.0, 600.0),
                           "acknowledge": stat(2, 450.0, 450.0, 570.0),
                           "mitigate": stat(1, 3600.0, 3600.0, 3600.0),
                           "resolve": stat(2, 19800.0, 19800.0, 27000.0)}
    assert q3["deadline_compliance"] == comp(3, 0, 0, 0, 1.0) and q3["change"] is None
    assert q4["incidents"] == 4 and q4["by_severity"] == {"sev1": 1, "sev2": 1, "sev3": 2,
                                                          "sev4": 0}
    assert q4["times"] == {"detect": stat(2, 1050.0, 1050.0, 1170.0),
                           "acknowledge": stat(4, 630.0, 600.0, 1110.0),
                           "mitigate": stat(2, 9900.0, 9900.0, 13500.0),
                           "resolve": stat(3, 12300.0, 14400.0, 17280.0)}
    assert q4["deadline_compliance"] == comp(2, 2, 3, 1, 0.2857)
    assert q4["change"] == {"incidents": 2, "incidents_pct": 100.0,
                            "median_resolve_seconds": -5400.0, "compliance_points": -71.4}


def test_quarters_are_counted_in_the_readers_time_zone(engine, data):
    """B was declared at 22:30 UTC on 30 September: Q3 in UTC, Q4 in Berlin."""
    utc = analytics_query.report(engine, period=h2(zone=ZoneInfo("UTC")), now=NOW)
    assert [q.incidents for q in utc.quarters] == [3, 3]
    berlin = analytics_query.report(engine, period=h2(), now=NOW)
    assert [q.incidents for q in berlin.quarters] == [2, 4]


def test_last_90_days_and_filters(engine, data):
    period = parse_period("90d", now=NOW, zone=BERLIN)
    report = analytics_query.report(engine, period=period, now=NOW)
    assert report.incidents == 5  # J (20 August) is more than 90 days back
    assert report.times["acknowledge"] == analytics.Stat(5, 564.0, 300.0, 1080.0)
    assert report.times["resolve"] == analytics.Stat(4, 11925.0, 12600.0, 16920.0)
    assert [(q.bucket.label, q.bucket.partial, q.incidents) for q in report.quarters] == [
        ("2026-Q3", True, 1), ("2026-Q4", True, 4)]

    globex = analytics_query.report(engine, period=h2(), now=NOW, client="globex-retail")
    assert (globex.incidents, globex.excluded) == (2, {"declined": 1, "merged": 1, "drill": 0})
    assert globex.times["resolve"] == analytics.Stat(2, 16650.0, 16650.0, 26370.0)  # C, J
    assert globex.deadlines_total == analytics.Compliance(met=1)
    assert globex.follow_ups == analytics.FollowUps()
    fraud = analytics_query.report(engine, period=h2(), now=NOW, system="fraud-detector")
    assert fraud.incidents == 4 and fraud.follow_ups.total == 3
    assert analytics_query.report(engine, period=h2(), now=NOW, system="nope").incidents == 0


def test_text_report(engine, data):
    text = report_format.text(analytics_query.report(engine, period=h2(), now=NOW))
    for line in [
        "Incident report: 2026-07-01 – 2026-12-31",
        "Period: 2026-07-01 00:00 – 2026-12-31 24:00 Europe/Berlin",
        "Incidents: 6 (not counted: 1 declined, 1 merged, 1 drill)",
        "By severity:    Sev1 1, Sev2 2, Sev3 2, Sev4 1",
        "By status:      triage 0, investigating 1, mitigated 0, resolved 4, closed 1",
        "By client:      acme-bank 4, globex-retail 2",
        "By system:      fraud-detector 4, maintenance-predictor 1, recommender 1",
        "By root cause:  data_pipeline 3, data_drift 2, (not recorded) 1",
        "  Time to detect (MTTD)                3        15m 00s        15m 00s        19m 00s",
        "  Time to acknowledge (MTTA)           6         9m 30s         7m 30s        17m 30s",
        "  Time to mitigate (MTTM)              3     2h 10m 00s     1h 30m 00s     3h 30m 00s",
        "  Time to resolve (MTTR)               5     4h 15m 00s     4h 00m 00s     6h 48m 00s",
        "  Client executive notification               1      0       0      0     100%",
        "  Status update                               1      1       1      0      33%",
        "  All deadlines                               5      2       3      1      50%",
        "Follow-ups: 3 (1 done, 2 open, 1 overdue)",
        "  system fraud-detector: 4 incidents",
        "  fraud-detector with root cause data_pipeline: 3 incidents",
        "  2026-Q3                        2        –      5h 30m 00s             –     100%"
        "        –",
        "  2026-Q4                        4    +100%      4h 00m 00s   -1h 30m 00s      29%"
        " -71.4 pt",
    ]:
        assert line in text.splitlines(), line


EXPECTED_LOG = [
    ["2", "Incident J", "2026-08-20T12:00:00Z", "Sev4", "resolved", "globex-retail",
     "maintenance-predictor", "data_drift", "", "", "Fixed", "", "", "2026-08-20T12:10:00Z",
     "", "2026-08-20T20:00:00Z", "", "", "600", "", "28800", "0", "0", "0", "0", ""],
    ["3", "Flag rate 40%", "2026-09-30T21:30:00Z", "Sev2", "closed", "acme-bank",
     "fraud-detector", "data_pipeline", "", "1,200 card payments declined", "Fixed",
     "", "2026-09-30T21:20:00Z", "2026-09-30T21:35:00Z",
     "2026-09-30T22:30:00Z", "2026-10-01T00:30:00Z", "2026-10-06T12:00:00Z", "600", "300",
     "3600", "10800", "3", "0", "0", "1", ""],
    ["4", "Incident B", "2026-09-30T22:30:00Z", "Sev1", "resolved", "acme-bank",
     "fraud-detector", "data_pipeline", "Merchant feed sent empty categories", "", "Fixed",
     "", "", "2026-09-30T22:32:00Z", "2026-10-01T00:00:00Z", "2026-10-01T02:30:00Z", "", "",
     "120", "5400", "14400", "1", "0", "2", "0", ""],
    ["6", "Incident C", "2026-10-25T00:30:00Z", "Sev3", "resolved", "globex-retail",
     "recommender", "data_drift", "", "", "Fixed", "", "2026-10-25T00:10:00Z",
     "2026-10-25T00:45:00Z", "", "2026-10-25T01:45:00Z", "", "1200", "900", "", "4500", "1",
     "0", "0", "0", ""],
    ["9", "Flag rate 35%", "2026-11-10T09:00:00Z", "Sev2", "resolved", "acme-bank",
     "fraud-detector", "data_pipeline", "", "", "Fixed", "",
     "2026-11-10T08:45:00Z", "2026-11-10T09:20:00Z", "2026-11-10T13:00:00Z",
     "2026-11-10T14:00:00Z", "", "900", "1200", "14400", "18000", "0", "2", "1", "1", ""],
    ["10", "Incident E", "2026-11-27T08:00:00Z", "Sev3", "investigating", "acme-bank",
     "fraud-detector", "", "", "", "", "", "", "2026-11-27T08:05:00Z", "", "", "", "", "300",
     "", "", "0", "0", "0", "0", ""],
]


def test_incident_log_csv(engine, data):
    out = io.StringIO()
    assert analytics_query.write_log(engine, period=h2(), now=NOW, out=out) == 6
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == list(report_format.LOG_COLUMNS)
    assert rows[1:] == EXPECTED_LOG
    assert [r[0] for r in rows[1:]] == [str(data[k]) for k in "JABCDE"]


def test_sql_definitions_agree_with_the_pure_ones(engine, data):
    """The report's SQL and numpy arithmetic give what analytics/response_times define."""
    with session_scope(engine) as s:
        rows = s.exec(sa.select(Deadline, analytics_query.outcome(NOW))).all()
        assert len(rows) > 15
        for deadline, in_sql in rows:
            assert in_sql == deadline_outcome(
                state=deadline.state, due_at=deadline.due_at, completed_at=deadline.completed_at,
                escalated=deadline.escalated, now=NOW), deadline
        query = sa.select(Incident, analytics_query.first_alert_start(),
                          *analytics_query.moments()[1:])
        for incident, first_alert, *moments in s.exec(query).all():
            expected = response_times(incident, first_alert_at=first_alert)
            spans = analytics.response_seconds([[incident.severity, *moments]])[0]
            for name, value in zip(analytics.TIMES, spans, strict=True):
                delta = getattr(expected, name)
                assert (value != value) if delta is None else value == delta.total_seconds()


def run(args, engine, **env):
    # The URL with its password: str() would hide it from the CLI run here.
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "INCIDENTBOT_CONFIG": str(EXAMPLE), **env}
    return CliRunner().invoke(cli, ["report", *args], env=env)


def test_cli_json_and_csv(engine, data, tmp_path, monkeypatch):
    monkeypatch.setattr("bot.cli.report.utcnow", lambda: NOW)
    log = tmp_path / "log.csv"
    result = run(["--since", "2026-07-01", "--until", "2026-12-31", "--tz", "Europe/Berlin",
                  "--json", "--csv", str(log)], engine)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["incidents"] == 6 and figures["deadline_compliance"]["all"]["rate"] == 0.5
    assert figures["times"]["resolve"] == stat(5, 15300.0, 14400.0, 24480.0)
    assert list(csv.reader(log.open(encoding="utf-8")))[1:] == EXPECTED_LOG
    assert f"incident log (6 incidents) written to {log}" in result.stderr

    text = run(["--system", "recommender", "--since", "2026-10-25", "--until", "2026-10-25",
                "--tz", "Europe/Berlin"], engine)
    assert text.exit_code == 0
    assert "Incidents: 1 (not counted: 0 declined, 1 merged, 0 drills)" in text.stdout
    assert ("  Time to resolve (MTTR)               1     1h 15m 00s     1h 15m 00s     "
            "1h 15m 00s") in text.stdout.splitlines()

    default = run([], engine)  # the last 90 days, in UTC
    assert default.exit_code == 0 and "Incidents: 5 " in default.stdout
    assert "Period: 2026-08-29 10:00 – 2026-11-27 10:00 UTC" in default.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2026-13-01"], "--since '2026-13-01' is not a date on the calendar"),
    (["--until", "27/11/2026"], "--until '27/11/2026' is not a date: use YYYY-MM-DD"),
    (["--since", "2026-12-01", "--until", "2026-11-01"],
     "--since 2026-12-01 is after --until 2026-11-01"),
    (["--tz", "Mars/Olympus"], "--tz: unknown time zone 'Mars/Olympus'"),
    (["--client", " "], "--client needs a catalog key"),
    (["--csv", "/nonexistent-dir/log.csv"], "--csv: cannot write /nonexistent-dir/log.csv"),
])
def test_cli_bad_input_is_one_line_and_exit_2(engine, data, args, message):
    result = run(args, engine)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_cli_on_a_database_without_tables(tmp_path, engine):
    """On either database a schema that was never built is one line, not a traceback."""
    from tests.databases import fresh_database

    with fresh_database(tmp_path, "empty") as url:
        empty = make_engine(url)
        with empty.begin() as connection:  # the database exists, without tables
            if on_postgres():
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        empty.dispose()
        result = run([], engine, DATABASE_URL=url)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "run `incidentbot db upgrade` first" in result.stderr


def test_report_runs_on_quarters_without_incidents(engine, data):
    period = parse_period("2027-Q1", now=NOW)
    report = analytics_query.report(engine, period=period, now=NOW)
    assert report.incidents == 0 and report.times["resolve"].count == 0
    assert at("2027-01-01 00:00") == period.start


def test_in_memory_database_runs_the_queries_on_one_connection(catalog):
    """Each connection to `sqlite://` is a database of its own: the queries must share one
    (elsewhere they run side by side); the figures are the same either way."""
    memory = make_engine("sqlite://")
    migrate.upgrade(memory)
    build(memory, catalog)
    report = analytics_query.report(memory, period=h2(), now=NOW)
    assert report.incidents == 6 and report.deadlines_total.decided == 10
    memory.dispose()
