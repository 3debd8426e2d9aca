"""The data a catalog system names for drift checks (`systems.<key>.data`), read as tables.

Reference data is a file or a glob; current data is a file, a glob, or a SQL query over
any SQLAlchemy URL (`current_query: {url, sql}`). Every failure is a DriftDataError whose
message is one line a person can act on ("current file … does not exist", "current query
on postgresql://reader:***@warehouse/analytics failed: relation … does not exist").

Reading blocks for as long as the files or the database take: adapters call this from a
worker thread.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidents.catalog.env_refs import MissingVariable, expand
from incidents.catalog.models import CurrentQuery, DataSources
from incidents.drift.columns import DriftDataError
from incidents.drift.paths import relative_path
from incidents.drift.report import DriftReport, analyse_drift
from incidents.drift.settings import DriftSettings
from incidents.redaction import redact, secrets_of

if TYPE_CHECKING:
    # pyarrow (behind `loading`) is imported by the first read, in the worker thread that
    # does it: the bot's start-up does not pay for it (README, "Performance").
    from incidents.drift.loading import Table


@dataclass(frozen=True)
class SystemData:
    reference: Table
    current: Table

    @property
    def modified_at(self) -> datetime | None:
        """When the data last changed, if files tell (a query's rows do not)."""
        times = [t.modified_at for t in (self.reference, self.current)]
        return None if None in times else max(times)  # type: ignore[type-var]


def missing_sources(system_key: str, data: DataSources | None) -> str | None:
    """Why a system's drift cannot be checked from the catalog, or None when it can."""
    where = f"`systems.{system_key}.data` in the catalog"
    if data is None:
        return (f"{system_key} has no data sources for drift checks. Add {where}: a "
                "`reference` file (the data the model was validated on) and `current` "
                "data (a file, a glob such as `data/current/*.parquet`, or "
                "`current_query: {url, sql}`).")
    if data.reference is None:
        return (f"{system_key} names no reference data: add `reference` (a CSV or Parquet file "
                f"or glob) to {where}.")
    if not data.has_current:
        return (f"{system_key} names no current data: add `current` (a file or glob) or "
                f"`current_query: {{url, sql}}` to {where}.")
    return None


def load_sources(data: DataSources, *, base: Path | None = None) -> SystemData:
    """Reference and current tables of a system (see `missing_sources` first). Error
    messages name files relative to `base`, the catalog's folder."""
    if data.reference is None or not data.has_current:
        raise DriftDataError("the catalog names no reference or no current data")
    from incidents.drift.loading import load_table

    reference = load_table(data.reference, role="reference", base=base)
    if data.current_query is not None:
        current = query_table(data.current_query, role="current")
    else:
        current = load_table(data.current, role="current", base=base)
    return SystemData(reference=reference, current=current)


def analyse_sources(
    data: DataSources, loaded: SystemData, *, settings: DriftSettings | None = None,
    base: Path | None = None,
) -> DriftReport:
    """The drift report of loaded tables, with the model columns the catalog names."""
    for table, role in ((loaded.reference, "reference"), (loaded.current, "current")):
        if table.rows == 0:
            raise DriftDataError(f"{role} data {display_source(table.source, base)!r} has "
                                 "no rows")
    return analyse_drift(
        loaded.reference.columns,
        loaded.current.columns,
        prediction=data.prediction,
        confidence=data.confidence,
        label=data.label,
        exclude=data.exclude,
        settings=settings,
    )


def query_table(query: CurrentQuery, *, role: str = "current") -> Table:
    """Run a read-only query and return its rows as a table.

    The SQL goes to the driver as written (no bind-parameter parsing), so casts such as
    `::date` work. Credentials never appear in messages or in `Table.source`.
    """
    # Imported here: only systems with a query need pandas' SQL layer.
    import pandas as pd
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from incidents.drift.loading import Table, columns_from_frame

    try:
        url = make_url(expand(query.url, os.environ))
    except MissingVariable as missing:
        raise DriftDataError(f"{role} query URL needs the environment variable "
                             f"{missing.name}, which is not set") from None
    except ArgumentError:
        raise DriftDataError(
            f"{role} query URL is not an SQLAlchemy database URL "
            "(like postgresql://user@host/db or sqlite:///path/to/file.db)"
        ) from None
    shown = url.render_as_string(hide_password=True)
    try:
        # NullPool: a check runs every few minutes at most; a kept-open pool would hold
        # warehouse connections between runs for nothing.
        engine = create_engine(url, poolclass=NullPool)
    except NoSuchModuleError:
        raise DriftDataError(f"{role} query URL {shown}: unknown database type "
                             f"{url.drivername!r}") from None
    except ImportError as exc:
        raise DriftDataError(f"{role} query URL {shown}: its database driver is not "
                             f"installed ({exc.name or exc})") from None
    try:
        with engine.connect() as connection:
            frame = pd.read_sql(query.sql, connection)
    except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
        reason = redact(_database_reason(exc), secrets=secrets_of([query.url], os.environ))
        raise DriftDataError(f"{role} query on {shown} failed: {reason}") from None
    finally:
        engine.dispose()
    source = f"SQL query on {shown}"
    return Table(source=source, rows=len(frame), columns=columns_from_frame(frame, role=role))


def _database_reason(exc: BaseException) -> str:
    """The database's own words: pandas and SQLAlchemy wrap them with the whole SQL."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    original: Any = getattr(exc, "orig", None) or exc
    text = str(original).strip() or type(original).__name__
    return text.splitlines()[0]


_QUOTED_PATH = re.compile(r"'(/[^']*/)?([^'/]+)'")


def shown_error(error: DriftDataError, base: Path | None) -> str:
    """A data error as people in Slack see it: files relative to the catalog's folder,
    never a full path of the machine the bot runs on."""
    text = str(error)
    if base is not None:
        text = text.replace(f"{base}{os.sep}", "")
    return _QUOTED_PATH.sub(r"'\2'", text)


def display_source(source: str, base: Path | None) -> str:
    """A source as people know it: relative to the catalog's folder when inside it."""
    if "://" in source or source.startswith("SQL query"):
        return source
    return relative_path(source, base)
