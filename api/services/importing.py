"""Bulk import of tags, authors and articles from JSON Lines (`flask --app api import FILE`).

One JSON object per line, its `type` saying what it is:

    {"type": "tag", "slug": "climat", "name": "Climat", "description": "…"}
    {"type": "author", "slug": "elise-durand", "name": "Élise Durand", "bio": "…"}
    {"type": "article", "slug": "…", "title": "…", "body": "…", "tags": ["climat"],
     "authors": ["elise-durand"], "status": "published", "published_at": "2024-05-21T08:00:00Z"}

Every record is validated by the API's own schemas (`TagCreateSchema`, `AuthorCreateSchema`,
`ArticleCreateSchema`, plus `status`, one of draft, published and scheduled, and
`published_at`) and needs an explicit slug: records are upserted by slug, so importing a file
again changes nothing, and a run cut short continues where it stopped (each batch of articles
commits on its own).

Tags and authors go through the usual write operations. Articles are validated and rendered
(Markdown to sanitized HTML, excerpt, word count) by `jobs` processes, and new ones written
in batches: one multi-row INSERT per table, and their publication announced in the change log
in bulk (`changes.record_published_batch`). An article whose slug exists already is left alone
when the file says what it holds, and saved through the usual operations when it differs.
Imports record no revisions: an imported article's history starts with the newsroom's first
change. A draft's `published_at` is ignored; a published article's publication time defaults to
the import's time; a future one makes the article scheduled.
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from api.db import utcnow
from api.models import Article, ArticleAuthor, ArticleTag, Author, Tag
from api.services import changes, summaries
from api.services.content import (
    _render_body,
    publish_article,
    save_article,
    save_author,
    save_tag,
)
from api.services.visibility import PUBLIC_STATUSES
from schemas.articles import ArticleCreateSchema
from schemas.authors import AuthorCreateSchema
from schemas.fields import UTCDateTime
from schemas.tags import TagCreateSchema

BATCH_SIZE = 500
# The tables an import writes rows to, besides tags and authors (`Importer._analyse`)
_FILLED_TABLES = ("articles", "article_tags", "article_authors", "changes", "public_states")
RECORD_TYPES = ("tag", "author", "article")
IMPORT_STATUSES = ("draft", "published", "scheduled")
# The columns an article record sets, besides the rendered body and its derived values
_FEATURE_IMAGE_FIELDS = ("url", "alt", "caption", "credit")
_SEO_FIELDS = ("meta_title", "meta_description", "canonical_url")


class ImportFileError(ValueError):
    """A record that cannot be imported; the message names its line."""


class _PublicationSchema(Schema):
    status = fields.String(load_default="published", validate=validate.OneOf(IMPORT_STATUSES))
    published_at = UTCDateTime(load_default=None, allow_none=True)


@dataclass
class ImportReport:
    tags: int = 0
    authors: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Record:
    line: int
    data: dict


@dataclass(frozen=True)
class _Context:
    """What makes a batch's new articles whole: the batch's time, and each tag's and
    author's id and name by slug."""

    now: datetime
    tags: dict[str, tuple[uuid.UUID, str]]
    authors: dict[str, tuple[uuid.UUID, str]]


@dataclass
class _Prepared:
    """An article record validated and rendered: its `articles` row, its bylines' ids and,
    for a new article, its stored summary and the representation its change will hold."""

    line: int
    data: dict  # as ArticleCreateSchema loaded it, for the usual write operations
    row: dict
    status: str
    published_at: object
    tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    tag_ids: list[uuid.UUID] = field(default_factory=list)
    author_ids: list[uuid.UUID] = field(default_factory=list)
    summary: str | None = None
    current: dict | None = None


_schemas: dict[str, Schema] = {}


def _schema(name: str) -> Schema:
    """One instance of each schema per process (building one costs more than a load)."""
    if name not in _schemas:
        _schemas[name] = {
            "tag": TagCreateSchema,
            "author": AuthorCreateSchema,
            "article": ArticleCreateSchema,
            "publication": _PublicationSchema,
        }[name]()
    return _schemas[name]


def _load(name: str, data: dict, line: int) -> dict:
    try:
        return _schema(name).load(data)
    except ValidationError as error:
        raise ImportFileError(f"line {line}: {error.messages}") from None


