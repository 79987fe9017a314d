"""The change log: what each write did to what the public sees, recorded in the write's own
transaction (an outbox), in commit order, with one webhook delivery queued per subscriber.

`record()` compares a resource as the public sees it now with the last state the public was
told about (the `current` of the change its `PublicState` names) and appends the matching
`Change`: `article.published` (first seen), `article.updated`, `article.unpublished` or
`article.deleted` (taken down: a tombstone), and `tag.*` / `author.*` likewise. Drafts never
produce anything, so nothing hidden reaches the change feed or a webhook. Scheduled articles
become public by the clock, with no write: `announce_due()` (run by the worker and before each
change-feed read) records them.

Order: on PostgreSQL a transaction-scoped advisory lock serialises the writers of changes, so ids
are handed out in commit order and a reader following ids never skips a late commit. SQLite
serialises writers anyway.

Retraction: when a resource is taken down, the content of its earlier changes is erased
(`current`/`previous` set to null); the events stay, its tombstone keeps only `id` and `slug`.
Its public state goes with them: a state always names a change that has its content.
"""

from __future__ import annotations

import fnmatch
import uuid
from datetime import datetime, timedelta

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from api.db import utcnow
from api.models import Article, Author, Change, PublicState, Tag, WebhookDelivery, WebhookEndpoint
from api.services import links, queries, summaries
from schemas.articles import ArticleSchema
from schemas.authors import AuthorSchema
from schemas.tags import TagSchema

# Any constant shared by every writer of changes (pg_advisory_xact_lock takes a bigint)
_ADVISORY_LOCK = 0x4E455753  # "NEWS"
_MODELS = {"article": Article, "tag": Tag, "author": Author}
_COUNTS = ("article_count",)  # derived from other resources: not part of a resource's state
_SCHEMAS = {
    "article": ArticleSchema(),
    "tag": TagSchema(exclude=_COUNTS),
    "author": AuthorSchema(exclude=_COUNTS),
}
# An article's fields in a change: what `record_published_batch` builds from its summary
ARTICLE_FIELDS = tuple(_SCHEMAS["article"].fields)
_FIRST_SEEN = {"article": "published", "tag": "created", "author": "created"}


def _public_object(session: Session, resource: str, resource_id: uuid.UUID):
    if resource == "article":
        return session.scalar(queries.article_by_id(resource_id))
    return session.get(_MODELS[resource], resource_id)


def _taken_down_as(session: Session, resource: str, resource_id: uuid.UUID) -> str:
    if resource != "article":
        return "deleted"
    deleted_at = session.scalar(select(Article.deleted_at).where(Article.id == resource_id))
    purged = session.scalar(select(Article.id).where(Article.id == resource_id)) is None
    return "deleted" if purged or deleted_at is not None else "unpublished"


def _page(resource: str, representation: dict) -> str:
    canonical = (representation.get("seo") or {}).get("canonical_url")
    return links.page_url(resource, representation["slug"], canonical)


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})


def _subscribers(session: Session, event_type: str) -> list[WebhookEndpoint]:
    endpoints = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)))
    return [
        endpoint
        for endpoint in endpoints
        if any(fnmatch.fnmatchcase(event_type, pattern) for pattern in endpoint.events)
    ]


def record(
    session: Session, resource: str, resource_id: uuid.UUID, *, at: datetime | None = None
) -> Change | None:
    """Append the change the public saw of this resource since it was last told, if any.

    `occurred_at` is when it was recorded (`at` only for history, like seeds): recording
    time never goes backwards, so `Last-Modified` of the change feed does not either."""
    session.flush()
    _lock(session)
    state, previous = session.execute(
        select(PublicState, Change.current)
        .join(Change, Change.id == PublicState.change_id)
        .where(PublicState.resource == resource, PublicState.resource_id == resource_id)
        .execution_options(populate_existing=True)
    ).first() or (None, None)
    obj = _public_object(session, resource, resource_id)
    current = _SCHEMAS[resource].dump(obj) if obj is not None else None
    if current == previous:
        return None
    pages = {_page(resource, rep) for rep in (current, previous) if rep}
    if previous is None:
        action = _FIRST_SEEN[resource]
    elif current is None:
        action = _taken_down_as(session, resource, resource_id)
        previous = {"id": previous["id"], "slug": previous["slug"]}
    else:
        action = "updated"
    event_type = f"{resource}.{action}"
    change = Change(
        type=event_type,
        resource=resource,
        resource_id=resource_id,
        occurred_at=at or utcnow(),
        current=current,
        previous=previous,
        surrogate_keys=[f"{resource}s", f"{resource}:{resource_id}"],
        urls=sorted(pages),
    )
    session.add(change)
    session.flush()
    if current is None:
        _retract(session, resource, resource_id, before=change.id)
        session.delete(state)
    elif state is None:
        session.add(PublicState(resource=resource, resource_id=resource_id, change_id=change.id))
    else:
        state.change_id = change.id
    for endpoint in _subscribers(session, event_type):
        session.add(WebhookDelivery(endpoint_id=endpoint.id, change_id=change.id))
    session.flush()
    return change


