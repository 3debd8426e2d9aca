"""The `incidentbot` commands, by typer. The only place that configures logging.

The console script is `bot.cli.main` (bot/cli/__init__.py): it runs a plain
`incidentbot drift …` line itself and hands every other line to `main` here.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    # Each command imports what it needs when it runs: `incidentbot drift` never needs
    # the settings (pydantic-settings), and `--help` needs nothing (README, "Performance").
    from bot.settings import Settings
    from incidents.catalog import Catalog

cli = typer.Typer(
    help="A Slack incident bot for teams that run AI systems for clients.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: typer's rich help writes "<bool>" after every flag (its
    # TyperOption.display_type_rich ignores is_flag), and --help starts faster without rich.
    rich_markup_mode=None,
)
db_cli = typer.Typer(help="Database maintenance.", no_args_is_help=True, rich_markup_mode=None)
cli.add_typer(db_cli, name="db")


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"incidentbot: {message}", err=True)
    raise typer.Exit(code)


def _settings(**overrides: object) -> Settings:
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings(**overrides)
        settings.require_catalog_exists()
        return settings
    except SettingsError as exc:
        fail(str(exc))


def _catalog(settings: Settings) -> Catalog:
    from incidents.catalog import CatalogError, load_catalog

    try:
        return load_catalog(settings.catalog_path())
    except CatalogError as exc:
        fail(f"invalid catalog: {exc}")


@contextmanager
def _database_errors() -> Iterator[None]:
    """A database that refuses us is one line naming DATABASE_URL, not a traceback. The
    driver's message names host and port, never the password."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        fail(f"DATABASE_URL: cannot use the database: {reason}")


def _logging(verbose: bool, settings: Settings, catalog: Catalog) -> None:
    from bot.log_redaction import redact_logs, redactor

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # slack_sdk logs request bodies at DEBUG; keep tokens and user text out of logs.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Timer checks run every second; their "job executed" lines would drown everything.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    redact_logs(redactor(settings, catalog))


@cli.command()
def serve(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    """Run the bot: Slack endpoint (or Socket Mode), alert webhooks, health, metrics."""
    from aiohttp import web

    from bot.app import create_app
    from bot.heap import freeze_after_startup
    from bot.settings import SettingsError

    settings = _settings()
    try:
        settings.require_slack()
    except SettingsError as exc:
        fail(str(exc))
    catalog = _catalog(settings)
    _logging(verbose, settings, catalog)
    app = create_app(settings, catalog)
    freeze_after_startup(app)
    mode = "Socket Mode" if settings.socket_mode else "POST /slack/events"
    print(f"incidentbot listening on http://{settings.host}:{settings.port} ({mode})", flush=True)
    with _database_errors():
        web.run_app(app, host=settings.host, port=settings.port, print=None)


@cli.command()
def sandbox(
    port: Annotated[int | None, typer.Option(help="Port (default: PORT or 3000).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the bot against the built-in Slack-compatible workspace: no Slack account needed."""
    from bot.sandbox.run import run_sandbox

    settings = _settings()
    _logging(verbose, settings, _catalog(settings))
    with _database_errors():
        run_sandbox(settings, port=port if port is not None else settings.port)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from bot import migrate
    from incidents.db import make_engine

    settings = _settings()
    engine = make_engine(settings.database_url)
    with _database_errors():
        migrate.upgrade(engine)
        typer.echo(f"database at revision {migrate.current_revision(engine)}")


@cli.command()
def export(
    incident_id: Annotated[int, typer.Argument(metavar="ID", help="The incident's number.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here, "
                                                "not to stdout.")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Also show times in this zone, "
                                           "e.g. Europe/Berlin.")] = None,
) -> None:
    """Write the post-incident review draft of incident ID as Markdown."""
    from bot.cli.export import ExportError, run_export

    settings = _settings()
    try:
        written = run_export(database_url=settings.database_url, catalog=_catalog(settings),
                             incident_id=incident_id, output=output, zone_name=tz,
                             out=sys.stdout)
    except ExportError as exc:
        fail(str(exc))
    if written:
        typer.echo(f"review draft of incident #{incident_id} written to {written}", err=True)


@cli.command()
def drift(
    reference: Annotated[Path, typer.Option(metavar="FILE", help="Reference data (CSV or "
                                            "Parquet; a glob works).")],
    current: Annotated[Path, typer.Option(metavar="FILE", help="Current data (CSV or "
                                          "Parquet; a glob works).")],
    prediction: Annotated[str | None, typer.Option(metavar="COLUMN",
                                                   help="Column holding predictions.")] = None,
    confidence: Annotated[str | None, typer.Option(metavar="COLUMN",
                                                   help="Column holding confidences.")] = None,
    label: Annotated[str | None, typer.Option(metavar="COLUMN",
                                              help="Column holding true labels.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(
        metavar="COLUMNS", help="Columns to leave out, comma-separated (id,score); may be "
        "repeated. Identifier-like columns are left out without it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Drift report for two datasets: exit 0 no drift, 1 drift found, 2 error."""
    from bot.cli.drift import DriftCommand, run_command

    code = run_command(DriftCommand(
        reference=reference, current=current, prediction=prediction, confidence=confidence,
        label=label, exclude=tuple(exclude or ()), as_json=as_json))
    _exit_without_teardown.append(True)
    raise typer.Exit(code)


@cli.command()
def report(
    since: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (default: 90 "
                                              "days before the end).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, included, YYYY-MM-DD "
                                              "(default: now).")] = None,
    client: Annotated[str | None, typer.Option(help="Only this client (catalog key).")] = None,
    system: Annotated[str | None, typer.Option(help="Only this AI system (catalog key).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    csv_file: Annotated[Path | None, typer.Option(
        "--csv", metavar="FILE", help="Also write the incident log, one row per incident.")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Time zone of days, months and "
                                           "quarters, e.g. Europe/Berlin (default UTC).")] = None,
) -> None:
    """Incident metrics: counts, detection/response/resolution times, deadline compliance,
    follow-ups, recurring patterns, quarter over quarter."""
    from bot.cli.report import ReportError, run_report

    settings = _settings()
    try:
        written = run_report(database_url=settings.database_url, since=since, until=until,
                             client=client, system=system, zone_name=tz, as_json=as_json,
                             csv_path=csv_file, out=sys.stdout)
    except ReportError as exc:
        fail(str(exc))
    if written is not None:
        typer.echo(f"incident log ({written} incidents) written to {csv_file}", err=True)


# Set by commands that finish holding large arrays (`drift`): the console script then
# exits without the interpreter's teardown, which frees every array and module one by
# one — about 70 ms, a tenth of a drift run on 100,000 rows (README, "Performance").
_exit_without_teardown: list[bool] = []


def main() -> None:
    try:
        cli()
    except SystemExit as done:
        if not _exit_without_teardown:
            raise
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
