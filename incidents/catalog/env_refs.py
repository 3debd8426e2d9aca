"""`${NAME}` in the catalog's credentials: the YAML names an environment variable, the
secret itself stays out of the file (and out of the repository it is usually kept in).

Expanded when used, not when the catalog is loaded, so the catalog object never holds a
secret that a page or a log could show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingVariable(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def expand(text: str, environ: Mapping[str, str]) -> str:
    """Replace every `${NAME}` with the variable's value; MissingVariable when one is unset."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise MissingVariable(name)
        return environ[name]

    return REFERENCE.sub(value, text)
