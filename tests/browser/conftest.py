"""Browser tests: `incidentbot sandbox` in a subprocess, its page in Debian's headless Chromium
driven by Playwright (no browser download). Without Chromium they fail and say why, unless
INCIDENTBOT_SKIP_BROWSER=1."""

from __future__ import annotations

import importlib.util
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("INCIDENTBOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_SECONDS = 60


def missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed (pip install '.[test]')"
    if not Path(CHROMIUM).exists():
        return (f"{CHROMIUM} is missing: install Debian's chromium (`scripts/test` does it "
                "when run as root with apt-get: apt-get install chromium)")
    return None


# Module scope: Playwright's sync API keeps an event loop running while it is started,
# which the asyncio tests of later modules must not find.
@pytest.fixture(scope="module")
def browser():
    if os.environ.get("INCIDENTBOT_SKIP_BROWSER") == "1":
        pytest.skip("INCIDENTBOT_SKIP_BROWSER=1")
    problem = missing()
    if problem is not None:
        pytest.fail(f"the browser tests need Chromium: {problem}. Set "
                    "INCIDENTBOT_SKIP_BROWSER=1 to skip them.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page (own storage) with patient waits: CI machines can be slow."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@dataclass
class Sandbox:
    url: str
    env: dict[str, str]
    cwd: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """Run another `incidentbot` command against the sandbox's database."""
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=self.cwd,
                              env=self.env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def page_errors(page) -> list[str]:
    """The page's script errors and failed sandbox requests, for a test to find none."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if "/sandbox/ui/" in r.url and r.status >= 400 else None)
    return errors


@pytest.fixture
def sandbox_catalog() -> Path:
    """The catalog the sandbox runs with: the example; a test module may override it."""
    return ROOT / "examples" / "incidentbot.yml"


@pytest.fixture
def sandbox(tmp_path, database_url, sandbox_catalog) -> Iterator[Sandbox]:
    """`incidentbot sandbox` exactly as the README runs it, on a free port and a fresh
    database (outside the checkout, so no .env or incidentbot.yml of a developer applies)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "INCIDENTBOT_", "ALERT_WEBHOOK"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url,
               INCIDENTBOT_CONFIG=str(sandbox_catalog),
               HOST="127.0.0.1", PYTHONUNBUFFERED="1")
    log = (tmp_path / "sandbox.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "sandbox", "--port", "0"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=log,
                               text=True)
    lines: queue.Queue[str] = queue.Queue()
    # Read in a thread: a sandbox that hangs before printing must not hang the test run.
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout],
                     daemon=True).start()
    url = None
    deadline = time.monotonic() + START_SECONDS
    try:
        while url is None and time.monotonic() < deadline and process.poll() is None:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            found = re.search(r"Sandbox page\s+(http://\S+?)/?$", line.strip())
            url = found.group(1) if found else None
        if url is None:
            process.kill()
            raise AssertionError("the sandbox did not start:\n"
                                 + (tmp_path / "sandbox.log").read_text())
        yield Sandbox(url, env, tmp_path)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
