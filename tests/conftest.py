"""Suite-wide diagnostics: a test stuck on the event loop prints what every task awaits."""

from __future__ import annotations

import asyncio
import signal
import threading

import pytest

from tests.databases import drop_template, fresh_database

# Before pytest-timeout's 120 s (pyproject.toml): its own dump shows only the thread
# sitting in select(); the tasks' stacks show what the test is really waiting for.
STUCK_SECONDS = 90


def _awaiting(task: asyncio.Task) -> list[str]:
    """The chain of coroutines the task is suspended in, outermost first."""
    chain, coro = [], task.get_coro()
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
        if frame is not None:
            chain.append(f"{frame.f_code.co_qualname} ({frame.f_code.co_filename}:"
                         f"{frame.f_lineno})")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None)
    return chain or [repr(task)]


@pytest.fixture(autouse=True)
def _report_stuck_tasks(request):
    capture = request.config.pluginmanager.getplugin("capturemanager")
    reporter = request.config.pluginmanager.getplugin("terminalreporter")

    def print_tasks(*_: object) -> None:
        # A signal handler runs in the main thread, where the test's loop (if any) runs.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\n+++ {request.node.nodeid}: asyncio tasks still pending "
                                f"after {STUCK_SECONDS}s +++")
            for task in asyncio.all_tasks(loop):
                reporter.write_line(f"{task.get_name()}: " + " -> ".join(_awaiting(task)))

    previous = signal.signal(signal.SIGUSR1, print_tasks)
    main = threading.main_thread().ident
    timer = threading.Timer(STUCK_SECONDS, signal.pthread_kill, (main, signal.SIGUSR1))
    timer.daemon = True
    timer.start()
    yield
    timer.cancel()
    signal.signal(signal.SIGUSR1, previous)


@pytest.fixture
def database_url(tmp_path):
    """A fresh database for this test: SQLite, or PostgreSQL under `scripts/test --postgres`."""
    with fresh_database(tmp_path) as url:
        yield url


def pytest_sessionfinish(session, exitstatus):
    drop_template()
