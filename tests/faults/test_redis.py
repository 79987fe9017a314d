"""Redis (rate-limit counters, shared response cache) killed or hung under load: never a 5xx,
a delay bounded by the short Redis timeouts, and the limits still enforced in memory."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest
import requests

from api.config import DEFAULTS
from tests.faults.conftest import READ_PATHS
from tests.faults.loadgen import Load, percentile

REDIS_TIMEOUT = DEFAULTS["REDIS_TIMEOUT"]
PARTNER_QUOTA = 5
WORKERS = 2
# What a request may wait on a failing Redis: a few calls (the limit's count, the cache's
# read), each cut at the timeout, and a margin for scheduling on a busy machine
ADDED_LATENCY = 4 * REDIS_TIMEOUT + 0.5


def burst(base_url: str, headers: dict, count: int = 4 * PARTNER_QUOTA) -> Counter:
    """`count` reads by one partner key, each on a new connection (so both workers see some):
    how many answered each status."""
    statuses = Counter()
    for _ in range(count):
        response = requests.get(
            f"{base_url}/v1/articles", headers={**headers, "Connection": "close"}, timeout=10
        )
        statuses[response.status_code] += 1
    return statuses


@pytest.mark.parametrize("fault", ["killed", "hung"])
def test_a_failing_redis_costs_no_5xx_and_the_limits_hold_in_memory(
    fault, database, seeded_template, redis_server, serve, report
):
    server = serve(
        database,
        REDIS_URL=redis_server.url,
        RATELIMIT_PARTNER=f"{PARTNER_QUOTA} per minute",
    )
    shared, local = seeded_template.partners[:2]
    load = Load(server.base_url, seeded_template.editor, READ_PATHS, threads=6)
    with load:
        time.sleep(3)
        with_redis = burst(server.base_url, shared)
        failed_at = time.monotonic()
        if fault == "killed":
            redis_server.stop()
        else:  # accepts connections (the kernel does), never answers
            redis_server.process.send_signal(signal.SIGSTOP)
        time.sleep(1)
        without_redis = burst(server.base_url, local)
        time.sleep(4)
        load.stop()
    if fault == "hung":
        redis_server.process.send_signal(signal.SIGCONT)

    assert_redis_fault_costs_no_5xx(load, failed_at, report, with_redis, without_redis)
    # One counter in Redis for every worker: exactly the quota
    assert with_redis == {200: PARTNER_QUOTA, 429: 3 * PARTNER_QUOTA}, with_redis
    # Each worker counts in its memory: at most the quota in each, and the caller is limited
    assert without_redis[429] > 0 and without_redis[200] <= WORKERS * PARTNER_QUOTA
    assert set(without_redis) == {200, 429}, without_redis


def test_a_redis_that_never_answers_from_the_start_costs_no_5xx(
    database, seeded_template, silent_redis, serve, report
):
    server = serve(
        database,
        REDIS_URL=silent_redis,
        RATELIMIT_PARTNER=f"{PARTNER_QUOTA} per minute",
    )
    load = Load(server.base_url, seeded_template.editor, READ_PATHS, threads=6)
    with load:
        time.sleep(1)
        without_redis = burst(server.base_url, seeded_template.partners[2])
        time.sleep(4)
        load.stop()

    assert_redis_fault_costs_no_5xx(load, load.started, report, None, without_redis)
    assert without_redis[429] > 0 and without_redis[200] <= WORKERS * PARTNER_QUOTA
    assert set(without_redis) == {200, 429}, without_redis


def assert_redis_fault_costs_no_5xx(load, failed_at, report, with_redis, without_redis):
    # The baseline: Redis working, once the workers are warm
    before = sorted(
        r.latency for r in load.between(load.started + 1, failed_at) if r.ended < failed_at
    )
    after = sorted(r.latency for r in load.records if r.started >= failed_at)
    baseline_p50, baseline_p99 = percentile(before, 50), percentile(before, 99)
    report(
        **load.figures(),
        p50_before_ms=round(baseline_p50 * 1000, 1) if before else None,
        p99_before_ms=round(baseline_p99 * 1000, 1) if before else None,
        p50_after_ms=round(percentile(after, 50) * 1000, 1),
        p99_after_ms=round(percentile(after, 99) * 1000, 1),
        max_after_ms=round(after[-1] * 1000, 1),
        partner_burst_with_redis=dict(with_redis or {}),
        partner_burst_without_redis=dict(without_redis),
    )
    # Never a 5xx, never a dropped request: Redis is an accelerator, not a dependency
    assert all(r.ok for r in load.records), Counter(r.outcome for r in load.records if not r.ok)
    assert len(after) > 50
    # The delay a failing Redis adds is bounded by its short timeouts, and paid by few requests:
    # most go on at the usual pace (the limits count in memory, the cache skips Redis)
    assert after[-1] <= (baseline_p99 or 0.5) + ADDED_LATENCY, (after[-1], baseline_p99)
    assert percentile(after, 50) < REDIS_TIMEOUT
    if before:
        assert percentile(after, 50) <= baseline_p50 + REDIS_TIMEOUT / 2, (after, baseline_p50)
