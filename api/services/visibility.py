"""Who may see which article: one rule, that every read path starts from."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, and_, or_, select

from api.db import utcnow
from api.models import Article

if TYPE_CHECKING:
    from api.auth import Principal

PUBLIC_STATUSES = ("published", "scheduled")


def article_is_public(now: datetime | None = None) -> ColumnElement[bool]:
    """Published or scheduled, its publication time come, and not deleted.

    A scheduled article becomes public when its time comes, with no job to flip it.
    """
    return and_(
        Article.status.in_(PUBLIC_STATUSES),
        Article.published_at.is_not(None),
        Article.published_at <= (now or utcnow()),
        Article.deleted_at.is_(None),
    )


def article_was_public(now: datetime | None = None) -> ColumnElement[bool]:
    """Deleted after it had been public: reads of it answer 410 Gone rather than 404."""
    return and_(
        Article.status.in_(PUBLIC_STATUSES),
        Article.published_at.is_not(None),
        Article.published_at <= (now or utcnow()),
        Article.deleted_at.is_not(None),
    )


def article_is_readable_by(principal: Principal | None) -> ColumnElement[bool]:
    """The public's articles; plus an author's own, and for editors every undeleted article."""
    if principal is None or not principal.at_least("author"):
        return article_is_public()
    if principal.is_editor:
        return Article.deleted_at.is_(None)
    return or_(
        article_is_public(),
        and_(Article.created_by_id == principal.key_id, Article.deleted_at.is_(None)),
    )


def public_articles(now: datetime | None = None) -> Select:
    return select(Article).where(article_is_public(now))


def can_edit(principal: Principal, article: Article) -> bool:
    """Editors edit everything; authors only their own drafts."""
    if principal.is_editor:
        return True
    return (
        principal.role == "author"
        and article.created_by_id == principal.key_id
        and article.status == "draft"
        and article.deleted_at is None
    )
