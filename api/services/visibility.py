"""The one rule deciding which articles the public may see; every read path starts from it."""

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, select

from api.db import utcnow
from api.models import Article

PUBLIC_STATUSES = ("published", "scheduled")


def article_is_public(now: datetime | None = None) -> ColumnElement[bool]:
    """Published or scheduled, with a publication time that has come.

    A scheduled article becomes public when its time comes, with no job to flip it.
    """
    return and_(
        Article.status.in_(PUBLIC_STATUSES),
        Article.published_at.is_not(None),
        Article.published_at <= (now or utcnow()),
    )


def public_articles(now: datetime | None = None) -> Select:
    return select(Article).where(article_is_public(now))