def _fields_of(record: dict, schema_name: str) -> dict:
    known = _schema(schema_name).fields
    return {key: value for key, value in record.items() if key in known}


def _needs_slug(record: dict, line: int) -> str:
    slug = record.get("slug")
    if not slug:
        raise ImportFileError(f"line {line}: records are upserted by slug: give one")
    return slug


def prepare_article(record: _Record) -> _Prepared:
    """Validate and render one article record (no database: it runs in worker processes)."""
    raw = record.data
    data = _load("article", _fields_of(raw, "article"), record.line)
    publication = _load("publication", _fields_of(raw, "publication"), record.line)
    article = Article()  # transient: the derived values come from the one rule that makes them
    _render_body(article, data)
    image = data.get("feature_image") or {}
    seo = data.get("seo") or {}
    row = {
        "slug": data["slug"],
        "title": data["title"],
        "subtitle": data.get("subtitle"),
        "language": data["language"],
        "excerpt": article.excerpt,
        "body": article.body,
        "body_html": article.body_html,
        "body_text": article.body_text,
        "body_format": article.body_format,
        "word_count": article.word_count,
        "reading_time": article.reading_time,
        **{f"feature_image_{name}": image.get(name) for name in _FEATURE_IMAGE_FIELDS},
        **{name: seo.get(name) for name in _SEO_FIELDS},
    }
    return _Prepared(
        line=record.line,
        data=data,
        row=row,
        status=publication["status"],
        published_at=publication["published_at"],
        tags=data["tags"],
        authors=data["authors"],
    )


def _as_new(item: _Prepared, context: _Context) -> _Prepared:
    """The article a prepared record makes as a new one: its id, status, times and bylines'
    ids; its summary as `summaries` would store it, and its representation as
    `changes.record_published_batch` would build it from that summary. Both are made from
    the article built in memory, by the code that makes them from the database, instead of
    read back from it (which took a third of the writer's time)."""
    status, published_at = item.status, item.published_at
    if status == "draft":
        published_at = None
    else:
        published_at = published_at or context.now
        status = "scheduled" if published_at > context.now else "published"
    created = min(published_at, context.now) if published_at else context.now
    item.tag_ids = _ids(item.tags, context.tags, "tags", item.line)
    item.author_ids = _ids(item.authors, context.authors, "authors", item.line)
    item.row |= {
        "id": uuid.uuid4(),
        "status": status,
        "published_at": published_at,
        "deleted_at": None,
        "version_id": 1,
        "created_by_id": None,
        "created_at": created,
        "updated_at": created,
    }
    article = Article(**item.row)
    bylines = [
        (kind, str(article.id), position, str(refs[slug][0]), slug, refs[slug][1])
        for kind, slugs, refs in (
            ("authors", item.authors, context.authors),
            ("tags", item.tags, context.tags),
        )
        for position, slug in enumerate(slugs)
    ]
    (article.summary,) = summaries.encode([article], bylines)
    item.summary = article.summary
    item.current = summaries.detail(article, changes.ARTICLE_FIELDS)
    return item


def _ids(slugs: list[str], refs: dict, kind: str, line: int) -> list[uuid.UUID]:
    missing = [slug for slug in slugs if slug not in refs]
    if missing:
        raise ImportFileError(f"line {line}: unknown {kind}: {', '.join(missing)}")
    return [refs[slug][0] for slug in slugs]


class _Pending:
    """A batch of article records being prepared, maybe by other processes."""

    def __init__(self, new, changed, unchanged: int, result):
        self.new: dict[str, _Record] = new
        self.changed: dict[str, Article] = changed
        self.unchanged = unchanged
        self.result = result

    @property
    def slugs(self) -> set[str]:
        return set(self.new) | set(self.changed)


class _Inline:
    """What a process pool offers, in this process (one job: tests, small files). The work is
    done when its result is asked for, as it would be done by then in a pool."""

    class _Deferred:
        def __init__(self, function, items):
            self.function, self.items = function, items

        def get(self):
            return [self.function(item) for item in self.items]

    def map_async(self, function, items, chunksize=None):
        return self._Deferred(function, items)


