"""Performance: a list in another order, filtered by language or time, is read from its index.

A list sorted by title, last update or creation and narrowed by language, publication time or
last update (`?sort=title&lang=fr`, `?sort=-created_at&published_after=…`,
`?sort=title&updated_since=…`) sorted every article the filters kept, reading each one's row:
the language and the last update sit after the bodies, at the end of a chain of overflow
pages. At 100,000 articles on SQLite, `?sort=title&lang=fr` took 1.3 s, and
`?sort=title&updated_since=…` 1.2 s when nothing had changed. Each order's index
(`ix_articles_sort_<column>`, migration 0017) now ends with the language and the last update
as well: such a page is read from its index in order, every filter checked there, and only the
page's rows are read.

SQLite keeps each index's statistics, if any, with the columns added.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-28 12:50:00

"""

from collections.abc import Sequence

from api.migrations import public_order

# revision identifiers, used by Alembic.
revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The orders a list offers besides publication (`api.models.content.INDEXED_SORTS` then)
SORTS = ("title", "updated_at", "created_at")
RULE_COLUMNS = ["id", "published_at", "status", "deleted_at"]
FILTER_COLUMNS = ("language", "updated_at")


def _added(name: str) -> list[str]:
    return [column for column in FILTER_COLUMNS if column != name]


def upgrade() -> None:
    for name in SORTS:
        index = f"ix_articles_sort_{name}"
        public_order.add_last_columns(index, [name, *RULE_COLUMNS], _added(name))


def downgrade() -> None:
    for name in SORTS:
        index = f"ix_articles_sort_{name}"
        public_order.drop_last_columns(index, [name, *RULE_COLUMNS], len(_added(name)))
