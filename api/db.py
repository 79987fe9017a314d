"""The database: engine per app, a session per app context, the declarative Base, shared types."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, Uuid, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from api import pool_liveness

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zones and returns naive values: store UTC, and mark it as UTC on the
    way out. Naive values on the way in are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: Newsdesk stores aware UTC datetimes only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def managed_by_autogenerate(name: str | None, type_: str, _parent_names) -> bool:
    """Whether Alembic autogenerate compares a schema object (an `include_name` filter).

    Full-text search is hand-written in migrations: SQLite's `articles_fts` FTS5 table and its
    shadow tables (`articles_fts_data`, `_idx`, `_docsize`, `_config`), the listing time of
    its rows (`articles_fts_listed`, migration 0015), PostgreSQL's generated `search_vector`
    column and its GIN index, and `search_vector_head`, its title's and excerpt's part (0016).
    """
    if not name:
        return True
    if type_ == "table":
        return "_fts" not in name
    if type_ in ("column", "index"):
        return "search_vector" not in name
    return True


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, uuid.UUID: Uuid}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# SQLite: seconds migrations and commands without the app's settings wait for a lock
MIGRATION_BUSY_TIMEOUT = 5.0
# Requests that may write: on SQLite their transactions take the write lock as they begin
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class EngineSettings:
    """Pool bounds and timeouts of the app's engine (seconds; a timeout of 0 is none), from
    the DATABASE_* settings (api/config.py)."""

    pool_size: int
    max_overflow: int
    pool_timeout: float
    pool_recycle: int
    connect_timeout: int
    statement_timeout: float
    idle_in_transaction_timeout: float
    busy_timeout: float
    sqlite_cache_kib: int

    @classmethod
    def from_config(cls, config) -> EngineSettings:
        return cls(
            pool_size=config["DATABASE_POOL_SIZE"],
            max_overflow=config["DATABASE_MAX_OVERFLOW"],
            pool_timeout=config["DATABASE_POOL_TIMEOUT"],
            pool_recycle=config["DATABASE_POOL_RECYCLE"],
            connect_timeout=config["DATABASE_CONNECT_TIMEOUT"],
            statement_timeout=config["DATABASE_STATEMENT_TIMEOUT"],
            idle_in_transaction_timeout=config["DATABASE_IDLE_IN_TRANSACTION_TIMEOUT"],
            busy_timeout=config["DATABASE_BUSY_TIMEOUT"],
            sqlite_cache_kib=config["DATABASE_SQLITE_CACHE_KIB"],
        )


def _sqlite_on_connect(busy_timeout: float, cache_kib: int | None):
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (savepoints work then).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        if cache_kib:  # a negative size is in KiB, a positive one in pages
            cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        cursor.close()

    return on_connect


# Connection.info key: the transaction has sent nothing but SELECTs so far (PostgreSQL)
READS_ONLY = "newsdesk.reads_only"


def _postgresql_on_begin(connection) -> None:
    connection.info[READS_ONLY] = True


# Anonymous GETs of published content only read: on PostgreSQL their sessions run in
# autocommit (`Database.session`), which spares each one the round trips of BEGIN and COMMIT
# and changes nothing it reads (in READ COMMITTED each statement has its own snapshot anyway)
AUTOCOMMIT_BLUEPRINTS = frozenset(
    {"articles", "tags", "authors", "feeds", "structured-data", "sitemaps"}
)
# Execution option of the engine such sessions are bound to
AUTOCOMMIT_READS = "newsdesk_autocommit_reads"
# What needs a transaction besides writing: row locks, transaction-scoped advisory locks
_LOCKING = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE)\b|pg_advisory", re.IGNORECASE)


class WriteWithoutTransaction(RuntimeError):
    """A statement that writes or locks, sent by a request served in autocommit: a bug (the
    endpoint must leave `AUTOCOMMIT_BLUEPRINTS`), refused before it runs."""


def _postgresql_before_execute(connection, _cursor, statement: str, _params, context, _many):
    reads = statement.lstrip()[:6].upper() == "SELECT"
    if connection.info.get(READS_ONLY) and not reads:
        connection.info[READS_ONLY] = False
    if context is not None and context.execution_options.get(AUTOCOMMIT_READS):
        if not reads or _LOCKING.search(statement):
            raise WriteWithoutTransaction(statement.split(None, 1)[0])


# Execution option of a statement PostgreSQL must plan for the values it runs with, each time
PLANNED_EACH_TIME = "newsdesk_planned_each_time"


def _postgresql_do_execute(cursor, statement: str, parameters, context) -> bool | None:
    """A statement with `PLANNED_EACH_TIME` is sent unprepared, so that PostgreSQL plans it for
    its values. psycopg prepares a statement run five times; PostgreSQL may then run it with a
    generic plan, made without the values. A search's generic plan does not know that the
    visibility rule's time keeps nearly every row: at 100,000 articles it read the whole
    status and time index twice to intersect it with the few matches (20 ms of a 35 ms
    request), where a plan made for the values reads the matches alone."""
    if context is not None and context.execution_options.get(PLANNED_EACH_TIME):
        cursor.execute(statement, parameters, prepare=False)
        return True
    return None


def _sqlite_on_begin(connection):
    # A deferred transaction that read, then writes after another writer committed, fails at
    # once with "database is locked" (its WAL snapshot is stale; waiting cannot help). A
    # writing request takes the write lock first instead: a concurrent one waits its turn
    # (the busy timeout), then reads what the first one committed, so a stale `If-Match` is
    # a 412, not an error.
    writing = has_request_context() and request.method in WRITE_METHODS
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _postgresql_options(parsed, settings: EngineSettings) -> dict:
    """Connection arguments: the connect timeout, and server-side timeouts sent at connection
    start (`-c name=value`, after any `options` the URL gives, such as a search_path)."""
    existing = parsed.query.get("options", "")
    if isinstance(existing, tuple):
        existing = " ".join(existing)
    options = [existing] if existing else []
    for name, seconds in (
        ("statement_timeout", settings.statement_timeout),
        ("idle_in_transaction_session_timeout", settings.idle_in_transaction_timeout),
    ):
        if seconds:
            options.append(f"-c {name}={max(1, round(seconds * 1000))}")
    args: dict = {"connect_timeout": settings.connect_timeout} if settings.connect_timeout else {}
    if options:
        args["options"] = " ".join(options)
    return args


def json_dumps(value) -> str:
    """JSON columns' text, through orjson (several times faster than the standard library's,
    and UTF-8 as it is: `é` stays one character, not `\\u00e9`); what orjson refuses (an
    integer beyond 64 bits) goes through the standard library."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def build_engine(
    url: str, *, echo: bool = False, settings: EngineSettings | None = None, **extra
) -> Engine:
    """An engine with the settings each backend needs: foreign keys, WAL and a busy timeout on
    SQLite; pooled connections checked at checkout where a server can go away
    (api/pool_liveness.py); with `settings` (the app's engine), a
    bounded pool with a short wait and PostgreSQL's statement timeouts. Migrations and
    commands pass none: they may run as long as they need."""
    parsed = make_url(url)
    # Parameters stay out of error messages and logs: they may hold keys' hashes or addresses
    options: dict = {
        "echo": echo,
        "hide_parameters": True,
        "json_serializer": json_dumps,
        "json_deserializer": orjson.loads,
        **extra,
    }
    sqlite = parsed.get_backend_name() == "sqlite"
    in_memory = sqlite and parsed.database in (None, "", ":memory:")
    if sqlite:
        options["connect_args"] = {"check_same_thread": False}
        if not in_memory:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if settings is not None and not in_memory:
        options.setdefault("pool_size", settings.pool_size)
        options.setdefault("max_overflow", settings.max_overflow)
        options.setdefault("pool_timeout", settings.pool_timeout)
        options.setdefault("pool_recycle", settings.pool_recycle)
        # The connection used last serves the next request: its caches (SQLite's pages,
        # PostgreSQL's prepared statements) are warm; the others wait for bursts
        options.setdefault("pool_use_lifo", True)
        if parsed.get_backend_name() == "postgresql":
            options["connect_args"] = {
                **_postgresql_options(parsed, settings),
                **options.get("connect_args", {}),
            }
    engine = create_engine(parsed, **options)
    if sqlite:
        busy_timeout = settings.busy_timeout if settings is not None else MIGRATION_BUSY_TIMEOUT
        cache_kib = settings.sqlite_cache_kib if settings is not None else None
        event.listen(engine, "connect", _sqlite_on_connect(busy_timeout, cache_kib))
        event.listen(engine, "begin", _sqlite_on_begin)
    else:
        # What a pre-ping is for (a connection the server dropped while it waited in the
        # pool is replaced, unseen), mostly without its round trip
        pool_liveness.watch(engine)
        event.listen(engine, "begin", _postgresql_on_begin)
        event.listen(engine, "before_cursor_execute", _postgresql_before_execute)
        event.listen(engine, "do_execute", _postgresql_do_execute)
    return engine


