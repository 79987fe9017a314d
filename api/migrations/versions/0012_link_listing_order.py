"""Performance: each link holds its article's place in the public order, kept by triggers.

A tag's (an author's) first page ranked all of its articles by publication time to keep
twenty: at 100,000 articles, a tag of 1,500 cost 1,500 index lookups and a sort per page.
`listed_at` on `article_tags` and `article_authors` is the linked article's publication time
while it is listed (published or scheduled, with a publication time, not deleted — the
tallies' rule), NULL otherwise. Indexed by target, then `listed_at`, then article, a tag's
public page is a range of that index read backwards: twenty entries, whatever the tag's size.
The new index replaces migration 0011's (target, article), of which it answers every use.

Triggers keep it in the transaction of every write, whoever makes it: a link inserted or
updated takes its article's value (PostgreSQL: before the row is written; SQLite: right
after, when it differs); an article whose status, publication time or deletion changes its
value writes it to its links. A link holds nothing a client can set: whatever an INSERT or
UPDATE says of `listed_at`, the article's value wins.

Autogenerate sees the column and the index (`api.models.ArticleTag`, `ArticleAuthor`), not
the triggers.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 16:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → the column naming what its rows link the articles to
LINKS = {"article_tags": "tag_id", "article_authors": "author_id"}

# The listed set of migration 0009, of a row alias
LISTED = (
    "({row}.status IN ('published', 'scheduled') AND {row}.published_at IS NOT NULL "
    "AND {row}.deleted_at IS NULL)"
)


def _listed_at(row: str) -> str:
    """What a link of the article `row` holds: its publication time while listed."""
    return f"(CASE WHEN {LISTED.format(row=row)} THEN {row}.published_at END)"


def _of_article(article_id: str) -> str:
    return f"(SELECT {_listed_at('a')} FROM articles a WHERE a.id = {article_id})"


def _sqlite_link_triggers(table: str, column: str) -> tuple[str, ...]:
    fix = (
        f"UPDATE {table} SET listed_at = {_of_article('NEW.article_id')} "
        f"WHERE article_id = NEW.article_id AND {column} = NEW.{column};"
    )
    differs = f"NEW.listed_at IS NOT {_of_article('NEW.article_id')}"
    return (
        f"""
        CREATE TRIGGER {table}_listed_at_insert AFTER INSERT ON {table} WHEN {differs}
        BEGIN
            {fix}
        END
        """,
        f"""
        CREATE TRIGGER {table}_listed_at_update AFTER UPDATE ON {table} WHEN {differs}
        BEGIN
            {fix}
        END
        """,
    )


SQLITE_UPGRADE = (
    *_sqlite_link_triggers("article_tags", "tag_id"),
    *_sqlite_link_triggers("article_authors", "author_id"),
    f"""
    CREATE TRIGGER article_links_listed_at
    AFTER UPDATE OF status, published_at, deleted_at ON articles
    WHEN {_listed_at("NEW")} IS NOT {_listed_at("OLD")}
    BEGIN
        UPDATE article_tags SET listed_at = {_listed_at("NEW")} WHERE article_id = NEW.id;
        UPDATE article_authors SET listed_at = {_listed_at("NEW")} WHERE article_id = NEW.id;
    END
    """,
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS article_links_listed_at",
    *(
        f"DROP TRIGGER IF EXISTS {table}_listed_at_{event}"
        for table in LINKS
        for event in ("insert", "update")
    ),
)

POSTGRESQL_UPGRADE = (
    f"""
    CREATE FUNCTION link_listed_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.listed_at := {_of_article("NEW.article_id")};
        RETURN NEW;
    END
    $$
    """,
    f"""
    CREATE FUNCTION article_links_listed_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF {_listed_at("NEW")} IS DISTINCT FROM {_listed_at("OLD")} THEN
            UPDATE article_tags SET listed_at = {_listed_at("NEW")} WHERE article_id = NEW.id;
            UPDATE article_authors SET listed_at = {_listed_at("NEW")} WHERE article_id = NEW.id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"""
        CREATE TRIGGER {table}_listed_at BEFORE INSERT OR UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION link_listed_at()
        """
        for table in LINKS
    ),
    """
    CREATE TRIGGER article_links_listed_at AFTER UPDATE OF status, published_at, deleted_at
    ON articles FOR EACH ROW EXECUTE FUNCTION article_links_listed_at()
    """,
)
POSTGRESQL_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS article_links_listed_at ON articles",
    *(f"DROP TRIGGER IF EXISTS {table}_listed_at ON {table}" for table in LINKS),
    "DROP FUNCTION IF EXISTS article_links_listed_at()",
    "DROP FUNCTION IF EXISTS link_listed_at()",
)


def upgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:  # filled, then kept by triggers, with no write in between
        connection.exec_driver_sql(
            "LOCK TABLE articles, article_tags, article_authors IN SHARE ROW EXCLUSIVE MODE"
        )
    for table, column in LINKS.items():
        op.add_column(table, sa.Column("listed_at", sa.DateTime(timezone=True), nullable=True))
        connection.exec_driver_sql(
            f"UPDATE {table} SET listed_at = {_of_article(f'{table}.article_id')}"
        )
        op.create_index(
            op.f(f"ix_{table}_{column}_listed_at"),
            table,
            [column, "listed_at", "article_id"],
            unique=False,
        )
        op.drop_index(op.f(f"ix_{table}_{column}_article_id"), table_name=table)
    for statement in POSTGRESQL_UPGRADE if postgresql else SQLITE_UPGRADE:
        connection.exec_driver_sql(statement)


def downgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    for statement in POSTGRESQL_DOWNGRADE if postgresql else SQLITE_DOWNGRADE:
        connection.exec_driver_sql(statement)
    for table, column in LINKS.items():
        op.create_index(
            op.f(f"ix_{table}_{column}_article_id"), table, [column, "article_id"], unique=False
        )
        op.drop_index(op.f(f"ix_{table}_{column}_listed_at"), table_name=table)
        op.drop_column(table, "listed_at")
