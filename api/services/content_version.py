"""The content version: a counter every write of content bumps in its own transaction.

Response caches key their entries on it (api/response_cache.py): an entry stored under one
version is current until a write commits the next one, whichever worker or server made it.
Writes need not remember it: session events bump it whenever a flush writes a mapped object,
or a statement run through the session inserts, updates or deletes rows, of any table but the
bookkeeping ones below (API key use, the change log, webhook deliveries), which no cached
response shows. Bumped at most once per transaction (again after a rollback), it orders
writers on PostgreSQL as the row lock they take; SQLite serialises writers anyway.

Listeners may also be told after a commit that bumped it (the response cache mirrors the
version into Redis then).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from api.models import CONTENT_VERSION_ID, ContentVersion

# Tables whose writes change no response a cache may hold
BOOKKEEPING_TABLES = frozenset(
    {
        "api_keys",  # `last_used_at`, touched by every keyed request
        "changes",  # the change feed is never cached; reading it records due publications
        "public_states",
        "webhook_deliveries",
        "webhook_endpoints",
        ContentVersion.__tablename__,
    }
)
_BUMPED = "newsdesk.content_version_bumped"
# app.extensions key: callables run after a commit that bumped the version
COMMIT_LISTENERS = "newsdesk.content_version_listeners"

_version = ContentVersion.__table__


def read(session: Session) -> int | None:
    """The version as this session's transaction sees it (None when the row is missing)."""
    return session.scalar(select(_version.c.value).where(_version.c.id == CONTENT_VERSION_ID))


def bump(session: Session) -> None:
    """Bump the version in the session's transaction, once per transaction."""
    if session.info.get(_BUMPED):
        return
    session.info[_BUMPED] = True
    # On the connection, not through the session: no flush, no event, no recursion
    session.connection().execute(
        update(_version)
        .where(_version.c.id == CONTENT_VERSION_ID)
        .values(value=_version.c.value + 1)
    )


def bumped(session: Session) -> bool:
    """Whether the session's transaction wrote content (and so bumped the version)."""
    return bool(session.info.get(_BUMPED))


def _writes_content(table) -> bool:
    return getattr(table, "name", None) not in BOOKKEEPING_TABLES


def _bump_if_flushing_content(session: Session) -> None:
    if session.info.get(_BUMPED):
        return  # once per transaction: nothing to look at
    changed = (obj for obj in session.dirty if session.is_modified(obj))
    written = chain(session.new, session.deleted, changed)
    if any(_writes_content(type(obj).__table__) for obj in written):
        bump(session)


def _before_flush(session: Session, _flush_context, _instances) -> None:
    # Before the flush writes its rows: on PostgreSQL a writer then locks the version's row
    # before those of the rows it writes (the article tally's among them, migration 0009), in
    # the order a statement run through the session takes them, so two never wait on each other
    _bump_if_flushing_content(session)


def _after_flush(session: Session, _flush_context) -> None:
    # What another listener added during the flush
    _bump_if_flushing_content(session)


def _do_orm_execute(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _writes_content(
        state.statement.table
    ):
        bump(state.session)


def _after_commit(session: Session) -> None:
    if not session.info.pop(_BUMPED, False) or not has_app_context():
        return
    for listener in current_app.extensions.get(COMMIT_LISTENERS, ()):
        listener()


def _after_soft_rollback(session: Session, _previous_transaction) -> None:
    # A rolled back bump (a savepoint's included) must be made again by the next write
    session.info.pop(_BUMPED, None)


def on_commit(app, listener: Callable[[], None]) -> None:
    """Call `listener` after each commit of `app`'s sessions that bumped the version."""
    app.extensions.setdefault(COMMIT_LISTENERS, []).append(listener)


event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "do_orm_execute", _do_orm_execute)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", _after_soft_rollback)
