"""Write operations on articles, tags and authors: they flush, the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, selectinload

from api.db import utcnow
from api.models import Article, ArticleAuthor, ArticleTag, Author, SlugRedirect, Tag
from api.services import changes
from api.services.exceptions import Conflict, SlugTaken, UnknownReference
from api.services.rendering import make_excerpt, render_html, render_markdown
from api.services.revisions import CONTENT_FIELDS, record_revision, snapshot
from api.services.slugs import make_slug, sort_key, unique_slug

_ARTICLE_FIELDS = ("title", "subtitle", "language")
_FEATURE_IMAGE_FIELDS = ("url", "alt", "caption", "credit")
_SEO_FIELDS = ("meta_title", "meta_description", "canonical_url")


def _fitted(model, column: str, value: str) -> str:
    """`value`, cut to the column's length (transliteration lengthens names: `中` → `zhong`)."""
    return value[: model.__table__.c[column].type.length]


def _claim_slug(session: Session, model, obj, data: dict, source: str) -> None:
    """An explicit slug must be free; a generated one gets a numeric suffix when taken.

    A slug that changes leaves a redirect behind, so links to the old one keep working.
    """
    resource = model.__tablename__
    wanted = data.get("slug")
    old = obj.slug
    if wanted and wanted != old:
        clash = session.scalar(select(model.id).where(model.slug == wanted, model.id != obj.id))
        if clash is not None:
            raise SlugTaken(f"The slug {wanted!r} is already used.", field="slug")
        obj.slug = wanted
    elif not old:
        limit = model.__table__.c.slug.type.length
        base = make_slug(source, limit)
        obj.slug = unique_slug(session, model, base, exclude_id=obj.id, max_length=limit)
    else:
        return
    # A slug a row holds is no redirect: the new one stops redirecting to whatever had it
    # before (a generated one too: `unique_slug` sees only current slugs), and the old one is
    # redirected to this row alone
    session.execute(
        delete(SlugRedirect).where(
            SlugRedirect.resource == resource, SlugRedirect.slug.in_({old, obj.slug} - {None})
        )
    )
    if old:
        session.add(SlugRedirect(resource=resource, slug=old, target_id=obj.id))


def _resolve(session: Session, model, slugs: list[str], field: str) -> list:
    found = {row.slug: row for row in session.scalars(select(model).where(model.slug.in_(slugs)))}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise UnknownReference(f"Unknown {field}: {', '.join(missing)}.", field=field)
    return [found[slug] for slug in slugs]


def save_tag(session: Session, tag: Tag, data: dict) -> Tag:
    """Create or change a tag from validated input (absent fields keep their value)."""
    if "name" in data:
        tag.name = data["name"]
        tag.sort_name = _fitted(Tag, "sort_name", sort_key(data["name"]))
    if "description" in data:
        tag.description = data["description"]
    _claim_slug(session, Tag, tag, data, tag.name)
    session.add(tag)
    session.flush()
    changes.record(session, "tag", tag.id)
    return tag


def save_author(session: Session, author: Author, data: dict) -> Author:
    """Create or change an author from validated input (absent fields keep their value)."""
    if "name" in data:
        author.name = data["name"]
        author.sort_name = _fitted(Author, "sort_name", sort_key(data["name"]))
    for field in ("bio", "avatar_url", "website"):
        if field in data:
            setattr(author, field, data[field])
    if "social_links" in data:
        author.social_links = {k: v for k, v in data["social_links"].items() if v}
    elif author.social_links is None:
        author.social_links = {}
    _claim_slug(session, Author, author, data, author.name)
    session.add(author)
    session.flush()
    changes.record(session, "author", author.id)
    return author


def _is_referenced(session: Session, link_column, resource_id) -> bool:
    return session.scalar(select(exists().where(link_column == resource_id)))


def delete_tag(session: Session, tag: Tag) -> None:
    if _is_referenced(session, ArticleTag.tag_id, tag.id):
        raise Conflict("Articles carry this tag: take it off them before deleting it.")
    session.delete(tag)
    session.flush()
    changes.record(session, "tag", tag.id)


def delete_author(session: Session, author: Author) -> None:
    if _is_referenced(session, ArticleAuthor.author_id, author.id):
        raise Conflict("Articles are signed by this author: change their bylines first.")
    session.delete(author)
    session.flush()
    changes.record(session, "author", author.id)


