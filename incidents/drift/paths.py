"""How data files are named to people: as the catalog names them, not as the server
stores them (an installed package's example data lives deep in site-packages)."""

from __future__ import annotations

from pathlib import Path


def relative_path(path: str, base: Path | None) -> str:
    """`path` relative to `base` (the catalog's folder) when inside it, else as given."""
    if base is None:
        return path
    try:
        return str(Path(path).relative_to(base))
    except ValueError:
        return path
