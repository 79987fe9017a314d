"""Write operations on articles, tags and authors: they flush, the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.db import utcnow
from api.models import Article, ArticleAuthor, ArticleTag, Author, Tag
from api.services.exceptions import SlugTaken, UnknownReference
from api.services.rendering import make_excerpt, render_markdown
from api.services.slugs import make_slug, sort_key, unique_slug

_ARTICLE_FIELDS = ("title", "subtitle", "body", "language")
_FEATURE_IMAGE_FIELDS = ("url", "alt", "caption", "credit")
_SEO_FIELDS = ("meta_title", "meta_description", "canonical_url")


def _claim_slug(session: Session, model, obj, data: dict, source: str) -> None:
    """An explicit slug must be free; a generated one gets a numeric suffix when taken."""
    if data.get("slug"):
        clash = session.scalar(
            select(model.id).where(model.slug == data["slug"], model.id != obj.id)
        )
        if clash is not None:
            raise SlugTaken(f"The slug {data['slug']!r} is already used.", field="slug")
        obj.slug = data["slug"]
    elif not obj.slug:
        obj.slug = unique_slug(session, model, make_slug(source), exclude_id=obj.id)


def _resolve(session: Session, model, slugs: list[str], field: str) -> list:
    found = {row.slug: row for row in session.scalars(select(model).where(model.slug.in_(slugs)))}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise UnknownReference(f"Unknown {field}: {', '.join(missing)}.", field=field)
    return [found[slug] for slug in slugs]


def save_tag(session: Session, tag: Tag, data: dict) -> Tag:
    tag.name = data["name"]
    tag.sort_name = sort_key(data["name"])
    tag.description = data.get("description")
    _claim_slug(session, Tag, tag, data, data["name"])
    session.add(tag)
    session.flush()
    return tag


def save_author(session: Session, author: Author, data: dict) -> Author:
    author.name = data["name"]
    author.sort_name = sort_key(data["name"])
    for field in ("bio", "avatar_url", "website"):
        setattr(author, field, data.get(field))
    author.social_links = {k: v for k, v in data.get("social_links", {}).items() if v}
    _claim_slug(session, Author, author, data, data["name"])
    session.add(author)
    session.flush()
    return author


def save_article(session: Session, article: Article, data: dict) -> Article:
    """Set an article's fields from validated input, with its rendered body and derived values."""
    for field in _ARTICLE_FIELDS:
        if field in data:
            setattr(article, field, data[field])
    image = data.get("feature_image") or {}
    for field in _FEATURE_IMAGE_FIELDS:
        setattr(article, f"feature_image_{field}", image.get(field))
    seo = data.get("seo") or {}
    for field in _SEO_FIELDS:
        setattr(article, field, seo.get(field))

    rendered = render_markdown(article.body or "")
    article.body_html = rendered.html
    article.word_count = rendered.word_count
    article.reading_time = rendered.reading_time
    article.excerpt = data.get("excerpt") or make_excerpt(rendered.html)

    _claim_slug(session, Article, article, data, data["title"])
    authors = _resolve(session, Author, data.get("authors", []), "authors")
    tags = _resolve(session, Tag, data.get("tags", []), "tags")
    article.author_links = [
        ArticleAuthor(author=author, position=i) for i, author in enumerate(authors)
    ]
    article.tag_links = [ArticleTag(tag=tag, position=i) for i, tag in enumerate(tags)]
    session.add(article)
    session.flush()
    return article


def publish_article(article: Article, at: datetime | None = None) -> Article:
    """Published now, or at `at`: a future time makes the article scheduled until then."""
    article.published_at = at or utcnow()
    article.status = "scheduled" if article.published_at > utcnow() else "published"
    return article


def article_for_update(session: Session, slug: str) -> Article | None:
    """An article with its byline links loaded, ready to be saved again."""
    return session.scalar(
        select(Article)
        .where(Article.slug == slug)
        .options(selectinload(Article.author_links), selectinload(Article.tag_links))
    )
