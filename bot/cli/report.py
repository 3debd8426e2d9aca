"""`incidentbot report`: incident metrics for a period, as text or JSON, and the incident
log as CSV. Bad input stops with one line (exit 2) and nothing on standard output."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.cli.database import missing_database
from incidents.analytics import query as analytics_query
from incidents.analytics import report_format
from incidents.analytics.periods import Period, PeriodError, parse_date, period_from_dates
from incidents.db import make_engine
from incidents.models import utcnow
from incidents.regulatory import compliance as regulatory_compliance


class ReportError(Exception):
    """Why there is no report, in one line."""


def parse_zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ReportError(f"--tz: unknown time zone {name!r} (use an IANA name such as "
                          "Europe/Berlin)") from None


def parse_period(*, since: str | None, until: str | None, zone_name: str | None,
                 now: datetime) -> Period:
    try:
        first = parse_date(since, option="--since") if since is not None else None
        last = parse_date(until, option="--until") if until is not None else None
        return period_from_dates(since=first, until=last, now=now, zone=parse_zone(zone_name))
    except PeriodError as exc:
        raise ReportError(str(exc)) from None


def _filter(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    if not value.strip():
        raise ReportError(f"{option} needs a catalog key, e.g. {option} fraud-detector")
    return value.strip()


def run_report(
    *,
    database_url: str,
    since: str | None = None,
    until: str | None = None,
    client: str | None = None,
    system: str | None = None,
    zone_name: str | None = None,
    as_json: bool = False,
    csv_path: Path | None = None,
    out: TextIO,
    now: datetime | None = None,
) -> int | None:
    """Print the report to `out`; with `csv_path` also write the incident log there.
    Returns the number of incidents written to the CSV, if one was asked for."""
    now = now or utcnow()
    period = parse_period(since=since, until=until, zone_name=zone_name, now=now)
    scope = {"client": _filter(client, "--client"), "system": _filter(system, "--system")}
    missing = missing_database(database_url, command="report")
    if missing:
        raise ReportError(missing)
    engine = make_engine(database_url)
    written = None
    try:
        report = analytics_query.report(engine, period=period, now=now, **scope)
        clocks = regulatory_compliance.compliance(engine, period=period, now=now, **scope)
        if csv_path is not None:
            try:
                with csv_path.open("w", encoding="utf-8", newline="") as log:
                    written = analytics_query.write_log(engine, period=period, now=now,
                                                        out=log, **scope)
            except OSError as exc:
                raise ReportError(f"--csv: cannot write {csv_path}: {exc.strerror}") from None
    # SQLite reports a missing table as OperationalError, PostgreSQL as ProgrammingError
    # (with the statement on further lines: the first line is the reason).
    except (OperationalError, ProgrammingError) as exc:
        raise ReportError(f"cannot read the database ({str(exc.orig).splitlines()[0]}); "
                          "run `incidentbot db upgrade` first") from None
    finally:
        engine.dispose()
    if as_json:
        data = {**report_format.as_json(report),
                "regulatory_compliance": regulatory_compliance.as_json(clocks)}
        out.write(json.dumps(data, indent=2, ensure_ascii=False))
        out.write("\n")
    else:
        out.write(report_format.text(report))
        out.write(regulatory_compliance.text(clocks))
    return written
