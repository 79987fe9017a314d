"""Every read query of the API, as select() statements built from the visibility rule."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload, with_expression

from api.models import (
    ApiKey,
    Article,
    ArticleAuthor,
    ArticleRevision,
    ArticleTag,
    Author,
    SlugRedirect,
    Tag,
)
from api.services.visibility import (
    article_is_public,
    article_is_readable_by,
    article_was_public,
    public_articles,
)

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


def list_articles(
    principal=None,
    *,
    status: list[str] | None = None,
    deleted: bool = False,
    tag: str | None = None,
    author: str | None = None,
    lang: str | None = None,
    published_after=None,
    published_before=None,
    sort: list[tuple[str, bool]] | None = None,
) -> Select:
    if deleted:  # editorial listing of the bin: what an editor may restore
        stmt = select(Article).where(Article.deleted_at.is_not(None))
        if status:
            stmt = stmt.where(Article.status.in_(status))
    elif status:  # editorial listing: what the caller may read, in the statuses asked
        stmt = select(Article).where(article_is_readable_by(principal), Article.status.in_(status))
    else:
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


def article_by_id(article_id: uuid.UUID, principal=None) -> Select:
    """The article, if the caller may read it."""
    stmt = select(Article).where(Article.id == article_id, article_is_readable_by(principal))
    return _with_bylines(stmt)


def article_by_slug(slug: str, principal=None) -> Select:
    stmt = select(Article).where(Article.slug == slug, article_is_readable_by(principal))
    return _with_bylines(stmt)


def any_article_by_id(article_id: uuid.UUID) -> Select:
    """Whatever its state, deleted included: for editorial actions, which check permissions."""
    return _with_bylines(select(Article).where(Article.id == article_id))


def gone_article(*, article_id: uuid.UUID | None = None, slug: str | None = None) -> Select:
    """A deleted article that had been public (reads answer 410), by id or slug, current or
    former (a former slug answers as the current one would)."""
    stmt = select(Article.id).where(article_was_public())
    if article_id is not None:
        return stmt.where(Article.id == article_id)
    return stmt.where(or_(Article.slug == slug, Article.id.in_(redirected_id(Article, slug))))


def redirected_id(model, slug: str) -> Select:
    """The id of the `model` row whose former slug is `slug`."""
    return select(SlugRedirect.target_id).where(
        SlugRedirect.resource == model.__tablename__, SlugRedirect.slug == slug
    )


def moved_slug(model, slug: str) -> Select:
    """The current slug of the `model` row whose former slug is `slug`."""
    return select(model.slug).where(model.id.in_(redirected_id(model, slug)))


# Each counted resource: the link table to articles, and the link's column naming the resource
_LINKS = {Tag: (ArticleTag, ArticleTag.tag_id), Author: (ArticleAuthor, ArticleAuthor.author_id)}


def _with_article_count(model, sort: list[tuple[str, bool]] | None = None) -> Select:
    """Tags or authors, each with its count of public articles, in one statement."""
    link, link_column = _LINKS[model]
    count = (
        select(func.count(link.article_id))
        .join(Article, Article.id == link.article_id)
        .where(link_column == model.id, article_is_public())
        .correlate(model)
        .scalar_subquery()
    )
    columns = {
        "name": model.sort_name,
        "slug": model.slug,
        "created_at": model.created_at,
        "article_count": count,
    }
    stmt = select(model).options(with_expression(model.article_count, count))
    return _order(stmt, sort or [("name", False)], columns, model.id)


def list_tags(sort: list[tuple[str, bool]] | None = None) -> Select:
    return _with_article_count(Tag, sort)


def tag_by_id(tag_id: uuid.UUID) -> Select:
    return _with_article_count(Tag).where(Tag.id == tag_id)


def tag_by_slug(slug: str) -> Select:
    return _with_article_count(Tag).where(Tag.slug == slug)


def list_authors(sort: list[tuple[str, bool]] | None = None) -> Select:
    return _with_article_count(Author, sort)


def author_by_id(author_id: uuid.UUID) -> Select:
    return _with_article_count(Author).where(Author.id == author_id)


def author_by_slug(slug: str) -> Select:
    return _with_article_count(Author).where(Author.slug == slug)


def revisions_of(article_id: uuid.UUID) -> Select:
    return (
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article_id)
        .order_by(ArticleRevision.number.desc())
    )


def revision_of(article_id: uuid.UUID, number: int) -> Select:
    return select(ArticleRevision).where(
        ArticleRevision.article_id == article_id, ArticleRevision.number == number
    )


def list_keys() -> Select:
    return select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)
