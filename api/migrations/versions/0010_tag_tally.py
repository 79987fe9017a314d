"""Performance: the tag tally, each tag's count of listed articles, kept by triggers.

A tag's list counted its articles one by one (an index lookup per article tagged), so its
first page cost a fifth more than the whole catalogue's, whose count migration 0009 keeps.
`tag_tally.listed` counts, per tag, the articles tagged that are listed (published or
scheduled, with a publication time, not deleted) — the article tally's rule. A tag's public
count is that less its listed articles whose time has not come (an index range over the
scheduled future).

Triggers keep it in the transaction of every write, whoever makes it: a link added or
removed (`article_tags`) moves its tag's count when its article is listed; an article
entering or leaving the listed set moves the counts of all its tags; a tag created starts at
zero. An article deleted is subtracted before its row goes (its links still name its tags);
the links its deletion cascades to then find no listed article and count nothing twice.
PostgreSQL updates the tallies of an article's tags in tag order, so that two writers of
articles sharing tags take the row locks in one order. TRUNCATE of the links or the articles
zeroes every count.

Autogenerate sees the table (`api.models.TagTally`), not the triggers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The listed set of migration 0009, of a row alias
LISTED = (
    "({row}.status IN ('published', 'scheduled') AND {row}.published_at IS NOT NULL "
    "AND {row}.deleted_at IS NULL)"
)
NEW, OLD = LISTED.format(row="NEW"), LISTED.format(row="OLD")


def _article_listed(article_id: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM articles a WHERE a.id = {article_id} AND {LISTED.format(row='a')})"
    )


def _move(tag_id: str, article_id: str, delta: str) -> str:
    return (
        f"UPDATE tag_tally SET listed = listed {delta} 1 "
        f"WHERE tag_id = {tag_id} AND {_article_listed(article_id)};"
    )


SQLITE_UPGRADE = (
    """
    CREATE TRIGGER tag_tally_tag_insert AFTER INSERT ON tags
    BEGIN
        INSERT INTO tag_tally (tag_id, listed) VALUES (NEW.id, 0);
    END
    """,
    # The foreign key cascades only where `PRAGMA foreign_keys` is on (the app turns it on)
    """
    CREATE TRIGGER tag_tally_tag_delete AFTER DELETE ON tags
    BEGIN
        DELETE FROM tag_tally WHERE tag_id = OLD.id;
    END
    """,
    f"""
    CREATE TRIGGER tag_tally_link_insert AFTER INSERT ON article_tags
    BEGIN
        {_move("NEW.tag_id", "NEW.article_id", "+")}
    END
    """,
    f"""
    CREATE TRIGGER tag_tally_link_delete AFTER DELETE ON article_tags
    BEGIN
        {_move("OLD.tag_id", "OLD.article_id", "-")}
    END
    """,
    f"""
    CREATE TRIGGER tag_tally_link_update AFTER UPDATE OF article_id, tag_id ON article_tags
    BEGIN
        {_move("OLD.tag_id", "OLD.article_id", "-")}
        {_move("NEW.tag_id", "NEW.article_id", "+")}
    END
    """,
    f"""
    CREATE TRIGGER tag_tally_article_update
    AFTER UPDATE OF status, published_at, deleted_at ON articles WHEN {NEW} IS NOT {OLD}
    BEGIN
        UPDATE tag_tally SET listed = listed + (CASE WHEN {NEW} THEN 1 ELSE -1 END)
        WHERE tag_id IN (SELECT tag_id FROM article_tags WHERE article_id = NEW.id);
    END
    """,
    f"""
    CREATE TRIGGER tag_tally_article_delete BEFORE DELETE ON articles WHEN {OLD}
    BEGIN
        UPDATE tag_tally SET listed = listed - 1
        WHERE tag_id IN (SELECT tag_id FROM article_tags WHERE article_id = OLD.id);
    END
    """,
)
SQLITE_DOWNGRADE = tuple(
    f"DROP TRIGGER IF EXISTS tag_tally_{name}"
    for name in (
        "article_delete",
        "article_update",
        "link_update",
        "link_delete",
        "link_insert",
        "tag_delete",
        "tag_insert",
    )
)

POSTGRESQL_UPGRADE = (
    """
    CREATE FUNCTION tag_tally_tag() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO tag_tally (tag_id, listed) VALUES (NEW.id, 0);
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE FUNCTION tag_tally_link() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            {_move("OLD.tag_id", "OLD.article_id", "-")}
        END IF;
        IF TG_OP <> 'DELETE' THEN
            {_move("NEW.tag_id", "NEW.article_id", "+")}
        END IF;
        RETURN NULL;
    END
    $$
    """,
    # BEFORE DELETE: the links still name the article's tags (the cascade removing them runs
    # after the row is gone, and then finds no listed article to subtract)
    f"""
    CREATE FUNCTION tag_tally_article() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        delta integer := 0;
        tagged uuid;
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF {OLD} THEN delta := -1; END IF;
        ELSIF {NEW} IS DISTINCT FROM {OLD} THEN
            delta := CASE WHEN {NEW} THEN 1 ELSE -1 END;
        END IF;
        IF delta <> 0 THEN
            FOR tagged IN
                SELECT tag_id FROM article_tags WHERE article_id = OLD.id ORDER BY tag_id
            LOOP
                UPDATE tag_tally SET listed = listed + delta WHERE tag_id = tagged;
            END LOOP;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION tag_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE tag_tally SET listed = 0 WHERE listed <> 0;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tag_tally_tag AFTER INSERT ON tags
    FOR EACH ROW EXECUTE FUNCTION tag_tally_tag()
    """,
    """
    CREATE TRIGGER tag_tally_link AFTER INSERT OR DELETE OR UPDATE OF article_id, tag_id
    ON article_tags FOR EACH ROW EXECUTE FUNCTION tag_tally_link()
    """,
    """
    CREATE TRIGGER tag_tally_article_update AFTER UPDATE OF status, published_at, deleted_at
    ON articles FOR EACH ROW EXECUTE FUNCTION tag_tally_article()
    """,
    """
    CREATE TRIGGER tag_tally_article_delete BEFORE DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION tag_tally_article()
    """,
    """
    CREATE TRIGGER tag_tally_link_truncate AFTER TRUNCATE ON article_tags
    FOR EACH STATEMENT EXECUTE FUNCTION tag_tally_truncate()
    """,
    """
    CREATE TRIGGER tag_tally_article_truncate AFTER TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION tag_tally_truncate()
    """,
)
POSTGRESQL_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS tag_tally_article_truncate ON articles",
    "DROP TRIGGER IF EXISTS tag_tally_link_truncate ON article_tags",
    "DROP TRIGGER IF EXISTS tag_tally_article_delete ON articles",
    "DROP TRIGGER IF EXISTS tag_tally_article_update ON articles",
    "DROP TRIGGER IF EXISTS tag_tally_link ON article_tags",
    "DROP TRIGGER IF EXISTS tag_tally_tag ON tags",
    "DROP FUNCTION IF EXISTS tag_tally_truncate()",
    "DROP FUNCTION IF EXISTS tag_tally_article()",
    "DROP FUNCTION IF EXISTS tag_tally_link()",
    "DROP FUNCTION IF EXISTS tag_tally_tag()",
)


def upgrade() -> None:
    op.create_table(
        "tag_tally",
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        sa.Column("listed", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_tag_tally_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tag_id", name=op.f("pk_tag_tally")),
    )
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    # Counted, then kept by triggers, with no write in between (see migration 0009)
    if postgresql:
        connection.exec_driver_sql(
            "LOCK TABLE tags, article_tags, articles IN SHARE ROW EXCLUSIVE MODE"
        )
    connection.exec_driver_sql(
        "INSERT INTO tag_tally (tag_id, listed) "
        "SELECT tags.id, (SELECT count(*) FROM article_tags JOIN articles a "
        f"ON a.id = article_tags.article_id WHERE article_tags.tag_id = tags.id "
        f"AND {LISTED.format(row='a')}) FROM tags"
    )
    for statement in POSTGRESQL_UPGRADE if postgresql else SQLITE_UPGRADE:
        connection.exec_driver_sql(statement)


def downgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    for statement in POSTGRESQL_DOWNGRADE if postgresql else SQLITE_DOWNGRADE:
        connection.exec_driver_sql(statement)
    op.drop_table("tag_tally")
