"""Editorial fixtures: a caller of each kind, and the database's contents to compare."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.db import Base

# The kinds of caller; "owner" is the author whose key created the article acted on
CALLERS = ("anonymous", "partner", "owner", "other_author", "editor", "admin")
CALLER_ROLES = {
    "anonymous": None,
    "partner": "partner",
    "owner": "author",
    "other_author": "author",
    "editor": "editor",
    "admin": "admin",
}
# Touched by every authenticated request, refused ones included: not content
_BOOKKEEPING_COLUMNS = {("api_keys", "last_used_at")}


@pytest.fixture
def callers(make_key) -> dict[str, dict]:
    """The `Authorization` header of each kind of caller (anonymous sends none)."""
    return {name: make_key(role, name=name) if role else {} for name, role in CALLER_ROLES.items()}


def database_state(session) -> dict[str, list[tuple]]:
    """Every row of every table (bookkeeping columns aside), in a stable order.

    Plain SQL on the connection: changes a refused request left pending in a session are not
    flushed, as the end of a real request discards them.
    """
    connection = session.connection()
    state = {}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.c if (table.name, c.name) not in _BOOKKEEPING_COLUMNS]
        rows = connection.execute(select(*columns)).all()
        state[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return state


@pytest.fixture
def database_contents(session):
    """A function returning every row of every table, to compare before and after a request."""
    return lambda: database_state(session)
