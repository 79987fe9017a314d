"""Full-text search of articles: the body's plain text, and a French-aware index per database.

PostgreSQL: the `unaccent` extension (in `public`, where every schema finds it), a text search
configuration `newsdesk_french` (a copy of `french` that unaccents before stemming), and a
generated `search_vector` column weighting title (A), subtitle and excerpt (B) and body text (C),
with a GIN index.

SQLite: an external-content FTS5 table `articles_fts` over the same columns (`unicode61
remove_diacritics 2`: accents and case folded; no stemming), kept in sync by triggers on
`articles` and keyed by its rowid. A later migration that rebuilds `articles` (a batch
`alter_table` does) drops these triggers with the old table and may renumber rows: it must
recreate the triggers and run `INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')`.

Autogenerate ignores all of this (`api.db.managed_by_autogenerate`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00.000000

"""

import re
from collections.abc import Sequence
from html import unescape

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS_COLUMNS = "title, subtitle, excerpt, body_text"

SQLITE_UPGRADE = (
    f"""
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        {FTS_COLUMNS},
        content = 'articles', content_rowid = 'rowid',
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    f"""
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts (rowid, {FTS_COLUMNS})
        VALUES (new.rowid, new.title, new.subtitle, new.excerpt, new.body_text);
    END
    """,
    f"""
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.rowid, old.title, old.subtitle, old.excerpt, old.body_text);
    END
    """,
    f"""
    CREATE TRIGGER articles_fts_update AFTER UPDATE OF {FTS_COLUMNS} ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.rowid, old.title, old.subtitle, old.excerpt, old.body_text);
        INSERT INTO articles_fts (rowid, {FTS_COLUMNS})
        VALUES (new.rowid, new.title, new.subtitle, new.excerpt, new.body_text);
    END
    """,
    "INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS articles_fts_update",
    "DROP TRIGGER IF EXISTS articles_fts_delete",
    "DROP TRIGGER IF EXISTS articles_fts_insert",
    "DROP TABLE IF EXISTS articles_fts",
)

POSTGRESQL_UPGRADE = (
    # Installed once per database, in `public`: a schema dropped with CASCADE (as each test
    # run's is) must not take the extension, and other schemas' configurations, with it.
    "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
    "CREATE TEXT SEARCH CONFIGURATION newsdesk_french (COPY = pg_catalog.french)",
    """
    ALTER TEXT SEARCH CONFIGURATION newsdesk_french
        ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, french_stem
    """,
    # unaccent() is not IMMUTABLE, so a generated column cannot call it; a configuration can.
    """
    ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('newsdesk_french'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('newsdesk_french'::regconfig,
                                 coalesce(subtitle, '') || ' ' || coalesce(excerpt, '')), 'B')
        || setweight(to_tsvector('newsdesk_french'::regconfig, coalesce(body_text, '')), 'C')
    ) STORED
    """,
    "CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)",
)
POSTGRESQL_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_articles_search_vector",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS newsdesk_french",
    # The extension stays: other schemas of the database may use it.
)

# The plain text of stored sanitized HTML, as api.services.rendering.html_to_text makes it
# (copied: migrations do not import the app, whose code moves on)
_BLOCK_BREAK = re.compile(r"</(?:p|h[1-6]|li|blockquote|pre|tr|figcaption)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def _html_to_text(html: str) -> str:
    return unescape(_TAG.sub("", _BLOCK_BREAK.sub("\n", html))).strip()


def _fill_body_text() -> None:
    articles = sa.table(
        "articles", sa.column("id", sa.Uuid()), sa.column("body_html"), sa.column("body_text")
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(articles.c.id, articles.c.body_html)).all()
    for article_id, body_html in rows:
        connection.execute(
            articles.update()
            .where(articles.c.id == article_id)
            .values(body_text=_html_to_text(body_html or ""))
        )


def upgrade() -> None:
    """Upgrade schema."""
    # The server default fills existing rows (SQLite adds a NOT NULL column only with one)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_text", sa.Text(), nullable=False, server_default=""))
    _fill_body_text()
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_UPGRADE, "postgresql": POSTGRESQL_UPGRADE}.get(dialect, ())
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    """Downgrade schema."""
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_DOWNGRADE, "postgresql": POSTGRESQL_DOWNGRADE}.get(dialect, ())
    for statement in statements:
        op.execute(statement)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("body_text")
