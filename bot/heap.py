"""Keep the garbage collector's full passes short in a long-running process.

After start-up the heap holds a million-odd objects that live as long as the process
(modules, SciPy and pandas, ORM mappers, the catalog). Every full collection walked all of
them again, stalling the event loop for a few hundred milliseconds under load: the answers
waiting at that moment missed their 100 ms. Freezing them once they exist (`gc.freeze`,
as CPython's documentation advises for servers) leaves the collector only new objects.
"""

from __future__ import annotations

import gc

from aiohttp import web


async def freeze_startup_heap(_app: web.Application) -> None:
    gc.collect()
    gc.freeze()


def freeze_after_startup(app: web.Application) -> None:
    """For the process entry points (`serve`, `sandbox`), not for tests that build many
    apps in one process: frozen objects are never collected."""
    app.on_startup.append(freeze_startup_heap)
