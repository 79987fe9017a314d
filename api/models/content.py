"""Published content: articles, tags, and the ordered links from articles to authors and tags."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from api.db import Base, TimestampMixin
from api.models.people import Author

ARTICLE_STATUSES = ("draft", "scheduled", "published", "archived")


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

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authors.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    author: Mapped[Author] = relationship(lazy="raise")


class ArticleTag(Base):
    """A tag's place in an article's tag list (the first is the primary tag)."""

    __tablename__ = "article_tags"

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tags.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    tag: Mapped[Tag] = relationship(lazy="raise")


class Article(TimestampMixin, Base):
    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'scheduled', 'published', 'archived')", name="status"),
        Index("ix_articles_published_at_id", "published_at", "id"),
        Index("ix_articles_status_published_at", "status", "published_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    subtitle: Mapped[str | None] = mapped_column(String(300))
    excerpt: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    reading_time: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(35), default="fr")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_at: Mapped[datetime | None]

    feature_image_url: Mapped[str | None] = mapped_column(String(2048))
    feature_image_alt: Mapped[str | None] = mapped_column(String(500))
    feature_image_caption: Mapped[str | None] = mapped_column(String(500))
    feature_image_credit: Mapped[str | None] = mapped_column(String(300))

    meta_title: Mapped[str | None] = mapped_column(String(300))
    meta_description: Mapped[str | None] = mapped_column(String(500))
    canonical_url: Mapped[str | None] = mapped_column(String(2048))

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
