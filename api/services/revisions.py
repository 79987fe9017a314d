"""Article history: a snapshot of the article after each change, with who made it."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Article, ArticleRevision

# What a revision snapshots, and what reverting to it restores (lifecycle state excepted)
CONTENT_FIELDS = (
    "title",
    "slug",
    "subtitle",
    "excerpt",
    "body",
    "body_format",
    "language",
    "feature_image",
    "seo",
    "authors",
    "tags",
)


def snapshot(article: Article) -> dict:
    """The article's editable state, as JSON (bylines must be loaded)."""
    return {
        "title": article.title,
        "slug": article.slug,
        "subtitle": article.subtitle,
        "excerpt": article.excerpt,
        "body": article.body,
        "body_format": article.body_format,
        "language": article.language,
        "feature_image": article.feature_image,
        "seo": article.seo,
        "authors": [author.slug for author in article.authors],
        "tags": [tag.slug for tag in article.tags],
        "status": article.status,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "deleted": article.deleted_at is not None,
    }


def record_revision(
    session: Session,
    article: Article,
    action: str,
    key_id: uuid.UUID | None,
    before: dict | None = None,
) -> ArticleRevision | None:
    """Store the change just made, unless it changed nothing."""
    after = snapshot(article)
    changed = sorted(k for k in after if before is None or before.get(k) != after[k])
    if before is not None and not changed:
        return None
    number = (
        session.scalar(
            select(func.max(ArticleRevision.number)).where(ArticleRevision.article_id == article.id)
        )
        or 0
    ) + 1
    revision = ArticleRevision(
        article_id=article.id,
        number=number,
        action=action,
        key_id=key_id,
        changed_fields=changed,
        snapshot=after,
    )
    session.add(revision)
    session.flush()
    return revision
