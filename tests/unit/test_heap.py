"""The long-running entry points freeze the start-up heap (the collector's full passes
stalled answers for ~250 ms under load). In a child process: a frozen heap is forever."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_startup_freezes_what_exists_and_only_then():
    out = run("""
        import asyncio, gc
        from aiohttp import web
        from bot.heap import freeze_after_startup

        app = web.Application()
        freeze_after_startup(app)
        before = gc.get_freeze_count()
        app.freeze()
        asyncio.run(app.startup())
        print(before, gc.get_freeze_count() > 1000)
    """)
    assert out == "0 True"


def test_serve_and_sandbox_use_it():
    for path in ("bot/cli/commands.py", "bot/sandbox/run.py"):
        assert "freeze_after_startup(app)" in (ROOT / path).read_text()
