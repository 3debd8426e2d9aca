"""The bot's engine leaves the write-ahead log to `checkpoint` (run from a worker thread)
instead of copying it inside whichever commit crosses 1,000 pages."""

import sqlalchemy as sa

from incidents.db import checkpoint, make_engine

PAGE_HEAVY = 1500  # rows of 4 KB: more than SQLite's 1,000-page auto-checkpoint


def fill(engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("create table blob (id integer primary key, data blob)")
    for _ in range(3):
        with engine.begin() as connection:
            connection.execute(sa.text("insert into blob (data) values (:data)"),
                               [{"data": b"x" * 4000} for _ in range(PAGE_HEAVY // 3)])


def test_commits_leave_the_log_to_the_background_checkpoint(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/bot.db", checkpoint_on_commit=False)
    fill(engine)
    busy, frames, copied = checkpoint(engine)
    assert busy == 0 and frames > 1000 and copied == frames  # nothing was copied before
    assert checkpoint(engine)[1:] == (frames, frames)  # all copied; the next write restarts it
    engine.dispose()


def test_by_default_commits_checkpoint_as_sqlite_does(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/cli.db")
    fill(engine)
    assert checkpoint(engine)[1] < 1000
    engine.dispose()


def test_the_bot_checkpoints_in_the_background(tmp_path, catalog):
    from bot.app import create_app
    from bot.keys import BOT
    from bot.settings import Settings

    settings = Settings(_env_file=None, slack_bot_token="xoxb-placeholder",
                        slack_signing_secret="placeholder",
                        database_url=f"sqlite:///{tmp_path}/bot.db")
    runtime = create_app(settings, catalog)[BOT]
    assert "wal_checkpoint" in [name for name, _check, _every in runtime.timer_checks]
    with runtime.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    runtime.engine.dispose()
