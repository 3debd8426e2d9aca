"""The `incidentbot` console script.

A plain `incidentbot drift …` line runs straight away (bot/cli/drift.py parses it);
every other line goes to the typer commands in bot/cli/commands.py, which print all
help and all errors. Importing typer (with its click and pydantic helpers) costs about
50 ms, a tenth of a whole drift run on 100,000 rows (README, "Performance"), and a
drift run needs nothing else from it.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.cli.drift import DriftCommand


def main() -> None:
    # Before anything imports NumPy: the drift command, and the bot's /incident drift and
    # drift monitors under `serve` and `sandbox`, sort with the faster code (bot/cli/drift.py).
    from bot.cli.drift import numpy_environment

    for name, value in numpy_environment().items():
        os.environ.setdefault(name, value)
    args = sys.argv[1:]
    if args[:1] == ["drift"]:
        from bot.cli.drift import parse_command_line, run_command

        command = parse_command_line(args[1:])
        if command is not None:
            _exit_now(_as_click_would(run_command, command))
    from bot.cli.commands import main as commands_main

    commands_main()


def _as_click_would(run: Callable[[DriftCommand], int], command: DriftCommand) -> int:
    """Run the command; Ctrl-C and a closed pipe end it as click ends a command."""
    try:
        return run(command)
    except KeyboardInterrupt:
        print("\nAborted!", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            return 1
        raise


def _exit_now(code: int) -> None:
    """Exit without the interpreter's teardown, which frees every array and module one by
    one — about 70 ms, a tenth of a drift run on 100,000 rows."""
    try:
        sys.stdout.flush()
    except OSError:
        code = code or 1
    sys.stderr.flush()
    os._exit(code)


def __getattr__(name: str) -> Any:
    # `from bot.cli import cli` (tests, scripts) still finds the typer application and
    # whatever else bot/cli/commands.py defines, as when it was bot/cli.py.
    if name.startswith("__") or name == "commands":  # the submodule itself: import's job
        raise AttributeError(f"module 'bot.cli' has no attribute {name!r}")
    return getattr(importlib.import_module("bot.cli.commands"), name)
