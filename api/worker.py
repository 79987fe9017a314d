"""The background worker (`flask --app api webhooks work`): each tick runs every queue's job.

A job is a function of a `Tick` returning how much it did; a queue joins the worker by adding
its job to `JOBS`. Each tick has its own application context, so its own database session;
a job that fails is logged and rolled back, and the next tick tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from api import idempotency
from api.db import db
from api.services import changes, mailer, webhooks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tick:
    session: Session
    config: Mapping
    now: datetime | None  # None: the real clock (tests fix it)
    should_stop: Callable[[], bool]
    first: bool = False  # the worker's first tick since it started


def announce_scheduled(tick: Tick) -> int:
    """Record the publication of scheduled articles whose time has come (their webhooks
    are queued with it); at start, of every public article never announced (published while
    no worker ran)."""
    announced = changes.announce_due(tick.session, full=tick.first)
    tick.session.commit()
    return len(announced)


def deliver_webhooks(tick: Tick) -> int:
    """Attempt every due webhook delivery."""
    settings = webhooks.DeliverySettings.from_config(tick.config)
    return webhooks.deliver_due(tick.session, settings, now=tick.now, should_stop=tick.should_stop)


def purge_idempotency_keys(tick: Tick) -> int:
    """Forget the Idempotency-Key records whose time is up (an indexed range delete)."""
    deleted = idempotency.purge_expired(tick.session, now=tick.now)
    tick.session.commit()
    return deleted


Job = Callable[[Tick], int]
JOBS: tuple[Job, ...] = (
    announce_scheduled,
    deliver_webhooks,
    mailer.deliver_mails,
    purge_idempotency_keys,
)


def run_tick(
    app: Flask,
    *,
    now: datetime | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    jobs: tuple[Job, ...] = JOBS,
    first: bool = False,
) -> dict[str, int]:
    """One pass of every job; what each did (a job that failed is absent)."""
    done: dict[str, int] = {}
    with app.app_context():
        session = db.session
        for job in jobs:
            if should_stop():
                break
            try:
                done[job.__name__] = job(Tick(session, app.config, now, should_stop, first))
            except Exception:  # the worker outlives a job's failure (a database restart…)
                log.exception("worker job %s failed; retrying next tick", job.__name__)
                session.rollback()
    return done


class Worker:
    """Runs ticks every `interval` seconds until `stop()` (which a signal handler may call:
    the delivery in flight finishes, then the loop ends)."""

    def __init__(self, app: Flask, interval: float = 2.0, jobs: tuple[Job, ...] = JOBS):
        self.app, self.interval, self.jobs = app, interval, jobs
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self, *, once: bool = False) -> None:
        first = True
        while not self.stopping:
            done = run_tick(
                self.app, should_stop=lambda: self.stopping, jobs=self.jobs, first=first
            )
            first = first and "announce_scheduled" not in done  # until it succeeds once
            if once:
                break
            self._stopping.wait(self.interval)