def _same_as_stored(article: Article, record: dict) -> bool:
    """Whether the record says what the article holds already, so that importing it changes
    nothing. Only the fields the record gives are compared (absent ones keep their values)."""
    stored = {
        "title": article.title,
        "subtitle": article.subtitle,
        "body": article.body,
        "body_format": article.body_format,
        "language": article.language,
        "excerpt": article.excerpt,
        "feature_image": article.feature_image,
        "tags": [tag.slug for tag in article.tags],
        "authors": [author.slug for author in article.authors],
    }
    given = {key: record[key] for key in stored if key in record}
    if given.get("feature_image"):
        given["feature_image"] = {
            name: given["feature_image"].get(name) for name in _FEATURE_IMAGE_FIELDS
        }
    if any(stored[key] != value for key, value in given.items()):
        return False
    if record.get("status", "published") == "draft":
        return article.status == "draft"
    if article.status not in PUBLIC_STATUSES:  # published and scheduled differ only by time
        return False
    published_at = record.get("published_at")
    return published_at is None or _iso(published_at) == article.published_at.isoformat()


def _iso(value: str) -> str:
    """An RFC 3339 time as `datetime.isoformat()` writes it in UTC (`Z` → `+00:00`)."""
    try:
        return UTCDateTime()._deserialize(value, None, None).isoformat()
    except ValidationError:
        return value


