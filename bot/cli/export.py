"""`incidentbot export ID [-o FILE] [--tz ZONE]`: the post-incident review draft as Markdown,
straight from the database (the same document `/incident review` uploads)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.cli.database import missing_database
from incidents.catalog.models import Catalog
from incidents.db import make_engine, session_scope
from incidents.models import utcnow
from incidents.review import draft as review


class ExportError(Exception):
    """Why nothing was written, in one line."""


def parse_zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExportError(f"unknown time zone {name!r} (use an IANA name such as "
                          "Europe/Berlin)") from None


def export_review(
    *, database_url: str, catalog: Catalog, incident_id: int, zone: ZoneInfo | None = None,
    now: datetime | None = None,
) -> str:
    missing = missing_database(database_url, command=f"export {incident_id}")
    if missing:
        raise ExportError(missing)
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            data = review.gather(session, incident_id=incident_id, catalog=catalog,
                                 now=now or utcnow(), zone=zone)
    # SQLite reports a missing table as OperationalError, PostgreSQL as ProgrammingError
    # (with the statement on further lines: the first line is the reason).
    except (OperationalError, ProgrammingError) as exc:
        raise ExportError(f"cannot read the database ({str(exc.orig).splitlines()[0]}); "
                          "run `incidentbot db upgrade` first") from None
    finally:
        engine.dispose()
    if data is None:
        raise ExportError(f"there is no incident #{incident_id}")
    return review.render(data, templates_dir=catalog.templates_dir)


def run_export(
    *, database_url: str, catalog: Catalog, incident_id: int, output: Path | None,
    zone_name: str | None, out: TextIO,
) -> str | None:
    """Write the review to `output` (or `out`); returns the path written, if any."""
    markdown = export_review(database_url=database_url, catalog=catalog,
                             incident_id=incident_id, zone=parse_zone(zone_name))
    if output is None:
        out.write(markdown)
        return None
    try:
        output.write_text(markdown, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror}") from None
    return str(output)
