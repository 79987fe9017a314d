"""Pooled PostgreSQL connections checked at checkout (`api.pool_liveness`): a quiet one is used
again without a round trip, one the server dropped or spoke to while it waited is pinged (and
replaced if dead), and so is one that waited too long."""

import time

import pytest
from sqlalchemy import text

from api import pool_liveness
from api.db import db
from tests.conftest import make_seeded_app

pytestmark = [pytest.mark.postgresql, pytest.mark.no_transaction]


@pytest.fixture(scope="module")
def app(fresh_database):
    app = make_seeded_app(
        fresh_database.url("liveness"), DATABASE_POOL_SIZE=1, DATABASE_MAX_OVERFLOW=0
    )
    yield app
    db.engine(app).dispose()


@pytest.fixture
def pings(app, monkeypatch) -> list[int]:
    """The pings sent at checkout, each as the backend it reached (or -1 when it failed)."""
    dialect = db.engine(app).dialect
    sent: list[int] = []
    do_ping = dialect.do_ping

    def spy(dbapi_connection):
        try:
            do_ping(dbapi_connection)
        except Exception:
            sent.append(-1)
            raise
        sent.append(dbapi_connection.info.backend_pid)
        return True

    monkeypatch.setattr(dialect, "do_ping", spy)
    return sent


def _backend(app) -> int:
    """The backend of the pool's one connection (back in the pool after)."""
    with db.engine(app).connect() as pooled:
        return pooled.execute(text("SELECT pg_backend_pid()")).scalar()


def _pooled(app):
    """The pool's one psycopg connection (still in the pool after: watched, not checked out)."""
    with db.engine(app).connect() as pooled:
        return pooled.connection.dbapi_connection


def _wait_for_input(dbapi_connection) -> None:
    deadline = time.monotonic() + 5
    while not pool_liveness.has_input(dbapi_connection):
        assert time.monotonic() < deadline, "the server sent nothing to the pooled connection"
        time.sleep(0.01)


def _run_on_another(app, sql: str, **params) -> None:
    with db.engine(app).pool._creator() as other:  # a connection of its own, outside the pool
        other.autocommit = True
        other.execute(sql, params)


def test_a_quiet_pooled_connection_is_used_again_without_a_ping(app, pings):
    client = app.test_client()
    backend = _backend(app)
    for _ in range(3):
        assert client.get("/v1/articles").status_code == 200
    assert pings == []
    assert _backend(app) == backend


def test_a_connection_the_server_dropped_is_pinged_and_replaced_unseen(app, pings):
    backend = _backend(app)
    pooled = _pooled(app)
    _run_on_another(app, "SELECT pg_terminate_backend(%(pid)s)", pid=backend)
    _wait_for_input(pooled)
    assert app.test_client().get("/v1/articles").status_code == 200
    assert pings[0] == -1
    assert _backend(app) != backend


def test_a_connection_the_server_spoke_to_is_pinged_and_kept(app, pings):
    with db.engine(app).connect() as pooled:
        backend = pooled.execute(text("SELECT pg_backend_pid()")).scalar()
        pooled.execute(text("LISTEN newsdesk_liveness"))
        pooled.commit()
        listening = pooled.connection.dbapi_connection
    _run_on_another(app, "NOTIFY newsdesk_liveness")
    _wait_for_input(listening)
    assert app.test_client().get("/v1/articles").status_code == 200
    assert pings == [backend]
    assert _backend(app) == backend


def test_a_connection_quiet_for_too_long_is_pinged(app, pings, monkeypatch):
    backend = _backend(app)
    monkeypatch.setattr(pool_liveness, "QUIET_FOR", 0.0)
    assert app.test_client().get("/v1/articles").status_code == 200
    assert pings == [backend]