class Importer:
    """Imports one file into the session's database, committing each batch."""

    def __init__(self, session: Session, *, batch_size: int = BATCH_SIZE, pool=None, jobs: int = 1):
        self.session = session
        self.batch_size = batch_size
        self.pool = pool or _Inline()
        self.jobs = jobs
        self.report = ImportReport()
        # The number of articles created when the tables were last analysed (`_analyse`)
        self.analysed_at = 0
        # Each tag's and author's id and name by slug, as the articles name them
        self.refs = {
            kind: {slug: (id_, name) for slug, id_, name in session.execute(select(*columns))}
            for kind, columns in (
                ("tags", (Tag.slug, Tag.id, Tag.name)),
                ("authors", (Author.slug, Author.id, Author.name)),
            )
        }

    # --- tags and authors: the usual write operations, one at a time (there are few)

    def _upsert(self, kind: str, record: _Record) -> None:
        model, save = {"tag": (Tag, save_tag), "author": (Author, save_author)}[kind]
        data = _load(kind, _fields_of(record.data, kind), record.line)
        slug = _needs_slug(data, record.line)
        obj = self.session.scalar(select(model).where(model.slug == slug)) or model()
        save(self.session, obj, data)  # committed with the next batch of articles
        self.refs[f"{kind}s"][obj.slug] = (obj.id, obj.name)
        setattr(self.report, f"{kind}s", getattr(self.report, f"{kind}s") + 1)

    # --- articles, by batch

    def _classify(self, batch: list[_Record]) -> _Pending:
        """Which records are new, which change an article, which change nothing; the new and
        changed ones go to be prepared."""
        latest: dict[str, _Record] = {}
        for record in batch:  # a slug twice in a batch: the later record wins
            latest[_needs_slug(record.data, record.line)] = record
        stored = {
            article.slug: article
            for article in self.session.scalars(
                select(Article)
                .where(Article.slug.in_(latest))
                .options(*_bylines())
                .execution_options(populate_existing=True)
            )
        }
        new = {slug: r for slug, r in latest.items() if slug not in stored}
        changed = {
            slug: stored[slug]
            for slug, r in latest.items()
            if slug in stored and not _same_as_stored(stored[slug], r.data)
        }
        unchanged = len(latest) - len(new) - len(changed)
        todo = [latest[slug] for slug in (*new, *changed)]
        # Shared among the processes (a few chunks each, so that none waits for the last one)
        chunk = max(1, len(todo) // (4 * self.jobs))
        return _Pending(new, changed, unchanged, self.pool.map_async(prepare_article, todo, chunk))

    def _write(self, pending: _Pending) -> None:
        prepared = pending.result.get()
        # The rendering processes are what an import waits for: what needs no rendering is
        # done here
        context = _Context(utcnow(), self.refs["tags"], self.refs["authors"])
        rows, tag_links, author_links, public = [], [], [], []
        stored_summaries, currents = {}, {}
        for item in prepared:
            if item.row["slug"] not in pending.new:
                continue
            _as_new(item, context)
            article_id, status = item.row["id"], item.row["status"]
            rows.append(item.row)
            # The links' place in the public order, as their triggers would write it (and
            # check: a value that differs is written again, migration 0012)
            listed_at = item.row["published_at"] if status in PUBLIC_STATUSES else None
            tag_links += [
                {"article_id": article_id, "tag_id": tag_id, "position": i, "listed_at": listed_at}
                for i, tag_id in enumerate(item.tag_ids)
            ]
            author_links += [
                {
                    "article_id": article_id,
                    "author_id": author_id,
                    "position": i,
                    "listed_at": listed_at,
                }
                for i, author_id in enumerate(item.author_ids)
            ]
            stored_summaries[article_id] = item.summary
            if status == "published":
                public.append(article_id)
                currents[article_id] = item.current
        session = self.session
        for table, values in (
            (Article.__table__, rows),
            (ArticleTag.__table__, tag_links),
            (ArticleAuthor.__table__, author_links),
        ):
            if values:
                _insert_together(session, table, values)
        summaries.write(session, stored_summaries)  # after the links, which clear them
        changes.record_published_batch(session, public, currents)
        for item in prepared:
            article = pending.changed.get(item.row["slug"])
            if article is not None:
                self._update(article, item)
        session.commit()
        self.report.created += len(rows)
        self.report.updated += len(pending.changed)
        self.report.unchanged += pending.unchanged
        if rows and self.report.created >= 2 * self.analysed_at:
            self._analyse()

    def _analyse(self) -> None:
        """PostgreSQL: fresh statistics of the tables an import fills, each time its articles
        have doubled. Plans are cached on the connection (its triggers', the statements psycopg
        prepares), and made again only when statistics change, which here nothing else does
        (autovacuum may be off, or late on a table that grows this fast): an import into an
        empty database kept the plans it made for empty tables. A tag tally trigger's then
        looked each new link's article up among every undeleted article, not by its key, and
        10,000 articles took 191 s, each batch slower than the last (5 s the first, 17 s the
        last)."""
        self.analysed_at = self.report.created
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text(f"ANALYZE {', '.join(_FILLED_TABLES)}"))
            self.session.commit()

    def _update(self, article: Article, item: _Prepared) -> None:
        """An article the file changes: saved as an edit would save it."""
        session = self.session
        _ids(item.tags, self.refs["tags"], "tags", item.line)
        _ids(item.authors, self.refs["authors"], "authors", item.line)
        save_article(session, article, item.data)
        if item.status == "draft":
            article.status, article.published_at = "draft", None
        elif article.status not in PUBLIC_STATUSES or item.published_at is not None:
            publish_article(article, item.published_at or article.published_at)
        session.flush()
        changes.record(session, "article", article.id)

    def run(self, records: Iterable[tuple[int, dict]], progress: Callable[[int], None]) -> None:
        """Import `(line number, record)` pairs in file order; `progress(n)` after each batch
        of `n` records."""
        pending: _Pending | None = None
        batch: list[_Record] = []

        def submit(batch: list[_Record]) -> None:
            nonlocal pending
            slugs = {record.data.get("slug") for record in batch}
            if pending is not None and slugs & pending.slugs:  # written first, then compared
                self._write(pending)
                progress(len(pending.slugs) + pending.unchanged)
                pending = None
            following = self._classify(batch)
            if pending is not None:
                self._write(pending)
                progress(len(pending.slugs) + pending.unchanged)
            pending = following

        def drain() -> None:
            nonlocal pending, batch
            if batch:
                submit(batch)
                batch = []
            if pending is not None:
                self._write(pending)
                progress(len(pending.slugs) + pending.unchanged)
                pending = None

        for line, record in records:
            kind = record.get("type") if isinstance(record, dict) else None
            if kind not in RECORD_TYPES:
                raise ImportFileError(f"line {line}: `type` must be one of {RECORD_TYPES}")
            if kind != "article":
                drain()  # an article may name it: what comes before is written first
                self._upsert(kind, _Record(line, record))
                progress(1)
                continue
            batch.append(_Record(line, record))
            if len(batch) >= self.batch_size:
                submit(batch)
                batch = []
        drain()
        self.session.commit()  # tags and authors after the last articles


