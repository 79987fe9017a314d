"""The database: engine per app, a session per app context, the declarative Base, shared types."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, MetaData, Uuid, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

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
    shadow tables (`articles_fts_data`, `_idx`, `_docsize`, `_config`), PostgreSQL's generated
    `search_vector` column and its GIN index.
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


def _sqlite_on_connect(dbapi_connection, _record):
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (savepoints work then).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_on_begin(connection):
    connection.exec_driver_sql("BEGIN")


def build_engine(url: str, *, echo: bool = False, **extra) -> Engine:
    """An engine with the settings each backend needs (foreign keys and WAL on SQLite)."""
    parsed = make_url(url)
    options: dict = {"echo": echo, **extra}
    if parsed.get_backend_name() == "sqlite":
        options["connect_args"] = {"check_same_thread": False}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    else:
        options.setdefault("pool_pre_ping", True)
    engine = create_engine(parsed, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


class Database:
    """Holds each app's engine and hands out one session per application context."""

    EXTENSION = "newsdesk.db"

    def init_app(self, app: Flask) -> None:
        engine = build_engine(app.config["DATABASE_URL"], echo=app.config["DATABASE_ECHO"])
        app.extensions[self.EXTENSION] = {
            "engine": engine,
            "sessionmaker": sessionmaker(bind=engine, expire_on_commit=False),
        }
        app.teardown_appcontext(self._close_session)

    def _state(self, app: Flask | None = None) -> dict:
        return (app or current_app).extensions[self.EXTENSION]

    def engine(self, app: Flask | None = None) -> Engine:
        return self._state(app)["engine"]

    def bind(self, app: Flask, bind, **session_options) -> None:
        """Make the app's sessions use `bind` (tests bind to a connection they roll back)."""
        self._state(app)["sessionmaker"] = sessionmaker(
            bind=bind, expire_on_commit=False, **session_options
        )

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self._state()["sessionmaker"]()
        return g.db_session

    @staticmethod
    def _close_session(_exc=None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()
