"""Every read query of the API, as select() statements built from the visibility rule."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload, with_expression

from api.models import Article, ArticleAuthor, ArticleTag, Author, Tag
from api.services.visibility import article_is_public, public_articles

ARTICLE_SORT_COLUMNS = {
    "published_at": Article.published_at,
    "updated_at": Article.updated_at,
    "created_at": Article.created_at,
    "title": Article.title,
}


def _with_bylines(stmt: Select) -> Select:
    """Authors and tags of every article in two statements, whatever the page size."""
    return stmt.options(
        selectinload(Article.author_links).joinedload(ArticleAuthor.author),
        selectinload(Article.tag_links).joinedload(ArticleTag.tag),
    )


def _order(stmt: Select, sort: list[tuple[str, bool]], columns: dict, tiebreak) -> Select:
    clauses = [columns[key].desc() if desc else columns[key].asc() for key, desc in sort]
    return stmt.order_by(*clauses, tiebreak)


def list_public_articles(
    *,
    tag: str | None = None,
    author: str | None = None,
    lang: str | None = None,
    published_after=None,
    published_before=None,
    sort: list[tuple[str, bool]] | None = None,
) -> Select:
    stmt = public_articles()
    if tag is not None:
        stmt = stmt.where(
            Article.id.in_(select(ArticleTag.article_id).join(Tag).where(Tag.slug == tag))
        )
    if author is not None:
        stmt = stmt.where(
            Article.id.in_(
                select(ArticleAuthor.article_id).join(Author).where(Author.slug == author)
            )
        )
    if lang is not None:
        stmt = stmt.where(func.lower(Article.language) == lang.lower())
    if published_after is not None:
        stmt = stmt.where(Article.published_at >= published_after)
    if published_before is not None:
        stmt = stmt.where(Article.published_at < published_before)
    stmt = _order(stmt, sort or [("published_at", True)], ARTICLE_SORT_COLUMNS, Article.id.desc())
    return _with_bylines(stmt)


def public_article_by_id(article_id: uuid.UUID) -> Select:
    return _with_bylines(public_articles().where(Article.id == article_id))


def public_article_by_slug(slug: str) -> Select:
    return _with_bylines(public_articles().where(Article.slug == slug))


def _tag_article_count():
    return (
        select(func.count(ArticleTag.article_id))
        .join(Article, Article.id == ArticleTag.article_id)
        .where(ArticleTag.tag_id == Tag.id, article_is_public())
        .correlate(Tag)
        .scalar_subquery()
    )


def _author_article_count():
    return (
        select(func.count(ArticleAuthor.article_id))
        .join(Article, Article.id == ArticleAuthor.article_id)
        .where(ArticleAuthor.author_id == Author.id, article_is_public())
        .correlate(Author)
        .scalar_subquery()
    )


def _tags(sort: list[tuple[str, bool]] | None = None) -> Select:
    count = _tag_article_count()
    columns = {
        "name": Tag.sort_name,
        "slug": Tag.slug,
        "created_at": Tag.created_at,
        "article_count": count,
    }
    stmt = select(Tag).options(with_expression(Tag.article_count, count))
    return _order(stmt, sort or [("name", False)], columns, Tag.id)


def list_tags(sort: list[tuple[str, bool]] | None = None) -> Select:
    return _tags(sort)


def tag_by_id(tag_id: uuid.UUID) -> Select:
    return _tags().where(Tag.id == tag_id)


def tag_by_slug(slug: str) -> Select:
    return _tags().where(Tag.slug == slug)


def _authors(sort: list[tuple[str, bool]] | None = None) -> Select:
    count = _author_article_count()
    columns = {
        "name": Author.sort_name,
        "slug": Author.slug,
        "created_at": Author.created_at,
        "article_count": count,
    }
    stmt = select(Author).options(with_expression(Author.article_count, count))
    return _order(stmt, sort or [("name", False)], columns, Author.id)


def list_authors(sort: list[tuple[str, bool]] | None = None) -> Select:
    return _authors(sort)


def author_by_id(author_id: uuid.UUID) -> Select:
    return _authors().where(Author.id == author_id)


def author_by_slug(slug: str) -> Select:
    return _authors().where(Author.slug == slug)
