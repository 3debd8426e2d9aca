"""The database a CLI read command (`export`, `report`) opens: one that exists. Opening a
SQLite URL creates its file, so a mistyped or default URL used to leave an empty
`incidentbot.db` behind and answer "no such table" — with the wrong advice to migrate it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# `incidentbot sandbox` keeps its incidents here unless DATABASE_URL says otherwise.
SANDBOX_DATABASE = "sqlite:///./incidentbot-sandbox.db"


def missing_database(url: str, *, command: str) -> str | None:
    """None when `url` is a database to read (or not a SQLite file); else, in one line, that
    there is none, and the exact command for the sandbox's database when that exists here."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # the engine says what is wrong with it
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:"):
        return None
    path = Path(database)
    if path.exists():
        return None
    found = f"there is no database at {path} (DATABASE_URL={parsed.render_as_string()}); " \
        "nothing was created"
    sandbox = Path(make_url(SANDBOX_DATABASE).database)
    if sandbox.exists() and sandbox.resolve() != path.resolve():
        return f"{found}. The sandbox's database is {sandbox}: " \
            f"DATABASE_URL={SANDBOX_DATABASE} incidentbot {command}"
    return f"{found}. Set DATABASE_URL to the bot's database (the sandbox's banner prints " \
        "the command)."
