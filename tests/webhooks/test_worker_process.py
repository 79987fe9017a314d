"""The real worker on a database of its own: `flask --app api webhooks work` as a separate
process, stopped and restarted while the receiver is down; and two workers at once. No event is
lost, none is delivered twice (they stop gracefully), and each endpoint gets them in order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from api.db import db
from api.models import Tag, WebhookDelivery
from api.services import webhooks
from api.services.content import save_tag
from api.worker import Worker
from tests.conftest import REPO, TEST_WEBHOOK_NETWORKS, make_migrated_app
from tests.webhooks.conftest import Receiver, event_ids_in_order

pytestmark = pytest.mark.no_transaction  # the worker must see what the test commits

FLASK = Path(sys.executable).parent / "flask"


class Workers:
    """Starts worker processes on one database, and stops them as systemd would (SIGTERM)."""

    def __init__(self, url: str, log_dir: Path):
        self.env = {
            **os.environ,
            "NEWSDESK_DATABASE_URL": url,
            "NEWSDESK_SECRET_KEY": "worker-tests",
            "NEWSDESK_WEBHOOK_ALLOWED_NETWORKS": TEST_WEBHOOK_NETWORKS,
            "NEWSDESK_WEBHOOK_RETRY_BASE": "0.05",
            "NEWSDESK_WEBHOOK_RETRY_MAX_DELAY": "0.2",
            "NEWSDESK_WEBHOOK_TIMEOUT": "2",
        }
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        with (self.log_dir / f"worker-{uuid.uuid4().hex[:6]}.log").open("wb") as log:
            process = subprocess.Popen(
                [str(FLASK), "--app", "api", "webhooks", "work", "--interval", "0.05"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.running.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0, self.logs()
        self.running.remove(process)

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.log_dir.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in list(self.running):
            process.kill()
            process.wait(timeout=15)
        self.running.clear()


@pytest.fixture
def own_database(fresh_database):
    url = fresh_database.url(f"worker_{uuid.uuid4().hex[:8]}")
    app = make_migrated_app(url)
    yield app, url
    db.engine(app).dispose()


@pytest.fixture
def workers(own_database, tmp_path) -> Iterator[Workers]:
    started = Workers(own_database[1], tmp_path)
    yield started
    started.stop_all()


@pytest.fixture
def down_receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def register(app, url: str) -> str:
    with app.app_context():
        settings = webhooks.DeliverySettings.from_config(app.config)
        endpoint, _secret = webhooks.create_endpoint(
            db.session, {"url": url, "events": ["tag.*"]}, settings
        )
        db.session.commit()
        return str(endpoint.id)


def make_tags(app, count: int) -> None:
    """`count` tag.created events, each in its own transaction.

    On SQLite a transaction that read before another connection (a worker) committed cannot
    write any more ("database is locked" at once, whatever the busy timeout): it starts over.
    """
    with app.app_context():
        made = 0
        while made < count:
            try:
                save_tag(db.session, Tag(), {"name": f"tag-{uuid.uuid4().hex[:8]}"})
                db.session.commit()
                made += 1
            except OperationalError:
                db.session.rollback()


def wait_until(condition, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition.__name__}")
        time.sleep(0.05)


def count_deliveries(app, endpoint_id: str, status: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(
                WebhookDelivery.endpoint_id == uuid.UUID(endpoint_id),
                WebhookDelivery.status == status,
            )
        )


def head_attempts(app, endpoint_id: str) -> int:
    with app.app_context():
        return (
            db.session.scalar(
                select(func.max(WebhookDelivery.attempts)).where(
                    WebhookDelivery.endpoint_id == uuid.UUID(endpoint_id),
                    WebhookDelivery.status == "pending",
                )
            )
            or 0
        )


def expected_events(app, endpoint_id: str) -> list[str]:
    with app.app_context():
        return event_ids_in_order(endpoint_id)


def test_a_worker_restart_while_the_receiver_is_down_loses_and_reorders_nothing(
    own_database, workers, down_receiver
):
    app, _url = own_database
    receiver = down_receiver
    endpoint_id = register(app, receiver.url)
    worker = workers.start()
    make_tags(app, 3)
    receiver.wait_for(3, timeout=20)

    workers.stop(worker)  # SIGTERM: it finishes what it is doing, then exits 0
    receiver.stop()
    make_tags(app, 4)  # while no worker runs and the receiver is down

    worker = workers.start()
    wait_until(lambda: head_attempts(app, endpoint_id) >= 2, what="retries of the head")
    assert len(receiver.requests) == 3  # the receiver is down: nothing arrived meanwhile
    receiver.start()  # back, on the same port
    wait_until(lambda: count_deliveries(app, endpoint_id, "delivered") == 7, what="delivery")
    workers.stop(worker)

    assert receiver.event_ids() == expected_events(app, endpoint_id)  # each once, in order
    assert count_deliveries(app, endpoint_id, "pending") == 0


# A worker whose loop holds the lock of the event it waits on when SIGTERM lands, as
# `Event.wait` holds it for an instant at each pass (the handler sets that event)
_SIGNALLED_WHILE_WAITING = """
import os, signal, sys, time
from flask.cli import main
from api.worker import Worker

run = Worker.run

def run_holding_the_lock(self, *, once=False):
    with self._stopping._cond:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.5)  # the handler has run by now, wherever it runs
    run(self, once=once)

Worker.run = run_holding_the_lock
sys.argv = ["flask", "--app", "api", "webhooks", "work", "--interval", "0.05"]
main()
"""


def test_a_signal_landing_while_the_loop_waits_stops_the_worker(own_database, workers):
    """The signal's handler runs in a thread that never holds the loop's locks: run in the
    loop's own thread, it waited forever for a lock its thread held (a worker deaf to
    SIGTERM, seen once in CI)."""
    process = subprocess.Popen(
        [sys.executable, "-c", _SIGNALLED_WHILE_WAITING],
        cwd=REPO,
        env=workers.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"the worker did not stop: {process.communicate()[0].decode()}")
    assert process.returncode == 0, output.decode()
    assert b"Worker stopped." in output


def test_two_workers_at_once_deliver_each_event_once_in_order(own_database):
    """Two workers (threads here, each with its own connections: what matters is the database
    seeing two claimers) compete for the same deliveries."""
    app, _url = own_database
    app.config.update(WEBHOOK_RETRY_BASE=0.05, WEBHOOK_RETRY_MAX_DELAY=0.2)
    receivers = [Receiver(delay=0.02).start(), Receiver(delay=0.02).start()]
    workers = [Worker(app, interval=0.02), Worker(app, interval=0.02)]
    threads = [threading.Thread(target=worker.run, daemon=True) for worker in workers]
    try:
        endpoints = [register(app, receiver.url) for receiver in receivers]
        make_tags(app, 12)
        for thread in threads:
            thread.start()
        for endpoint_id in endpoints:
            wait_until(
                lambda e=endpoint_id: count_deliveries(app, e, "delivered") == 12,
                what="delivery",
            )
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(timeout=15)
        for receiver in receivers:
            receiver.stop()
    for receiver, endpoint_id in zip(receivers, endpoints, strict=True):
        assert receiver.event_ids() == expected_events(app, endpoint_id)  # once each, in order
