"""Performance: the article tally, a count of listed articles that triggers keep.

Counting the public articles read one index entry per article (migration 0007), so the first
page of the public list slowed as the catalogue grew. `article_tally.listed` counts the articles
published or scheduled, with a publication time and not deleted; triggers on `articles` add
and subtract in the transaction of every insert, update and delete, whatever runs it (the API,
`flask import`, SQL typed by hand). The public count is that less the listed articles whose
time has not come, which an index range on (status, published_at) finds alone.

PostgreSQL: one PL/pgSQL function for the row triggers, and a statement trigger zeroing the
tally on TRUNCATE. SQLite: three triggers, each updating only when the row enters or leaves
the listed set. A backup holds the tally with the rows it counts; pg_restore creates the
triggers after loading the data, so a restore counts nothing twice.

Autogenerate sees the table (`api.models.ArticleTally`), not the triggers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 10:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The listed set, as api.services.visibility.PUBLIC_STATUSES defines it today, of a row alias
LISTED = (
    "({row}.status IN ('published', 'scheduled') AND {row}.published_at IS NOT NULL "
    "AND {row}.deleted_at IS NULL)"
)
NEW, OLD = LISTED.format(row="NEW"), LISTED.format(row="OLD")

SQLITE_UPGRADE = (
    f"""
    CREATE TRIGGER article_tally_insert AFTER INSERT ON articles WHEN {NEW}
    BEGIN
        UPDATE article_tally SET listed = listed + 1 WHERE id = 1;
    END
    """,
    f"""
    CREATE TRIGGER article_tally_delete AFTER DELETE ON articles WHEN {OLD}
    BEGIN
        UPDATE article_tally SET listed = listed - 1 WHERE id = 1;
    END
    """,
    f"""
    CREATE TRIGGER article_tally_update
    AFTER UPDATE OF status, published_at, deleted_at ON articles WHEN {NEW} IS NOT {OLD}
    BEGIN
        UPDATE article_tally SET listed = listed + (CASE WHEN {NEW} THEN 1 ELSE -1 END)
        WHERE id = 1;
    END
    """,
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS article_tally_update",
    "DROP TRIGGER IF EXISTS article_tally_delete",
    "DROP TRIGGER IF EXISTS article_tally_insert",
)

POSTGRESQL_UPGRADE = (
    f"""
    CREATE FUNCTION article_tally_row() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        delta integer := 0;
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            IF {OLD} THEN delta := delta - 1; END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF {NEW} THEN delta := delta + 1; END IF;
        END IF;
        IF delta <> 0 THEN
            UPDATE article_tally SET listed = listed + delta WHERE id = 1;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION article_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE article_tally SET listed = 0 WHERE id = 1;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER article_tally_row AFTER INSERT OR DELETE OR UPDATE OF status, published_at,
    deleted_at ON articles FOR EACH ROW EXECUTE FUNCTION article_tally_row()
    """,
    """
    CREATE TRIGGER article_tally_truncate AFTER TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION article_tally_truncate()
    """,
)
POSTGRESQL_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS article_tally_truncate ON articles",
    "DROP TRIGGER IF EXISTS article_tally_row ON articles",
    "DROP FUNCTION IF EXISTS article_tally_truncate()",
    "DROP FUNCTION IF EXISTS article_tally_row()",
)


def upgrade() -> None:
    op.create_table(
        "article_tally",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("listed", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_article_tally_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_tally")),
    )
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    # Counted, then kept by triggers, with no write in between: PostgreSQL's writers wait for
    # the lock; SQLite's for this transaction, which writes first
    if postgresql:
        connection.exec_driver_sql("LOCK TABLE articles IN SHARE ROW EXCLUSIVE MODE")
    connection.exec_driver_sql(
        "INSERT INTO article_tally (id, listed) "
        f"SELECT 1, count(*) FROM articles WHERE {LISTED.format(row='articles')}"
    )
    for statement in POSTGRESQL_UPGRADE if postgresql else SQLITE_UPGRADE:
        connection.exec_driver_sql(statement)


def downgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    for statement in POSTGRESQL_DOWNGRADE if postgresql else SQLITE_DOWNGRADE:
        connection.exec_driver_sql(statement)
    op.drop_table("article_tally")
