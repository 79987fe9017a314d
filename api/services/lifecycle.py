"""The publishing lifecycle: publish, schedule, unpublish, archive, delete, restore, purge.

Each operation changes the article, records a revision and the public change it made (if any);
the caller commits.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from api.db import utcnow
from api.models import Article
from api.services import changes
from api.services.content import not_deleted, publish_article
from api.services.exceptions import Conflict, InvalidValue
from api.services.revisions import record_revision, snapshot


def _change(session: Session, article: Article, action: str, key_id, apply) -> Article:
    before = snapshot(article)
    apply()
    article.updated_at = utcnow()
    session.flush()
    record_revision(session, article, action, key_id, before)
    changes.record(session, "article", article.id)
    return article


def publish(session: Session, article: Article, key_id: uuid.UUID, at: datetime | None = None):
    not_deleted(article)
    return _change(session, article, "publish", key_id, lambda: publish_article(article, at))


def schedule(session: Session, article: Article, key_id: uuid.UUID, at: datetime):
    not_deleted(article)
    if at <= utcnow():
        raise InvalidValue("A schedule must be in the future.", field="published_at")
    return _change(session, article, "schedule", key_id, lambda: publish_article(article, at))


def unpublish(session: Session, article: Article, key_id: uuid.UUID):
    not_deleted(article)

    def apply():
        article.status = "draft"

    return _change(session, article, "unpublish", key_id, apply)


def archive(session: Session, article: Article, key_id: uuid.UUID):
    not_deleted(article)

    def apply():
        article.status = "archived"

    return _change(session, article, "archive", key_id, apply)


def soft_delete(session: Session, article: Article, key_id: uuid.UUID):
    not_deleted(article)

    def apply():
        article.deleted_at = utcnow()

    return _change(session, article, "delete", key_id, apply)


def restore(session: Session, article: Article, key_id: uuid.UUID):
    if article.deleted_at is None:
        raise Conflict("The article is not deleted.")

    def apply():
        article.deleted_at = None

    return _change(session, article, "restore", key_id, apply)


def purge(session: Session, article: Article) -> None:
    """Gone for good, revisions included: only for articles already deleted."""
    if article.deleted_at is None:
        raise Conflict("Only a deleted article can be purged: delete it first.")
    article_id = article.id
    session.delete(article)
    session.flush()
    changes.record(session, "article", article_id)
