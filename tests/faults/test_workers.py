"""gunicorn workers lost or replaced under load: only requests in flight fail, and retries
with the same Idempotency-Key neither lose nor double a write."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

from tests.faults.conftest import READ_PATHS, lost_and_doubled
from tests.faults.loadgen import Load

THREADS = 6
# Seconds after a fault within which its failures are counted (a killed worker's requests
# fail at once; a reload's old workers finish theirs, up to the graceful timeout)
SETTLE = 2.0


def test_a_killed_worker_and_a_graceful_reload_lose_nothing_acknowledged(
    database, seeded_template, serve, report
):
    server = serve(database)
    # Half writes: the more of them in flight when a worker dies, the more retries are tried
    load = Load(
        server.base_url, seeded_template.editor, READ_PATHS, threads=THREADS, write_share=0.5
    )
    with load:
        time.sleep(3)
        victim = server.workers()[0]
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        server.wait_for_workers(2, without=[victim])  # the master replaces it
        time.sleep(3)

        reloading = time.monotonic()
        old = set(server.workers())
        server.process.send_signal(signal.SIGHUP)  # new workers, then the old ones leave
        server.wait_for_workers(2, without=old)
        reloaded = time.monotonic()
        time.sleep(4)
        load.stop()

    kill_window = (killed, killed + SETTLE)
    reload_window = (reloading, reloaded + SETTLE)
    in_kill = [r for r in load.between(*kill_window) if not r.ok]
    in_reload = [r for r in load.between(*reload_window) if not r.ok]
    elsewhere = [r for r in load.records if not r.ok and r not in in_kill and r not in in_reload]
    # The clients with a request sent and not yet answered when the worker died (the signal
    # takes a moment)
    in_flight_at_kill = {r.client for r in load.between(killed, killed + 0.05)}
    missing, duplicates = lost_and_doubled(database, load)
    report(
        **load.figures(),
        in_flight_at_kill=len(in_flight_at_kill),
        failed_operations_at_kill=load.operations(in_kill),
        failed_operations_at_reload=load.operations(in_reload),
        errors_elsewhere=len(elsewhere),
        reload_s=round(reloaded - reloading, 2),
        missing=missing,
        duplicates=duplicates,
    )

    # Only operations in flight meet a fault (at most one per client thread), as a dropped
    # connection: never an error status, and nothing outside the faults
    assert load.operations(in_kill) <= min(len(in_flight_at_kill), THREADS), in_kill
    assert load.operations(in_reload) <= THREADS, Counter(r.outcome for r in in_reload)
    assert all(r.status is None for r in in_kill + in_reload), in_kill + in_reload
    assert not elsewhere, Counter(r.outcome for r in elsewhere)
    # Every write was acknowledged in the end (retried with its key), once, and is stored
    assert all(write.id is not None for write in load.writes), [
        (w.title, w.rejected) for w in load.writes if w.id is None
    ]
    assert missing == 0 and duplicates == 0
    assert sum(r.ok and r.started > reloaded for r in load.records) > 50
