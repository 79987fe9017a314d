"""Performance: each article holds its list summary, ready to send; the database says when
it is stale.

A list page loaded twenty articles as objects, read their bylines in a second statement
and dumped them field by field: three quarters of the request. `articles.summary` holds
the article's summary as a list returns it (JSON, every summary field but `url`, which
follows configuration, and `snippet`, which only a search has), written by the application
at the commit of every transaction that wrote content (`api.services.summaries`).

The database keeps it honest whoever writes: triggers set it to NULL when the article's row
changes without it, when one of its links is written or deleted, or when a tag or an author
it shows is renamed (its `name` or `slug`). A NULL summary is read the long way and written
again at the next commit that writes content; `flask db upgrade` writes them all, and the
partial index on the stale ones finds them without reading the others.

Autogenerate sees the column and the index (`api.models.Article`), not the triggers.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 20:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# link table → (the column naming what its rows link the articles to, that table)
LINKS = {"article_tags": ("tag_id", "tags"), "article_authors": ("author_id", "authors")}

STALE = "UPDATE articles SET summary = NULL WHERE summary IS NOT NULL AND id {match};"


def _sqlite_link_triggers(table: str, column: str, target: str) -> tuple[str, ...]:
    changed = f"article_id, {column}, position"
    return (
        f"""
        CREATE TRIGGER {table}_summary_insert AFTER INSERT ON {table}
        BEGIN {STALE.format(match="= NEW.article_id")} END
        """,
        f"""
        CREATE TRIGGER {table}_summary_update AFTER UPDATE OF {changed} ON {table}
        BEGIN {STALE.format(match="IN (OLD.article_id, NEW.article_id)")} END
        """,
        f"""
        CREATE TRIGGER {table}_summary_delete AFTER DELETE ON {table}
        BEGIN {STALE.format(match="= OLD.article_id")} END
        """,
        f"""
        CREATE TRIGGER {target}_summary AFTER UPDATE OF name, slug ON {target}
        WHEN NEW.name IS NOT OLD.name OR NEW.slug IS NOT OLD.slug
        BEGIN
            {STALE.format(match=f"IN (SELECT article_id FROM {table} WHERE {column} = NEW.id)")}
        END
        """,
    )


SQLITE_UPGRADE = (
    # Any other change of the row: its summary was written before it
    """
    CREATE TRIGGER articles_summary AFTER UPDATE ON articles
    WHEN NEW.summary IS OLD.summary AND NEW.summary IS NOT NULL
    BEGIN
        UPDATE articles SET summary = NULL WHERE id = NEW.id;
    END
    """,
    *(
        statement
        for table, (column, target) in LINKS.items()
        for statement in _sqlite_link_triggers(table, column, target)
    ),
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS articles_summary",
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for table, (_column, target) in LINKS.items()
        for name in (
            f"{table}_summary_insert",
            f"{table}_summary_update",
            f"{table}_summary_delete",
            f"{target}_summary",
        )
    ),
)

POSTGRESQL_UPGRADE = (
    """
    CREATE FUNCTION article_summary_stale() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.summary := NULL;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER articles_summary BEFORE UPDATE ON articles FOR EACH ROW
    WHEN (NEW.summary IS NOT DISTINCT FROM OLD.summary AND OLD.summary IS NOT NULL)
    EXECUTE FUNCTION article_summary_stale()
    """,
    f"""
    CREATE FUNCTION link_summary_stale() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            UPDATE articles SET summary = NULL WHERE summary IS NOT NULL;
        ELSIF TG_OP = 'INSERT' THEN
            {STALE.format(match="= NEW.article_id")}
        ELSIF TG_OP = 'UPDATE' THEN
            {STALE.format(match="IN (OLD.article_id, NEW.article_id)")}
        ELSE
            {STALE.format(match="= OLD.article_id")}
        END IF;
        RETURN NULL;
    END
    $$
    """,
    *(
        statement
        for table, (column, target) in LINKS.items()
        for statement in (
            f"""
            CREATE TRIGGER {table}_summary
            AFTER INSERT OR DELETE OR UPDATE OF article_id, {column}, position ON {table}
            FOR EACH ROW EXECUTE FUNCTION link_summary_stale()
            """,
            f"""
            CREATE TRIGGER {table}_summary_truncate AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION link_summary_stale()
            """,
            f"""
            CREATE FUNCTION {target}_summary_stale() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {STALE.format(match=f"IN (SELECT article_id FROM {table} WHERE {column} = NEW.id)")}
                RETURN NULL;
            END
            $$
            """,
            f"""
            CREATE TRIGGER {target}_summary AFTER UPDATE OF name, slug ON {target}
            FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name
                               OR NEW.slug IS DISTINCT FROM OLD.slug)
            EXECUTE FUNCTION {target}_summary_stale()
            """,
        )
    ),
)
POSTGRESQL_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS articles_summary ON articles",
    *(
        statement
        for table, (_column, target) in LINKS.items()
        for statement in (
            f"DROP TRIGGER IF EXISTS {table}_summary ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_summary_truncate ON {table}",
            f"DROP TRIGGER IF EXISTS {target}_summary ON {target}",
            f"DROP FUNCTION IF EXISTS {target}_summary_stale()",
        )
    ),
    "DROP FUNCTION IF EXISTS link_summary_stale()",
    "DROP FUNCTION IF EXISTS article_summary_stale()",
)


def upgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    op.add_column("articles", sa.Column("summary", sa.Text(), nullable=True))
    op.create_index(
        "ix_articles_summary_stale",
        "articles",
        ["id"],
        unique=False,
        sqlite_where=sa.text("summary IS NULL"),
        postgresql_where=sa.text("summary IS NULL"),
    )
    for statement in POSTGRESQL_UPGRADE if postgresql else SQLITE_UPGRADE:
        connection.exec_driver_sql(statement)


def downgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    for statement in POSTGRESQL_DOWNGRADE if postgresql else SQLITE_DOWNGRADE:
        connection.exec_driver_sql(statement)
    op.drop_index("ix_articles_summary_stale", table_name="articles")
    op.drop_column("articles", "summary")
