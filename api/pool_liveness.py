"""Whether a pooled PostgreSQL connection is still alive, mostly without asking the server.

SQLAlchemy's pre-ping sends a statement at every checkout: a round trip, and a statement for
the server to run, before each request's own. A connection idle in the pool receives nothing
from the server unless something happened to it: a restart or `pg_terminate_backend` sends its
last message and closes the stream, which leaves the socket readable. So at checkout:

- a connection that psycopg knows broken, or whose socket has something to read, is pinged for
  real (what arrived may only be a notice or a parameter's new value: a ping, not a new
  connection, tells);
- so is one that waited in the pool longer than `QUIET_FOR` seconds: a network that drops a
  silent connection leaves nothing to read;
- any other is in use again without a round trip.

A ping that fails raises `DisconnectionError`: the pool discards that connection and opens
another, and the request never sees the dead one. tests/reliability/test_unavailable.py and
tests/faults/test_postgresql_restart.py check both ends.
"""

from __future__ import annotations

import select
import time

from sqlalchemy import Engine, event, exc

# Seconds a connection may wait in the pool and still be used without a ping
QUIET_FOR = 30.0
# ConnectionPoolEntry.info key (cleared when the connection is replaced): when it was opened
# or last went back to the pool
CHECKED_IN_AT = "newsdesk.checked_in_at"


def watch(engine: Engine) -> None:
    """Check each PostgreSQL connection of `engine` at checkout (instead of `pool_pre_ping`)."""
    event.listen(engine, "connect", _checked_in)  # just opened: as good as just back
    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", _checking_out(engine))


def _checked_in(_dbapi_connection, record) -> None:
    record.info[CHECKED_IN_AT] = time.monotonic()


def has_input(dbapi_connection) -> bool:
    """Whether the server sent something to an idle connection (or closed it), without
    waiting: a poll of its socket."""
    poller = select.poll()
    poller.register(dbapi_connection.pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def _needs_ping(dbapi_connection, record) -> bool:
    checked_in_at = record.info.get(CHECKED_IN_AT)
    if checked_in_at is None or time.monotonic() - checked_in_at > QUIET_FOR:
        return True
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    try:
        return has_input(dbapi_connection)
    except Exception:  # noqa: BLE001 - no socket to poll: let the ping tell
        return True


def _checking_out(engine: Engine):
    dialect = engine.dialect

    def check(dbapi_connection, record, _proxy) -> None:
        if not _needs_ping(dbapi_connection, record):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"the connection is gone: {error}") from error

    return check
