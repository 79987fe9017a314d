"""Performance: PostgreSQL ranks a search's matches without reading their bodies' vector thrice.

A search ranks its matches by where the words are (title, A, above subtitle and excerpt, B,
above the body, C), then by `ts_rank_cd`. The first two were `ts_filter(search_vector, …)`
tests: each read the whole weighted vector of the match, body included (a few KB kept out of
the row, TOAST-ed and compressed), and `ts_rank_cd` read it a third time. At 100,000 articles
the ranking read 5,644 buffers where `ts_rank_cd` alone read 1,985.

`search_vector_head` is the vector of the title (A), subtitle and excerpt (B) alone, built the
way `search_vector` builds them, so that it equals `ts_filter(search_vector, '{a,b}')`,
positions included: a title or phrase match is found in it as in the whole vector. It is a
few hundred bytes, kept in the row. The tiers read it; only `ts_rank_cd` reads the body's.

Only PostgreSQL (SQLite ranks with bm25 over its FTS5 columns). Autogenerate ignores it, as it
does `search_vector` (`api.db.managed_by_autogenerate`).

Adding a stored generated column rewrites `articles` under an exclusive lock: 39 s for
100,000 articles on the project's 2-core machine, during which reads and writes of articles
wait. Run it when the newsroom can spare that (or longer for a larger catalogue).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 18:00:00

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The first two parts of migration 0003's `search_vector`, as it writes them
POSTGRESQL_UPGRADE = """
    ALTER TABLE articles ADD COLUMN search_vector_head tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('newsdesk_french'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('newsdesk_french'::regconfig,
                                 coalesce(subtitle, '') || ' ' || coalesce(excerpt, '')), 'B')
    ) STORED
"""
POSTGRESQL_DOWNGRADE = "ALTER TABLE articles DROP COLUMN IF EXISTS search_vector_head"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_UPGRADE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_DOWNGRADE)