def _insert_together(session: Session, table, values: list[dict]) -> None:
    """Rows inserted by multi-row statements (as many rows to each as the database takes),
    not by a statement a row: RETURNING makes SQLAlchemy write them so ("insertmanyvalues").
    On SQLite each statement that writes `articles` flushes the full-text index's pending
    terms to a segment of its own, which later merges copy again; a statement a batch halved
    the time of the articles' INSERT (7.9 → 3.8 s for 10,000)."""
    session.execute(insert(table).returning(*table.primary_key.columns), values).all()


def _bylines():
    return (
        selectinload(Article.author_links).joinedload(ArticleAuthor.author),
        selectinload(Article.tag_links).joinedload(ArticleTag.tag),
    )


def read_records(path: Path, on_bytes: Callable[[int], None] | None = None) -> Iterator:
    """`(line number, record)` for each non-blank line of a JSON Lines file."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if on_bytes is not None:
                on_bytes(len(line))
            if not line.strip():
                continue
            try:
                # orjson: several times quicker than the standard library, and it refuses
                # what no article holds (NaN, a lone surrogate, an integer beyond 64 bits)
                yield number, orjson.loads(line)
            except orjson.JSONDecodeError as error:
                raise ImportFileError(f"line {number}: not JSON ({error})") from None


# The write-ahead log's pages between two checkpoints while importing: 1 GiB of 4 KiB pages
IMPORT_CHECKPOINT_PAGES = 262_144


def import_file(
    session: Session,
    path: Path,
    *,
    batch_size: int = BATCH_SIZE,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a JSON Lines file; `progress(n)` is told of each `n` bytes read."""
    restore = _connection_for_import(session)
    pool = None
    try:
        # The rendering processes yield to this one (niceness 10): the writer is what the
        # whole import waits for, they use what CPU it leaves
        if jobs > 1:
            pool = multiprocessing.get_context("fork").Pool(jobs, os.nice, (10,))
        importer = Importer(session, batch_size=batch_size, pool=pool, jobs=jobs)
        importer.run(read_records(path, progress), lambda _n: None)
        if session.get_bind().dialect.name == "sqlite":
            _copy_the_log(session)
    finally:
        if pool is not None:
            pool.terminate()
        session.rollback()  # nothing left to commit: a failed batch is not written
        for statement in restore:  # the connection as it was
            session.execute(text(statement))
        session.commit()
    return importer.report


def _connection_for_import(session: Session) -> list[str]:
    """Set the session's connection up for a bulk import; the statements that give it back
    as it was."""
    if session.get_bind().dialect.name != "sqlite":
        # No statement timeout, as pg_dump and pg_restore run: a request's limit (15 s) does
        # not fit a batch's INSERT, whose triggers keep the tallies row by row; with
        # autovacuum off, one of 1,500 links timed out 19,500 articles into 100,000
        session.execute(text("SET statement_timeout = 0"))
        return ["RESET statement_timeout"]
    pragmas = {
        # more of the full-text index in memory (64 MiB)
        "cache_size": "-65536",
        # the write-ahead log grows to 1 GiB before it is copied into the database (4 MiB by
        # default): each checkpoint wrote the same index pages again, 22.7 GB written for
        # 100,000 articles, 17.6 GB since (195 s against 210 and 226)
        "wal_autocheckpoint": str(IMPORT_CHECKPOINT_PAGES),
        # statement journals in memory: a statement that may fail halfway (a batch's INSERT,
        # whose triggers write the full-text index; each summary's UPDATE, which moves a
        # 26 KB row) first copies each page it changes into one, a file of /var/tmp by
        # default: 1.2 GB written for 10,000 articles; system CPU 3.7-4.1 -> 2.9-3.1 s
        "temp_store": "MEMORY",
    }
    before = {name: session.scalar(text(f"PRAGMA {name}")) for name in pragmas}
    for name, value in pragmas.items():
        session.execute(text(f"PRAGMA {name} = {value}"))
    return [f"PRAGMA {name} = {int(value)}" for name, value in before.items()]


def _copy_the_log(session: Session) -> None:
    """The write-ahead log copied into the database and emptied, its disk space given back:
    the next write would copy it all otherwise. SQLite refuses while this connection is
    inside a transaction (an import run within one, as the tests run it): then the next
    checkpoint does it."""
    try:
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    except OperationalError:
        pass
