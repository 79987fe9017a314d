"""Stored list summaries: each article's summary as a list returns it, written at commit.

A list page sends its articles' stored summaries (`articles.summary`, migration 0013) rather
than loading twenty objects, reading their bylines and dumping them field by field. The
summary is what `dump` below makes of the article — the very code that serves a list when
a summary is missing — but for its `url`, null (configuration builds it at read time), and
`snippet` (only searches have one).

Triggers clear a summary whenever what it shows changes, whoever writes (the article's row,
its links, the name or slug of one of its tags or authors). At the commit of a transaction
that wrote content, this module writes the cleared ones again, in the same transaction;
`flask db upgrade` writes any left (`fill_all`). A list meeting a cleared one dumps that
article the long way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import orjson
from sqlalchemy import Row, bindparam, event, select, update
from sqlalchemy.orm import Session

from api.models import Article
from api.services import content_version, links, queries, representations, sharing
from schemas.articles import SUMMARY_FIELDS, ArticleRepresentationSchema
from schemas.common import sparse_schema

# What a summary holds: every summary field but the `snippet` only searches have; its `url`
# is null, filled at read time from configuration
STORED_FIELDS = tuple(name for name in SUMMARY_FIELDS if name != "snippet")
# What a list reads of an article it answers from its summary (a cursor is made of the key)
COLUMNS = (Article.id, Article.published_at, Article.summary)

# Summaries written at one commit at most: a rename of a tag of many articles leaves the
# rest to later commits (the lists read them the long way meanwhile)
FILL_LIMIT = 2_000
_ARTICLES = Article.__table__
# Writing a summary changes nothing else (`updated_at` would take its `onupdate` otherwise)
_WRITE = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article_id"))
    .values(summary=bindparam("summary"), updated_at=_ARTICLES.c.updated_at)
)
_CLEAR = update(_ARTICLES).values(summary=None, updated_at=_ARTICLES.c.updated_at)


def dump(session: Session, articles: list[Article], selected: tuple[str, ...]) -> list[dict]:
    """Articles as the sparse fieldset says; their bylines, when it shows them, read in one
    statement for them all (the statements that loaded the articles loaded none)."""
    rows = []
    if articles and set(selected) & set(representations.BYLINE_FIELDS):
        rows = session.execute(
            queries.BYLINES_OF, {"article_ids": [article.id for article in articles]}
        ).all()
    return _dumped(articles, rows, selected)


def _dumped(articles: list[Article], byline_rows, selected: tuple[str, ...]) -> list[dict]:
    """`dump`, the bylines given as `queries.BYLINES_OF` rows."""
    schema = sparse_schema(ArticleRepresentationSchema, representations.without_bylines(selected))
    dumped = schema.dump(articles, many=True)
    if articles and set(selected) & set(representations.BYLINE_FIELDS):
        dumped = representations.with_bylines(dumped, byline_rows, selected)
    return dumped


def encode(articles: list[Article], byline_rows) -> list[str]:
    """The summaries of these articles as they are stored (JSON text), their bylines given as
    `queries.BYLINES_OF` rows: for articles loaded, and for new ones an import builds in
    memory with their bylines (`importing._as_new`)."""
    encoded = []
    for summary in _dumped(articles, byline_rows, STORED_FIELDS):
        summary["url"] = None  # configuration's, at read time
        encoded.append(orjson.dumps(summary).decode())
    return encoded


def write(session: Session, encoded: dict[uuid.UUID, str]) -> int:
    """Store summaries (`encode`'s, by article id) as they are: of articles written in this
    transaction, whose links are written already (writing a link clears its summary)."""
    if encoded:
        # On the connection: no flush, no ORM event (the content version is bumped already)
        rows = [{"article_id": key, "summary": value} for key, value in encoded.items()]
        session.connection().execute(_WRITE, rows)
    return len(encoded)


def answers(selected: tuple[str, ...]) -> bool:
    """Whether a list showing `selected` fields is answered from summaries: no body (a
    search's `snippet` is read for its page, `queries.snippets_of`)."""
    return all(name in STORED_FIELDS or name == "snippet" for name in selected)


def read(
    session: Session,
    articles: list[Row],
    selected: tuple[str, ...],
    snippets: dict[uuid.UUID, str | None] | None = None,
) -> list[dict]:
    """The `selected` fields of articles read as rows of `COLUMNS`, from their summaries; any
    without a usable one is loaded and dumped the long way (one statement for them all).
    A search's items end with their `snippet`, from `snippets` (none when it has none, as
    the schema dumps them)."""
    snippets = snippets if snippets is not None and "snippet" in selected else {}
    selected = tuple(name for name in selected if name != "snippet")  # the summary's fields
    whole, needed = selected == STORED_FIELDS, frozenset(selected)
    if "url" in needed:  # built from the slug and the canonical URL
        needed |= {"slug", "seo"}
    url = links.page_urls("article")  # as `links.article_url` builds it
    items: list = []
    stale: list[int] = []  # where in `items` an article's id waits for its long-way dump
    for article in articles:
        summary = None if article.summary is None else orjson.loads(article.summary)
        if summary is None or not needed <= summary.keys():
            stale.append(len(items))
            items.append(article.id)
            continue
        if "url" in needed:
            summary["url"] = url(summary["slug"], summary["seo"]["canonical_url"])
        if whole and len(summary) == len(selected):
            item = summary  # stored in schema order already
        else:
            item = {name: summary[name] for name in selected}
        if snippets.get(article.id) is not None:
            item["snippet"] = snippets[article.id]  # the schema's last field
        items.append(item)
    if not stale:
        return items
    reloaded = session.scalars(
        select(Article)
        .where(Article.id.in_([items[i] for i in stale]))
        .options(*representations.article_load_options(selected))
        .execution_options(populate_existing=True)
    ).all()
    dumped = dict(zip((a.id for a in reloaded), dump(session, reloaded, selected), strict=True))
    for article_id, item in dumped.items():
        if snippets.get(article_id) is not None:
            item["snippet"] = snippets[article_id]  # the schema's last field
    for i in stale:
        items[i] = dumped.get(items[i])
    return [item for item in items if item is not None]  # less any purged since the page


# A detail's fields not in its summary: from the article's columns, or built (`share`)
COLUMN_FIELDS = ("body", "body_format", "body_html", "body_text")
DETAIL_FIELDS = ("share", *COLUMN_FIELDS)


def detail(article: Article, selected: tuple[str, ...]) -> dict | None:
    """The `selected` fields of one article loaded with its summary and the body columns they
    show (`representations.article_read_options`): its summary's, its `share` links, its
    bodies; None when its summary is cleared or lacks one of them (dump it the long way)."""
    if article.summary is None:
        return None
    summary = orjson.loads(article.summary)
    selected = tuple(name for name in selected if name != "snippet")
    if any(name not in summary and name not in DETAIL_FIELDS for name in selected):
        return None
    url = links.page_urls("article")(summary["slug"], summary["seo"]["canonical_url"])
    item = {}
    for name in selected:
        if name == "url":
            item[name] = url
        elif name == "share":
            item[name] = sharing.share_links_of(url, summary["title"])
        elif name in COLUMN_FIELDS:
            item[name] = getattr(article, name)
        else:
            item[name] = summary[name]
    return item


def details(session: Session, ids: list[uuid.UUID], selected: tuple[str, ...]) -> dict:
    """`detail` of each of these articles, by id (None where it cannot be: dump that one the
    long way), their cleared summaries written first, in the transaction, as its commit would
    write them (PostgreSQL: locked first, as `fill` does)."""
    if not ids:
        return {}
    cleared = session.scalars(
        select(Article.id).where(Article.id.in_(ids), Article.summary.is_(None)).with_for_update()
    ).all()
    if cleared:
        _write(session, cleared)
    columns = (getattr(Article, name) for name in COLUMN_FIELDS)
    rows = session.execute(
        select(Article.id, Article.summary, *columns).where(Article.id.in_(ids))
    ).all()
    return {row.id: detail(row, selected) for row in rows}


def fill(session: Session, limit: int = FILL_LIMIT) -> int:
    """Write the summaries the triggers cleared (`limit` at most); how many were written."""
    # PostgreSQL: locked first, then read (a statement's snapshot is taken after the lock),
    # so no writer changes an article between the read and the write of its summary; one
    # another transaction holds is left to it (its commit writes it)
    ids = session.scalars(
        select(Article.id)
        .where(Article.summary.is_(None))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return _write(session, ids) if ids else 0


def fill_all(session: Session, batch: int = 1_000) -> int:
    """Write every cleared summary, a batch per transaction, after clearing them all if they
    were written in another format than this code's (its fields changed); how many were
    written. One summary tells: every writer writes the same format."""
    sample = session.scalar(select(Article.summary).where(Article.summary.is_not(None)).limit(1))
    if sample is not None and tuple(orjson.loads(sample)) != STORED_FIELDS:
        session.connection().execute(_CLEAR)
        session.commit()
    written = 0
    while count := fill(session, batch):
        session.commit()
        written += count
    return written


def _write(session: Session, ids: Iterable[uuid.UUID]) -> int:
    # Read in the transaction by a session of its own: the articles as they are now, whatever
    # `session` holds of them (an object loaded before another transaction's commit), and
    # `session`'s objects left as they are
    with Session(bind=session.connection()) as reader:
        articles = reader.scalars(
            select(Article)
            .where(Article.id.in_(list(ids)))
            .options(*representations.article_load_options(STORED_FIELDS))
        ).all()
        bylines = reader.execute(
            queries.BYLINES_OF, {"article_ids": [article.id for article in articles]}
        ).all()
        encoded = encode(articles, bylines)
    return write(session, dict(zip((article.id for article in articles), encoded, strict=True)))


# Session.info key: False on a session writing to a database older than migration 0013
WRITES_SUMMARIES = "newsdesk.writes_summaries"


def _before_commit(session: Session) -> None:
    if not session.info.get(WRITES_SUMMARIES, True):
        return
    session.flush()
    if content_version.bumped(session):
        fill(session)


event.listen(Session, "before_commit", _before_commit)
