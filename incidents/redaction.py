"""Taking secrets out of text that will be shown or stored: what an action endpoint or a
data source answered, and the errors they raised.

One function, `redact`, used wherever such text leaves the process (the timeline, Slack,
logs). It removes the values it is told are secret — the catalog's header values and the
values of the `${VAR}` references in them (incidents/catalog/env_refs.py) — and anything that looks
like a credential whoever wrote the text: `Bearer …`/`Basic …`, `Authorization: …`,
`api_key=…`, `password=…`, and the password in `scheme://user:password@host`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from incidents.catalog.env_refs import REFERENCE

REDACTED = "[redacted]"
# Shorter values would match ordinary words; no real credential is that short.
MIN_SECRET_LENGTH = 6

_SCHEME = re.compile(r"(?i)\b(bearer|basic|digest|token)(\s+)[A-Za-z0-9._~+/=:-]{4,}")
_KEYED = re.compile(
    r"""(?ix)
    ((?:proxy-)?authorization|x-api-key|api[-_]?key|api[-_]?token|access[-_]?token
     |auth[-_]?token|client[-_]?secret|secret|password|passwd|token)
    (["']?\s*[:=]\s*["']?)
    (?!\[redacted\])([^\s"',;&}]+)"""
)
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)([^/\s@]+)(@)")


def redact(text: str, *, secrets: Iterable[str] = ()) -> str:
    """`text` with each known secret and every credential-looking value replaced."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH},
                         key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _KEYED.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(3)}", text)


def secrets_of(values: Iterable[str], environ: Mapping[str, str]) -> set[str]:
    """The secret strings behind configured credential values: each value as written, as
    expanded, each `${VAR}`'s value, and the credential after a scheme (`Bearer xyz` → xyz)."""
    found: set[str] = set()
    for value in values:
        expanded = REFERENCE.sub(lambda m: environ.get(m.group(1), m.group(0)), value)
        found.update({value, expanded})
        found.update(environ[name] for name in REFERENCE.findall(value) if name in environ)
        for text in (value, expanded):
            scheme, _, rest = text.partition(" ")
            if rest and scheme.isalpha():
                found.add(rest.strip())
    return {s for s in found if s and not REFERENCE.fullmatch(s)}
