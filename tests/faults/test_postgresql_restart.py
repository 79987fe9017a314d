"""PostgreSQL restarted under load: 503s only while it is away, nothing acknowledged lost."""

from __future__ import annotations

import time
from collections import Counter

from tests.faults.conftest import READ_PATHS, lost_and_doubled
from tests.faults.loadgen import Load

# Seconds after the server is back within which a request may still meet the outage (a
# connection the pool checks at checkout, a request that began before the restart)
GRACE = 1.0
DOWN_FOR = 2.5


def test_postgresql_restarted_mid_load_costs_only_503s_within_the_outage(
    cluster, database, seeded_template, serve, report
):
    server = serve(database)
    load = Load(server.base_url, seeded_template.editor, READ_PATHS, threads=6)
    with load:
        time.sleep(3)
        stopping = time.monotonic()
        cluster.stop("fast")
        time.sleep(DOWN_FOR)
        cluster.start()
        back = time.monotonic()
        time.sleep(5)
        load.stop()

    outage_end = back + GRACE
    inside = [r for r in load.records if r.started <= outage_end and r.ended >= stopping]
    outside = [r for r in load.records if r not in inside]
    after = [r for r in load.records if r.started > outage_end]
    failed_inside = [r for r in inside if not r.ok]
    missing, duplicates = lost_and_doubled(database, load)
    report(
        **load.figures(),
        outage_s=round(back - stopping, 2),
        errors_in_outage=len(failed_inside),
        errors_outside=sum(not r.ok for r in outside),
        missing=missing,
        duplicates=duplicates,
    )

    assert failed_inside, "the restart went unnoticed: the test did not test anything"
    # Inside the window: a 503 problem with Retry-After, nothing else
    unexpected = Counter(
        r.outcome for r in failed_inside if not (r.status == 503 and r.problem and r.retry_after)
    )
    assert not unexpected, unexpected
    # Outside it, and in particular once the database is back: no error at all
    assert all(r.ok for r in outside), Counter(r.outcome for r in outside if not r.ok)
    assert len(after) > 50 and sum(r.method == "POST" for r in after) > 5
    assert missing == 0 and duplicates == 0
    assert all(write.id is not None for write in load.writes), [
        (w.title, w.rejected) for w in load.writes if w.id is None
    ]
