"""Every pooled connection held by statements a lock blocks: 503s at the pool timeout, never
a hang."""

from __future__ import annotations

import time
from collections import Counter

import psycopg

from tests.faults.conftest import READ_PATHS
from tests.faults.loadgen import Load, percentile

POOL_TIMEOUT = 1.0
STATEMENT_TIMEOUT = 2.0
# What scheduling on a busy machine may add to the longest wait
MARGIN = 1.5
LOCKED_FOR = 5.0
GRACE = 1.0
BUSY = "Every database connection is busy: retry shortly."
SLOW = "The database took too long to answer: retry shortly."


def test_an_exhausted_pool_answers_503_at_the_pool_timeout_never_hangs(
    database, seeded_template, serve, report
):
    # One connection for each worker's 4 threads, and no response cache: every request needs
    # the pool, and every one that reads or writes articles waits on the lock
    server = serve(
        database,
        DATABASE_POOL_SIZE=1,
        DATABASE_MAX_OVERFLOW=0,
        DATABASE_POOL_TIMEOUT=POOL_TIMEOUT,
        DATABASE_STATEMENT_TIMEOUT=STATEMENT_TIMEOUT,
        RESPONSE_CACHE="false",
    )
    # As many clients as one worker has threads: however the connections are spread over the
    # workers, none waits for a thread (only for a database connection), and at least one
    # worker has more requests than connections
    load = Load(server.base_url, seeded_template.editor, READ_PATHS, threads=4)
    with load, psycopg.connect(database) as locker:
        time.sleep(2)
        locker.execute("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE")
        locked = time.monotonic()
        time.sleep(LOCKED_FOR)
        locker.rollback()
        released = time.monotonic()
        time.sleep(4)
        load.stop()

    bound = POOL_TIMEOUT + STATEMENT_TIMEOUT + MARGIN
    failed = [r for r in load.records if not r.ok]
    busy = sorted(r.latency for r in failed if r.detail == BUSY)
    slow = [r for r in failed if r.detail == SLOW]
    after = [r for r in load.records if r.started > released + GRACE]
    report(
        **load.figures(),
        locked_s=round(released - locked, 2),
        pool_503=len(busy),
        pool_503_p50_ms=round(percentile(busy, 50) * 1000, 1),
        pool_503_max_ms=round(busy[-1] * 1000, 1) if busy else None,
        statement_timeout_503=len(slow),
        errors_after=sum(not r.ok for r in after),
        bound_ms=bound * 1000,
    )

    assert busy and slow, Counter(r.detail or r.outcome for r in failed)
    # Every failure is a 503 problem with Retry-After, and none outside the lock
    assert all(r.status == 503 and r.problem and r.retry_after for r in failed), Counter(
        r.outcome for r in failed
    )
    assert all(r.started <= released + GRACE and r.ended >= locked for r in failed)
    # Those waiting for a connection answer at the pool timeout, not later
    assert POOL_TIMEOUT * 0.9 <= percentile(busy, 50) <= POOL_TIMEOUT + 0.5, busy
    # Nothing hangs: every request answered within the pool and statement timeouts
    assert max(r.latency for r in load.records) <= bound
    assert len(after) > 20 and all(r.ok for r in after)
