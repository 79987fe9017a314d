"""Performance: the content version (one row every write of content bumps, for response caches)
and indexes matching the public listings.

`ix_articles_live_order` holds the live (undeleted) articles in publication order with their
status: the public list, its count and its keyset pages read it alone, without visiting the
table, and stop after a page whatever the number of articles.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 00:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A million articles; about a quarter per status; deletion rare; ids, slugs unique
SQLITE_STATISTICS = {
    "ix_articles_public_order": "1000000 1 1 1 1",
    "ix_articles_id_public": "1000000 1 1 1 1",
    "ix_articles_status_published_at": "1000000 250000 1",
    "ix_articles_deleted_at": "1000000 1000000",
    "ix_articles_created_by_id": "1000000 10000",
}


def _seed_sqlite_statistics() -> None:
    connection = op.get_bind()
    connection.exec_driver_sql("ANALYZE content_version")  # creates sqlite_stat1 if missing
    known = connection.exec_driver_sql(
        "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'articles'"
    ).scalar()
    if known:
        return
    for index, stat in SQLITE_STATISTICS.items():
        connection.exec_driver_sql(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('articles', ?, ?)", (index, stat)
        )


def upgrade() -> None:
    content_version = op.create_table(
        "content_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_content_version_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_version")),
    )
    op.bulk_insert(content_version, [{"id": 1, "value": 1}])
    # Plain index statements: a batch operation could rebuild `articles` on SQLite, taking
    # the full-text triggers of migration 0003 with it
    op.drop_index("ix_articles_published_at_id", table_name="articles")
    op.create_index(
        "ix_articles_public_order",
        "articles",
        ["published_at", "id", "status", "deleted_at"],
        unique=False,
    )
    op.create_index(
        "ix_articles_id_public",
        "articles",
        ["id", "published_at", "status", "deleted_at"],
        unique=False,
    )
    if op.get_bind().dialect.name == "sqlite":
        _seed_sqlite_statistics()


def downgrade() -> None:
    op.drop_index("ix_articles_id_public", table_name="articles")
    op.drop_index("ix_articles_public_order", table_name="articles")
    op.create_index("ix_articles_published_at_id", "articles", ["published_at", "id"], unique=False)
    op.drop_table("content_version")
