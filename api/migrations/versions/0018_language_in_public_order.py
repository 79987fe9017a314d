"""Performance: a list in one language (`?lang=fr`) is read from the publication order's index.

`ix_articles_public_order` held the publication order and what the visibility rule reads, so
the public list and its count read it alone; a list filtered by language read each public
article's row for its `language` as well. On SQLite that column sits after the bodies, at the
end of a chain of overflow pages: at 10,000 articles, all in French, the statement of
`?lang=fr`'s page 1 took 93 ms, and PostgreSQL counted it by reading the whole table (26 ms,
`EXPLAIN ANALYZE`). The index now ends with `language`: such a list and its count are read
from it alone, like the list without a language (5.7 ms and 4.8 ms).

SQLite keeps the statistics migration 0007 seeded for the index, if any (dropping an index
drops its row of `sqlite_stat1`), with one more column.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 23:55:00

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_articles_public_order"
COLUMNS = ["published_at", "id", "status", "deleted_at"]


def _statistics() -> str | None:
    """The index's row of `sqlite_stat1` (SQLite only, once analysed or seeded)."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return None
    known = connection.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).scalar()
    if not known:
        return None
    return connection.exec_driver_sql(
        "SELECT stat FROM sqlite_stat1 WHERE tbl = 'articles' AND idx = ?", (INDEX,)
    ).scalar()


def _replace(columns: list[str], stat: str | None) -> None:
    # Plain index statements: a batch operation could rebuild `articles` on SQLite, taking
    # the full-text triggers of migration 0003 with it
    op.drop_index(INDEX, table_name="articles")
    op.create_index(INDEX, "articles", columns, unique=False)
    if stat is not None:
        op.get_bind().exec_driver_sql(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('articles', ?, ?)", (INDEX, stat)
        )


def upgrade() -> None:
    stat = _statistics()
    # One more entry: the rows per value of the leading columns, language included (1: the
    # id is among them)
    _replace([*COLUMNS, "language"], None if stat is None else f"{stat} 1")


def downgrade() -> None:
    stat = _statistics()
    _replace(COLUMNS, None if stat is None else stat.rsplit(" ", 1)[0])
