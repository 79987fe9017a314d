"""Who may see which article: one rule, that every read path starts from."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from api.db import utcnow
from api.models import Article

if TYPE_CHECKING:
    from api.auth import Principal

PUBLIC_STATUSES = ("published", "scheduled")


def _public_rule(now, *, deleted: bool, column=lambda column: column) -> ColumnElement[bool]:
    """Published or scheduled with its time come by `now`; since deleted, or not. Each
    column is read as `column(it)`."""
    status, published_at, deleted_at = map(
        column, (Article.status, Article.published_at, Article.deleted_at)
    )
    return and_(
        status.in_(PUBLIC_STATUSES),
        published_at.is_not(None),
        published_at <= now,
        deleted_at.is_not(None) if deleted else deleted_at.is_(None),
    )


class Unindexed(FunctionElement):
    """A column's value that SQLite's planner does not look up in an index: `+column` there
    (the way its documentation gives to steer it), the column itself on other databases
    (PostgreSQL has no unary plus for text). Its type is the column's."""

    inherit_cache = True

    def __init__(self, column: ColumnElement):
        super().__init__(column)
        self.type = column.type


@compiles(Unindexed)
def _unindexed(element: Unindexed, compiler, **kw) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(Unindexed, "sqlite")
def _unindexed_on_sqlite(element: Unindexed, compiler, **kw) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


def now_when_run() -> BindParameter:
    """The current time, read each time a statement holding it runs (not when it is built)."""
    return bindparam(
        "now", callable_=lambda: utcnow(), type_=Article.published_at.type, unique=True
    )


# The rules as of "now", built once and shared by every statement: building one costs more
# than a primary-key read, and a read builds several statements
_IS_PUBLIC_NOW = _public_rule(now_when_run(), deleted=False)
_WAS_PUBLIC_NOW = _public_rule(now_when_run(), deleted=True)
_IS_PUBLIC_NOW_IN_ORDER = _public_rule(now_when_run(), deleted=False, column=Unindexed)


def article_is_public(now: datetime | None = None) -> ColumnElement[bool]:
    """Published or scheduled, its publication time come, and not deleted: as of `now`, or
    of the moment the statement runs.

    A scheduled article becomes public when its time comes, with no job to flip it.
    """
    return _IS_PUBLIC_NOW if now is None else _public_rule(now, deleted=False)


def article_is_public_in_order() -> ColumnElement[bool]:
    """`article_is_public()` for a listing SQLite reads in the order of another index, which
    holds the rule's columns (`models.content.INDEXED_SORTS`): its terms choose no index of
    their own. SQLite's planner otherwise reads the public articles from the rule's index and
    sorts them all (27 ms at 10,000 articles for a page, 0.14 ms read in order). Elsewhere
    it is `article_is_public()`."""
    return _IS_PUBLIC_NOW_IN_ORDER


def article_was_public(now: datetime | None = None) -> ColumnElement[bool]:
    """Deleted after it had been public: reads of it answer 410 Gone rather than 404."""
    return _WAS_PUBLIC_NOW if now is None else _public_rule(now, deleted=True)


# Listed (published or scheduled, not deleted) with its time still to come when a statement
# runs: what the public total subtracts from the tally, and when a cached list next changes
_DUE_LATER = and_(
    Article.status.in_(PUBLIC_STATUSES),
    Article.published_at > now_when_run(),
    Article.deleted_at.is_(None),
)


def article_is_due_later() -> ColumnElement[bool]:
    return _DUE_LATER


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
