"""Workspace members' names, for documents read outside Slack.

In Slack a `<@U123>` shows the person's name; a review exported to Markdown
(`incidentbot export`) has no Slack to ask. The adapter stores each person's names when
they act on an incident or are named in it (assigned, paged, given a follow-up), and the
documents read them here. Nobody stored: the Slack id, so nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from incidents.models import Person

USER_ID = re.compile(r"^[UW][A-Z0-9_]{1,20}$")
MENTION = re.compile(r"<@([UW][A-Z0-9_]{1,20})(?:\|[^>]*)?>")
_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def label(*, user_id: str, real_name: str = "", handle: str = "") -> str:
    """`Bob Miller (@bob)`; `@bob` without a real name; `@U123` when nothing is known."""
    at = f"@{handle or user_id}"
    return f"{real_name} ({at})" if real_name and real_name != handle else at


def mentioned(text: str | None) -> set[str]:
    """The user ids a Slack text mentions (`<@U123>`, `<@U123|bob>`)."""
    return set(MENTION.findall(text)) if text and "<@" in text else set()


def remember(session: Session, *, user_id: str, real_name: str, handle: str,
             now: datetime) -> None:
    """Store or refresh a person's names: one upsert, so two replicas learning the same
    person at once do not collide."""
    if not USER_ID.match(user_id):
        return
    values = {"real_name": real_name, "handle": handle, "updated_at": now}
    dialect = session.get_bind().dialect.name
    if dialect not in _UPSERT:
        session.merge(Person(user_id=user_id, **values))
        return
    statement = _UPSERT[dialect](Person).values(user_id=user_id, **values)
    session.exec(statement.on_conflict_do_update(index_elements=["user_id"], set_=values))


def known(session: Session, user_ids: Iterable[str]) -> set[str]:
    wanted = {u for u in user_ids if u}
    if not wanted:
        return set()
    return set(session.exec(select(Person.user_id).where(col(Person.user_id).in_(wanted))))


def names(session: Session, user_ids: Iterable[str]) -> dict[str, str]:
    """user id → how documents name them, for those whose names are stored."""
    wanted = sorted({u for u in user_ids if u and USER_ID.match(u)})
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):  # IN lists stay short on every database
        rows = session.exec(select(Person).where(col(Person.user_id).in_(
            wanted[start:start + 500])))
        for row in rows:
            found[row.user_id] = label(user_id=row.user_id, real_name=row.real_name,
                                       handle=row.handle)
    return found