def record_published_batch(
    session: Session, article_ids: list[uuid.UUID], built: dict[uuid.UUID, dict] | None = None
) -> list[int]:
    """`record()` for many articles at once, in the order given: the ids of the changes made.

    For bulk imports: an article the public sees and was never told about gets its
    `article.published` change, public state and webhook deliveries as `record()` would make
    them, in one statement per table instead of several per article. Any other article (told
    before, or not public) goes through `record()`. `built`: the representation of articles
    the caller has built as this does (`summaries.detail` of `ARTICLE_FIELDS`, from a stored
    summary and bodies), for those it need not read.
    """
    if not article_ids:
        return []
    session.flush()
    _lock(session)
    told = set(
        session.scalars(
            select(PublicState.resource_id).where(
                PublicState.resource == "article", PublicState.resource_id.in_(article_ids)
            )
        )
    )
    public = set(session.scalars(queries.public_article_ids_among(article_ids)))
    fresh = [i for i in article_ids if i in public and i not in told]
    # As `record` dumps them, from their stored summaries and bodies; any that cannot be, the
    # long way
    built = built or {}
    currents = {i: built[i] for i in fresh if built.get(i) is not None}
    currents |= summaries.details(session, [i for i in fresh if i not in currents], ARTICLE_FIELDS)
    unread = [i for i in fresh if currents.get(i) is None]
    if unread:
        loaded = session.scalars(queries.public_articles_by_ids(unread))
        currents.update((article.id, _SCHEMAS["article"].dump(article)) for article in loaded)
    rows = []
    for article_id in fresh:
        current = currents[article_id]
        rows.append(
            {
                "type": "article.published",
                "resource": "article",
                "resource_id": article_id,
                "occurred_at": utcnow(),
                "current": current,
                "previous": None,
                "surrogate_keys": ["articles", f"article:{article_id}"],
                "urls": [_page("article", current)],
            }
        )
    change_ids: list[int] = []
    if rows:
        # A few multi-row statements (one a row when RETURNING had to follow the rows' order);
        # the ids are handed out in the rows' order all the same, and matched by article here
        made = dict(
            session.execute(insert(Change).returning(Change.resource_id, Change.id), rows).all()
        )
        change_ids = [made[row["resource_id"]] for row in rows]
        session.execute(
            insert(PublicState),
            [
                {"resource": "article", "resource_id": row["resource_id"], "change_id": change_id}
                for row, change_id in zip(rows, change_ids, strict=True)
            ],
        )
        endpoints = _subscribers(session, "article.published")
        if endpoints:
            session.execute(
                insert(WebhookDelivery),
                [
                    {"endpoint_id": endpoint.id, "change_id": change_id}
                    for change_id in change_ids
                    for endpoint in endpoints
                ],
            )
    fresh_ids = set(fresh)
    for article_id in article_ids:
        if article_id not in fresh_ids:
            change = record(session, "article", article_id)
            if change is not None:
                change_ids.append(change.id)
    return change_ids


def _retract(session: Session, resource: str, resource_id: uuid.UUID, before: int) -> None:
    """Erase a taken-down resource's content from its earlier changes."""
    session.execute(
        update(Change)
        .where(Change.resource == resource, Change.resource_id == resource_id, Change.id < before)
        .values(current=None, previous=None),
        execution_options={"synchronize_session": False},
    )


def announce_due(session: Session, *, full: bool = False) -> list[Change]:
    """Record the publication of scheduled articles whose time has come in the last day (an
    index range, cheap enough for every change-feed read); `full` looks at every public article
    the public was never told about (the worker does at start: for anything published while no
    worker ran, or written without going through `record`)."""
    told = select(PublicState.resource_id).where(PublicState.resource == "article")
    window = None if full else utcnow() - timedelta(days=1)
    due = session.scalars(queries.public_articles_not_in(told, scheduled_since=window)).all()
    recorded = []
    for article_id in due:
        change = record(session, "article", article_id)
        if change is not None:
            recorded.append(change)
    return recorded


def event_payload(change: Change) -> dict:
    """A change as partners receive it, in the change feed and in webhook bodies alike."""
    return {
        "id": str(change.event_id),
        "type": change.type,
        "occurred_at": change.occurred_at,
        "resource": change.resource,
        "resource_id": str(change.resource_id),
        "data": {"current": change.current, "previous": change.previous},
        "surrogate_keys": change.surrogate_keys,
        "urls": change.urls,
    }
