"""Fixtures: an app migrated once per session, a database rolled back after every test,
a client, factories, and a statement counter.

The suite runs on SQLite by default and on PostgreSQL when NEWSDESK_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from api import create_app, limits
from api.cli import alembic_config
from api.db import db
from api.models import Article, Author, Tag
from api.services.content import publish_article, save_article, save_author, save_tag
from api.services.seeding import load_seeds

REPO = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO / "seeds"
# A verbatim copy of shared/seed/000_283f2a9d790a3c1e.txt, the page the seed article comes from
SEED_TEXT = Path(__file__).resolve().parent / "data" / "seed_article.txt"
SEED_SLUG = "seoul-accueille-la-seconde-edition-du-ai-safety-summit"


def _test_database_url() -> str | None:
    return os.environ.get("NEWSDESK_TEST_DATABASE_URL")


def on_postgresql() -> bool:
    url = _test_database_url()
    return bool(url) and make_url(url).get_backend_name() == "postgresql"


def pytest_collection_modifyitems(config, items):
    if on_postgresql():
        return
    skip = pytest.mark.skip(reason="PostgreSQL-only: set NEWSDESK_TEST_DATABASE_URL to run it")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


class FreshDatabase:
    """Hands out empty databases: SQLite files, or PostgreSQL schemas dropped at the end."""

    def __init__(self, tmp_dir: Path):
        self.tmp_dir = tmp_dir
        self.server_url = _test_database_url()
        self.schemas: list[str] = []

    def url(self, name: str) -> str:
        if not self.server_url:
            return f"sqlite:///{self.tmp_dir / f'{name}.sqlite3'}"
        schema = f"test_{name}_{uuid.uuid4().hex[:8]}"
        engine = create_engine(self.server_url)
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        self.schemas.append(schema)
        url = make_url(self.server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.schemas:
            return
        engine = create_engine(self.server_url)
        with engine.begin() as connection:
            for schema in self.schemas:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def fresh_database(tmp_path_factory) -> Iterator[FreshDatabase]:
    fresh = FreshDatabase(tmp_path_factory.mktemp("databases"))
    yield fresh
    fresh.drop_all()


# Webhook receivers in tests listen on loopback (tests of the SSRF guard clear this)
TEST_WEBHOOK_NETWORKS = "127.0.0.0/8,::1/128"


def make_migrated_app(url: str, **overrides) -> Flask:
    app = create_app(
        {
            "DATABASE_URL": url,
            "TESTING": True,
            "SEEDS_DIR": str(SEEDS_DIR),
            "WEBHOOK_ALLOWED_NETWORKS": TEST_WEBHOOK_NETWORKS,
            **overrides,
        }
    )
    with app.app_context():
        command.upgrade(alembic_config(app), "head")
    return app


def make_seeded_app(url: str, **overrides) -> Flask:
    """`make_migrated_app`, with the seeds loaded and committed."""
    app = make_migrated_app(url, **overrides)
    with app.app_context():
        load_seeds(db.session, SEEDS_DIR)
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def app(fresh_database) -> Iterator[Flask]:
    app = make_migrated_app(fresh_database.url("suite"))
    yield app
    db.engine(app).dispose()


@pytest.fixture(autouse=True)
def _transaction(request) -> Iterator[None]:
    """Every test runs inside a transaction rolled back at its end, whatever it commits."""
    if "no_transaction" in request.keywords:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    connection = db.engine(app).connect()
    outer = connection.begin()
    db.bind(app, connection, join_transaction_mode="create_savepoint")
    try:
        with app.app_context():
            yield
    finally:
        outer.rollback()
        connection.close()
        db.bind(app, db.engine(app))


@pytest.fixture(autouse=True)
def _whole_rate_limits(request) -> None:
    """Every test starts with whole rate-limit quotas: the suite's anonymous requests all come
    from one address, far more than a minute's quota (tests/test_rate_limits.py builds its own
    apps with small ones)."""
    if "no_transaction" not in request.keywords:
        limits.reset_counters(request.getfixturevalue("app"))


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def session():
    return db.session


@pytest.fixture
def seeded(session) -> Article:
    """The seed data, loaded as `make run` loads it; returns the seed article."""
    load_seeds(session, SEEDS_DIR)
    session.commit()
    return session.query(Article).filter_by(slug=SEED_SLUG).one()


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def make_tag(session):
    def make(**overrides) -> Tag:
        data = {"name": _unique("tag"), **overrides}
        tag = save_tag(session, Tag(), data)
        session.commit()
        return tag

    return make


@pytest.fixture
def make_author(session):
    def make(**overrides) -> Author:
        data = {"name": _unique("author"), "social_links": {}, **overrides}
        author = save_author(session, Author(), data)
        session.commit()
        return author

    return make


@pytest.fixture
def make_article(session):
    """An article, published on 2024-05-21 unless `status` or `published_at` says otherwise."""

    def make(*, status: str = "published", published_at: datetime | None = None, **overrides):
        data = {
            "title": _unique("Article"),
            "body": "Un paragraphe.",
            "language": "fr",
            "authors": [],
            "tags": [],
            **overrides,
        }
        article = save_article(session, Article(), data)
        if status in ("published", "scheduled"):
            publish_article(article, published_at or datetime(2024, 5, 21, 8, tzinfo=UTC))
            article.status = status
        else:
            article.status = status
            article.published_at = published_at
        session.commit()
        return article

    return make


class StatementCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(app):
    """Counts the SQL statements the app sends while the test runs (savepoints excluded)."""
    counter = StatementCounter()
    engine = db.engine(app)
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


def assert_problem(response, status: int, *fields: str) -> dict:
    """The response is an RFC 9457 problem with this status, naming each of `fields`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"] and body["instance"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    for field in fields:
        assert field in body.get("errors", {}), body
        assert field in body["detail"], body
    return body


@pytest.fixture
def make_key(session):
    """A new API key with `role`; returns the `Authorization` header carrying it."""
    from api.services.keys import create_key

    def make(role: str, author: Author | None = None, name: str = "test key") -> dict:
        _key, secret = create_key(
            session, name=name, role=role, author_id=author.id if author else None
        )
        session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def editor(make_key) -> dict:
    return make_key("editor")


@pytest.fixture
def admin(make_key) -> dict:
    return make_key("admin")


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """The URL of a hung Redis: a TCP server that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    server.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        server.close()
