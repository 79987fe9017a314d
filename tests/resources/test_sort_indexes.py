"""PostgreSQL reads a list in its other orders (title, last update, creation; either way)
from their indexes (migration 0017), not by sorting every public article."""

import re

import pytest
from sqlalchemy import text

from api.services import queries

pytestmark = pytest.mark.postgresql


@pytest.mark.parametrize("desc", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("name", ["title", "updated_at", "created_at"])
def test_a_sorted_list_is_read_from_its_index(session, name, desc):
    listing = queries.public_listing(dialect="postgresql", bylines=False, sort=[(name, desc)])
    compiled = listing.limit(20).compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    # The test database is small: sorting it looks as cheap as reading an index, so the
    # planner is told to avoid both a sort and a scan of the table where it can
    session.execute(text("SET LOCAL enable_sort = off"))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {compiled}")))
    assert f"ix_articles_sort_{name}" in plan, plan
    # At most the ties sorted by id, within the index's order (an incremental sort)
    assert not re.search(r"(?<!Incremental )Sort  \(", plan), plan
