"""Performance: the link tables indexed by tag and by author with the article they link.

A tag's (an author's) list and count read the article ids of its links, which the index on
`tag_id` (`author_id`) alone did not hold: one table row per link was read for its
`article_id`. The index on both columns answers alone (SQLite: a covering index; PostgreSQL:
an index-only scan). It replaces the single-column one, of which it is a prefix.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 14:20:00

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → the column naming what its rows link the articles to
LINKS = {"article_tags": "tag_id", "article_authors": "author_id"}


def upgrade() -> None:
    for table, column in LINKS.items():
        op.create_index(
            op.f(f"ix_{table}_{column}_article_id"), table, [column, "article_id"], unique=False
        )
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)


def downgrade() -> None:
    for table, column in LINKS.items():
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
        op.drop_index(op.f(f"ix_{table}_{column}_article_id"), table_name=table)
