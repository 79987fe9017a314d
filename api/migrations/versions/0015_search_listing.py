"""Performance: SQLite's search finds which matches are public without reading their rows.

A search counted and ranked its matches after checking each one against the visibility rule,
read from the article's row: a row of 26 KB whose status and publication time SQLite reaches
through a chain of overflow pages (the columns come after the bodies). A word found in 5,000
of 100,000 articles cost 110 ms of SQL, about 2 µs of it per match for the FTS5 index and
bm25, the rest for the rows.

`articles_fts_listed` holds, for each row of `articles` (keyed by its rowid, as `articles_fts`
is), the article's publication time while it is listed (published or scheduled, with a time,
not deleted — the rule of the tallies and of the links' `listed_at`), NULL otherwise: a
table of a few bytes a row, whose pages stay in memory. A public search by relevance counts
and ranks its matches from the FTS5 index and this table alone, then reads its page's twenty
rows. Triggers on `articles` keep it in the transaction of every write, whoever makes it.

Only SQLite: PostgreSQL keeps the bodies out of the row (TOAST), so its rule reads small rows.
Like `articles_fts`, the table follows `articles`' rowids: a later migration that rebuilds
`articles` must refill it. Autogenerate ignores it (`api.db.managed_by_autogenerate`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 09:00:00

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The listed set of migration 0009, of a row alias
LISTED = (
    "({row}.status IN ('published', 'scheduled') AND {row}.published_at IS NOT NULL "
    "AND {row}.deleted_at IS NULL)"
)


def _listed_at(row: str) -> str:
    """What an article `row` holds in the table: its publication time while listed."""
    return f"(CASE WHEN {LISTED.format(row=row)} THEN {row}.published_at END)"


SQLITE_UPGRADE = (
    "CREATE TABLE articles_fts_listed (id INTEGER PRIMARY KEY, listed_at DATETIME)",
    f"""
    CREATE TRIGGER articles_fts_listed_insert AFTER INSERT ON articles BEGIN
        INSERT OR REPLACE INTO articles_fts_listed (id, listed_at)
        VALUES (NEW.rowid, {_listed_at("NEW")});
    END
    """,
    f"""
    CREATE TRIGGER articles_fts_listed_update
        AFTER UPDATE OF status, published_at, deleted_at ON articles
        WHEN {_listed_at("NEW")} IS NOT {_listed_at("OLD")}
    BEGIN
        UPDATE articles_fts_listed SET listed_at = {_listed_at("NEW")} WHERE id = NEW.rowid;
    END
    """,
    """
    CREATE TRIGGER articles_fts_listed_delete AFTER DELETE ON articles BEGIN
        DELETE FROM articles_fts_listed WHERE id = OLD.rowid;
    END
    """,
    "INSERT INTO articles_fts_listed (id, listed_at) "
    f"SELECT rowid, {_listed_at('a')} FROM articles a",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS articles_fts_listed_delete",
    "DROP TRIGGER IF EXISTS articles_fts_listed_update",
    "DROP TRIGGER IF EXISTS articles_fts_listed_insert",
    "DROP TABLE IF EXISTS articles_fts_listed",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
