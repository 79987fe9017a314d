"""Published content: articles, tags, and the ordered links from articles to authors and tags."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from api.db import Base, TimestampMixin, utcnow
from api.models.people import Author

ARTICLE_STATUSES = ("draft", "scheduled", "published", "archived")
# The orders a list offers besides publication, each read from an index of its own
# (`ix_articles_sort_<column>`, migration 0017)
INDEXED_SORTS = ("title", "updated_at", "created_at")
# What the filters read, held by each of those indexes too (migration 0020)
SORT_INDEX_FILTER_COLUMNS = ("language", "updated_at")


class Tag(TimestampMixin, Base):
    __tablename__ = "tags"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # The name folded for ordering: accents and case ignored, so "Économie" sorts before "Zoé"
    sort_name: Mapped[str] = mapped_column(String(120), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    # Published articles tagged, filled by the queries that ask for it (api/services/queries.py)
    article_count: Mapped[int | None] = query_expression()

    def __repr__(self) -> str:
        return f"<Tag {self.slug}>"


class ArticleAuthor(Base):
    """An author's place in an article's byline."""

    __tablename__ = "article_authors"
    # An author's public articles in publication order, read from the index (migration 0012)
    __table_args__ = (
        Index("ix_article_authors_author_id_listed_at", "author_id", "listed_at", "article_id"),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authors.id", ondelete="RESTRICT"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The article's publication time while it is listed, else NULL: written by the database's
    # triggers from the article row (migration 0012), whatever a write says: the ORM never
    # writes it, nor loads it
    listed_at: Mapped[datetime | None] = mapped_column(
        deferred=True, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    __mapper_args__ = {"eager_defaults": False}  # nor reads it back after a write

    author: Mapped[Author] = relationship(lazy="raise")


class ArticleTag(Base):
    """A tag's place in an article's tag list (the first is the primary tag)."""

    __tablename__ = "article_tags"
    # A tag's public articles in publication order, read from the index (migration 0012)
    __table_args__ = (
        Index("ix_article_tags_tag_id_listed_at", "tag_id", "listed_at", "article_id"),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tags.id", ondelete="RESTRICT"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    # As `ArticleAuthor.listed_at`: kept by triggers (migration 0012), neither written nor
    # loaded by the ORM
    listed_at: Mapped[datetime | None] = mapped_column(
        deferred=True, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    __mapper_args__ = {"eager_defaults": False}  # nor reads it back after a write

    tag: Mapped[Tag] = relationship(lazy="raise")


class Article(TimestampMixin, Base):
    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'scheduled', 'published', 'archived')", name="status"),
        # Publication order with what the visibility rule reads, the language and the last
        # update: public lists, in one language or all, changed since a time or not, their
        # counts, keyset pages and tag filters are read from it alone (migrations 0007, 0018
        # and 0019)
        Index(
            "ix_articles_public_order",
            "published_at",
            "id",
            "status",
            "deleted_at",
            "language",
            "updated_at",
        ),
        # By id with the same: articles of a tag or an author are counted and ranked from it
        Index("ix_articles_id_public", "id", "published_at", "status", "deleted_at"),
        Index("ix_articles_status_published_at", "status", "published_at"),
        # The other orders a list offers (`sort=title`, `updated_at`, `created_at`, either
        # way), with the tie-breaking id, what the visibility rule reads and what the filters
        # held there read: a page is read from its index in order, not sorted from every
        # public article (migrations 0017 and 0020)
        *(
            Index(
                f"ix_articles_sort_{name}",
                name,
                "id",
                "published_at",
                "status",
                "deleted_at",
                *(column for column in SORT_INDEX_FILTER_COLUMNS if column != name),
            )
            for name in INDEXED_SORTS
        ),
        # The articles whose summary is to be written again (migration 0013)
        Index(
            "ix_articles_summary_stale",
            "id",
            sqlite_where=text("summary IS NULL"),
            postgresql_where=text("summary IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    subtitle: Mapped[str | None] = mapped_column(String(300))
    excerpt: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The body's plain text, for full-text search (indexed by migration 0003); never loaded
    body_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    body_format: Mapped[str] = mapped_column(String(10), default="markdown")
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    reading_time: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(35), default="fr")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_at: Mapped[datetime | None]
    # Soft deletion: the article stays restorable; public reads of it answer 410 Gone
    deleted_at: Mapped[datetime | None] = mapped_column(index=True)
    # Bumped by every UPDATE; a concurrent write of the same version fails (no lost update)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    # The key that created the article: an `author` key may edit only its own drafts
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), index=True
    )

    feature_image_url: Mapped[str | None] = mapped_column(String(2048))
    feature_image_alt: Mapped[str | None] = mapped_column(String(500))
    feature_image_caption: Mapped[str | None] = mapped_column(String(500))
    feature_image_credit: Mapped[str | None] = mapped_column(String(300))

    meta_title: Mapped[str | None] = mapped_column(String(300))
    meta_description: Mapped[str | None] = mapped_column(String(500))
    canonical_url: Mapped[str | None] = mapped_column(String(2048))

    # The article's list summary as JSON, ready to send (api/services/summaries.py); NULL
    # when stale: triggers clear it whenever what it shows changes (migration 0013). The ORM
    # never writes it (nor reads it back: `eager_defaults`)
    summary: Mapped[str | None] = mapped_column(
        Text, deferred=True, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )

    # The highlighted search snippet, filled by searches (api/services/queries.py)
    snippet: Mapped[str | None] = query_expression()

    __mapper_args__ = {"version_id_col": version_id, "eager_defaults": False}

    author_links: Mapped[list[ArticleAuthor]] = relationship(
        order_by=ArticleAuthor.position, cascade="all, delete-orphan", lazy="raise"
    )
    tag_links: Mapped[list[ArticleTag]] = relationship(
        order_by=ArticleTag.position, cascade="all, delete-orphan", lazy="raise"
    )

    @property
    def authors(self) -> list[Author]:
        return [link.author for link in self.author_links]

    @property
    def tags(self) -> list[Tag]:
        return [link.tag for link in self.tag_links]

    @property
    def feature_image(self) -> dict | None:
        if not self.feature_image_url:
            return None
        return {
            "url": self.feature_image_url,
            "alt": self.feature_image_alt,
            "caption": self.feature_image_caption,
            "credit": self.feature_image_credit,
        }

    @property
    def seo(self) -> dict:
        return {
            "meta_title": self.meta_title,
            "meta_description": self.meta_description,
            "canonical_url": self.canonical_url,
        }

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"


class ArticleRevision(Base):
    """One change of an article: who, when, which fields, and the article as it then was."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_fields: Mapped[list] = mapped_column(JSON, default=list)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)


class SlugRedirect(Base):
    """A slug a resource had before: lookups by it answer 301 to the current slug."""

    __tablename__ = "slug_redirects"
    __table_args__ = (UniqueConstraint("resource", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    resource: Mapped[str] = mapped_column(String(20))
    slug: Mapped[str] = mapped_column(String(200))
    target_id: Mapped[uuid.UUID] = mapped_column(index=True)