def _render_body(article: Article, data: dict) -> None:
    old_derived = make_excerpt(article.body_html) if article.body_html else None
    if "body_format" in data:
        article.body_format = data["body_format"]
    if "body" in data:
        article.body = data["body"]
    article.body_format = article.body_format or "markdown"
    article.body = article.body or ""
    render = render_html if article.body_format == "html" else render_markdown
    rendered = render(article.body)
    if article.body_format == "html":
        article.body = rendered.html  # HTML sources are kept sanitized too
    if rendered.html != article.body_html:  # the text follows the HTML; unchanged, it is
        article.body_text = rendered.text  # left unloaded and unwritten (it is deferred)
    article.body_html = rendered.html
    article.word_count = rendered.word_count
    article.reading_time = rendered.reading_time
    if data.get("excerpt"):
        article.excerpt = data["excerpt"]
    elif "excerpt" in data or not article.excerpt or article.excerpt == old_derived:
        article.excerpt = make_excerpt(rendered.html)  # derived, and kept derived


def save_article(session: Session, article: Article, data: dict) -> Article:
    """Set an article's fields from validated input (absent fields keep their value), with its
    rendered body and derived values."""
    for field in _ARTICLE_FIELDS:
        if field in data:
            setattr(article, field, data[field])
    if "feature_image" in data:
        image = data["feature_image"] or {}
        for field in _FEATURE_IMAGE_FIELDS:
            setattr(article, f"feature_image_{field}", image.get(field))
    for field in _SEO_FIELDS:
        if field in (data.get("seo") or {}):
            setattr(article, field, data["seo"][field])
    if {"body", "body_format", "excerpt"} & data.keys() or not article.body_html:
        _render_body(article, data)
    _claim_slug(session, Article, article, data, article.title)
    links_changed = False
    if "authors" in data:
        authors = _resolve(session, Author, data["authors"], "authors")
        if [a.id for a in article.authors] != [a.id for a in authors]:
            article.author_links = [
                ArticleAuthor(author=author, position=i) for i, author in enumerate(authors)
            ]
            links_changed = True
    if "tags" in data:
        tags = _resolve(session, Tag, data["tags"], "tags")
        if [t.id for t in article.tags] != [t.id for t in tags]:
            article.tag_links = [ArticleTag(tag=tag, position=i) for i, tag in enumerate(tags)]
            links_changed = True
    if article.id is not None and (links_changed or session.is_modified(article)):
        article.updated_at = utcnow()  # bumps the row version even when only links changed
    session.add(article)
    session.flush()
    return article


def create_article(session: Session, data: dict, principal) -> Article:
    """A new draft, owned by the key that creates it; an author key signs it by default."""
    if not data.get("authors") and principal.author_id is not None:
        author = session.get(Author, principal.author_id)
        data = {**data, "authors": [author.slug]} if author else data
    article = Article(status="draft", created_by_id=principal.key_id, author_links=[], tag_links=[])
    save_article(session, article, data)
    record_revision(session, article, "create", principal.key_id)
    return article


def not_deleted(article: Article) -> None:
    """A deleted article changes no more (content or state) until it is restored."""
    if article.deleted_at is not None:
        raise Conflict("The article is deleted: restore it first.")


def update_article(session: Session, article: Article, data: dict, key_id) -> Article:
    """Change the given fields, recording a revision when anything changed."""
    not_deleted(article)
    before = snapshot(article)
    save_article(session, article, data)
    record_revision(session, article, "update", key_id, before)
    changes.record(session, "article", article.id)
    return article


def revert_article(session: Session, article: Article, revision, key_id) -> Article:
    """Bring back a revision's content (not its lifecycle state) as a new change."""
    not_deleted(article)
    data = {field: revision.snapshot.get(field) for field in CONTENT_FIELDS}
    data["seo"] = data["seo"] or {}
    before = snapshot(article)
    save_article(session, article, data)
    record_revision(session, article, "revert", key_id, before)
    changes.record(session, "article", article.id)
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
        .options(
            selectinload(Article.author_links).joinedload(ArticleAuthor.author),
            selectinload(Article.tag_links).joinedload(ArticleTag.tag),
        )
    )