def _only_read(session: Session) -> bool:
    """Whether the session's transaction on PostgreSQL sent nothing but SELECTs and holds no
    change still to flush: committing it then changes nothing a rollback would not. Asks for
    no connection: a transaction that never got one (the pool was exhausted) has nothing to
    end, and waiting for one again would delay the answer."""
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:  # none, or a failed flush's
        return False
    if session.new or session.dirty or session.deleted:
        return False
    connection = session.info.get(TRANSACTION_CONNECTION)
    if connection is None or connection.closed or connection.dialect.name != "postgresql":
        return False
    return connection.info.get(READS_ONLY, False)


# Session.info key: the connection the session's current transaction runs on
TRANSACTION_CONNECTION = "newsdesk.transaction_connection"


def _remember_connection(session: Session, _transaction, connection) -> None:
    session.info[TRANSACTION_CONNECTION] = connection


class AppSession(Session):
    """The app's session. Inside `commits_deferred()`, `commit()` only flushes, and the caller
    commits the whole transaction once: api/idempotency.py commits a POST's work together
    with the response it stores, so that no response is ever sent for work left unstored."""

    _commits_asked: list[bool] | None = None

    def commit(self) -> None:
        if self._commits_asked is None:
            super().commit()
            return
        self.flush()
        self._commits_asked.append(True)

    @contextmanager
    def commits_deferred(self) -> Iterator[Callable[[], bool]]:
        """Hold back commits while the block runs; yields whether one was asked for."""
        asked: list[bool] = []
        self._commits_asked = asked
        try:
            yield lambda: bool(asked)
        finally:
            self._commits_asked = None


