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

from api.migrations import public_order

# revision identifiers, used by Alembic.
revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["published_at", "id", "status", "deleted_at"]


def upgrade() -> None:
    public_order.add_last_column(COLUMNS, "language")


def downgrade() -> None:
    public_order.drop_last_column(COLUMNS)
