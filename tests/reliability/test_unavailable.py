"""A database that is down, locked, saturated or too slow answers a 503 problem with
`Retry-After`, quickly: never a 500, never a stack trace."""

from __future__ import annotations

import socket
import sqlite3
import time

import pytest
from sqlalchemy import select, text

from api.db import db
from api.models import Article
from tests.conftest import assert_problem
from tests.reliability.conftest import key_header, new_article

TAG = {"name": "Indisponible"}


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_unavailable(response, retry_after: int | None = None) -> dict:
    """A 503 problem asking to retry (after `retry_after` seconds), that gives nothing away."""
    body = assert_problem(response, 503)
    seconds = int(response.headers["Retry-After"])
    assert seconds == retry_after if retry_after is not None else seconds >= 1
    shown = response.get_data(as_text=True)
    assert "Traceback" not in shown and "SELECT" not in shown and "psycopg" not in shown
    return body


def timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


@pytest.mark.parametrize(
    ("method", "path", "keyed"),
    [
        ("get", "/v1/articles", False),
        ("get", "/v1/tags", True),  # the key lookup itself meets the dead database
        ("post", "/v1/tags", True),
        ("get", "/ready", False),
    ],
)
def test_a_postgresql_server_that_is_down_answers_503_at_once(make_app, method, path, keyed):
    app = make_app(f"postgresql://postgres@127.0.0.1:{closed_port()}/newsdesk")
    headers = {"Authorization": "Bearer nd_unknown"} if keyed else {}
    kwargs = {"json": TAG} if method == "post" else {}
    response, elapsed = timed(
        lambda: getattr(app.test_client(), method)(path, headers=headers, **kwargs)
    )
    assert_unavailable(response)
    assert elapsed < 2


def test_a_sqlite_file_that_cannot_be_opened_answers_503(make_app, tmp_path):
    (tmp_path / "not-a-file.sqlite3").mkdir()
    app = make_app(f"sqlite:///{tmp_path / 'not-a-file.sqlite3'}")
    body = assert_unavailable(app.test_client().get("/v1/articles"), retry_after=5)
    assert body["detail"] == "The database cannot be reached: retry shortly."


def test_a_locked_sqlite_database_answers_503_within_the_busy_timeout(migrated_app, tmp_path):
    path = tmp_path / "locked.sqlite3"
    app = migrated_app(f"sqlite:///{path}", DATABASE_BUSY_TIMEOUT=0.3)
    client, editor = app.test_client(), key_header(app, "editor")
    client.get("/v1/tags", headers=editor)  # the key's first use is recorded before the lock
    locker = sqlite3.connect(path, isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        response, elapsed = timed(lambda: client.post("/v1/tags", json=TAG, headers=editor))
        body = assert_unavailable(response, retry_after=1)
        assert body["detail"] == "The database is locked by another write: retry shortly."
        assert 0.3 <= elapsed < 2
        assert client.get("/v1/tags").status_code == 200  # WAL: readers are not blocked
    finally:
        locker.rollback()
        locker.close()
    assert client.post("/v1/tags", json=TAG, headers=editor).status_code == 201


@pytest.mark.postgresql
def test_a_statement_slower_than_the_statement_timeout_answers_503(make_app):
    app = make_app(DATABASE_STATEMENT_TIMEOUT=0.3)
    client, editor = app.test_client(), key_header(app, "editor")
    article_id = new_article(app)
    etag = client.get(f"/v1/articles/{article_id}", headers=editor).headers["ETag"]
    locker = db.engine(make_app()).connect()
    try:  # another transaction holds the row: the UPDATE waits, past the statement timeout
        locker.execute(select(Article.id).where(Article.id == article_id).with_for_update())
        response, elapsed = timed(
            lambda: client.patch(
                f"/v1/articles/{article_id}",
                json={"subtitle": "Trop tard"},
                headers={**editor, "If-Match": etag},
            )
        )
    finally:
        locker.rollback()
        locker.close()
    body = assert_unavailable(response, retry_after=2)
    assert body["detail"] == "The database took too long to answer: retry shortly."
    assert 0.3 <= elapsed < 2


@pytest.mark.postgresql
def test_every_connection_carries_the_server_side_timeouts(make_app):
    app = make_app(DATABASE_STATEMENT_TIMEOUT=0.25, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT=30)
    with db.engine(app).connect() as connection:
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "250ms"
        assert connection.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() in {
            "30s",
            "30000ms",
        }
        assert connection.execute(text("SELECT 1 FROM articles LIMIT 1")).all() is not None


@pytest.mark.postgresql
def test_a_pooled_connection_the_server_dropped_is_replaced_unnoticed(make_app):
    """What a PostgreSQL restart does to idle pooled connections: the check at checkout finds
    them dead (api/pool_liveness.py) and the request gets a new one, instead of an error."""
    app = make_app(DATABASE_POOL_SIZE=1, DATABASE_MAX_OVERFLOW=0)
    client = app.test_client()
    assert client.get("/v1/articles").status_code == 200
    with db.engine(app).connect() as pooled:  # the pool's one connection, back in the pool after
        backend = pooled.execute(text("SELECT pg_backend_pid()")).scalar()
    with db.engine(make_app()).connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar()
    assert client.get("/v1/articles").status_code == 200


def test_an_exhausted_pool_answers_503_at_the_pool_timeout(make_app):
    app = make_app(DATABASE_POOL_SIZE=1, DATABASE_MAX_OVERFLOW=0, DATABASE_POOL_TIMEOUT=0.3)
    client = app.test_client()
    held = db.engine(app).connect()  # the pool's only connection, busy elsewhere
    try:
        response, elapsed = timed(lambda: client.get("/v1/articles"))
        body = assert_unavailable(response, retry_after=1)
        assert body["detail"] == "Every database connection is busy: retry shortly."
        assert 0.3 <= elapsed < 1.5
    finally:
        held.close()
    assert client.get("/v1/articles").status_code == 200


def test_an_unavailable_database_is_logged_with_the_request_id(make_app, caplog):
    app = make_app(f"postgresql://postgres@127.0.0.1:{closed_port()}/newsdesk")
    with caplog.at_level("WARNING", logger=app.logger.name):
        response = app.test_client().get("/v1/articles", headers={"X-Request-ID": "req-down-42"})
    assert_unavailable(response)
    assert response.get_json()["request_id"] == "req-down-42"
    assert "request req-down-42: database unavailable (down)" in caplog.text


@pytest.mark.postgresql
def test_a_connection_dropped_after_the_view_answered_keeps_the_answer(make_app):
    """PostgreSQL restarted between a view's last statement and the end of its request: the
    closing rollback fails on the dead connection. The answer already made is sent (not a
    500), and the next request gets a new connection."""
    app = make_app(DATABASE_POOL_SIZE=1, DATABASE_MAX_OVERFLOW=0)
    admin = make_app()

    @app.get("/test/dropped-after-answer")
    def dropped_after_answer():
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with db.engine(admin).connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        return {"backend": backend}

    client = app.test_client()
    response = client.get("/test/dropped-after-answer")
    assert response.status_code == 200 and response.get_json()["backend"]
    assert client.get("/v1/articles").status_code == 200