def _reads_only() -> bool:
    """Whether this is an anonymous GET (or HEAD) of published content."""
    return (
        has_request_context()
        and request.method in ("GET", "HEAD")
        and request.blueprint in AUTOCOMMIT_BLUEPRINTS
        and "Authorization" not in request.headers
    )


class Database:
    """Holds each app's engine and hands out one session per application context."""

    EXTENSION = "newsdesk.db"

    def init_app(self, app: Flask) -> None:
        engine = build_engine(
            app.config["DATABASE_URL"],
            echo=app.config["DATABASE_ECHO"],
            settings=EngineSettings.from_config(app.config),
        )
        reader = None
        if engine.dialect.name == "postgresql":
            reads = engine.execution_options(
                isolation_level="AUTOCOMMIT", **{AUTOCOMMIT_READS: True}
            )
            reader = sessionmaker(bind=reads, class_=AppSession, expire_on_commit=False)
        app.extensions[self.EXTENSION] = {
            "engine": engine,
            "sessionmaker": sessionmaker(bind=engine, class_=AppSession, expire_on_commit=False),
            "reader": reader,  # anonymous GETs of AUTOCOMMIT_BLUEPRINTS on PostgreSQL
        }
        app.teardown_appcontext(self._close_session)

    def _state(self, app: Flask | None = None) -> dict:
        return (app or current_app).extensions[self.EXTENSION]

    def engine(self, app: Flask | None = None) -> Engine:
        return self._state(app)["engine"]

    def bind(self, app: Flask, bind, **session_options) -> None:
        """Make the app's sessions use `bind` (tests bind to a connection they roll back)."""
        state = self._state(app)
        state["sessionmaker"] = sessionmaker(
            bind=bind, class_=AppSession, expire_on_commit=False, **session_options
        )
        state["reader"] = None

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            state = self._state()
            reader = state["reader"] if state["reader"] and _reads_only() else None
            g.db_session = (reader or state["sessionmaker"])()
        return g.db_session

    @staticmethod
    def _close_session(_exc=None) -> None:
        """End the request's session. A connection the server dropped after the view answered
        (a restart, an administrator) fails the closing rollback: the answer stands (nothing
        uncommitted survives a dead connection anyway) and the connection is discarded, where
        an error raised here would turn the answer into a 500."""
        session = g.pop("db_session", None)
        if session is None:
            return
        try:
            # A read ends with COMMIT rather than ROLLBACK, the same to a transaction that
            # only read: psycopg forgets the statements it prepared at every rollback, and a
            # request's statements would be planned again at every request
            if _exc is None and _only_read(session):
                session.commit()
            session.close()
        except SQLAlchemyError as error:
            current_app.logger.warning(
                "The session's connection was lost as it closed (%s); discarded.",
                type(getattr(error, "orig", None) or error).__name__,
            )
            with suppress(SQLAlchemyError):
                session.invalidate()


event.listen(AppSession, "after_begin", _remember_connection)

db = Database()
