"""Webhook fixtures: real HTTP receivers on 127.0.0.1, endpoints registered through the API,
and the worker's delivery pass with a controllable clock."""

from __future__ import annotations

import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask
from sqlalchemy import select

from api.db import db
from api.models import Change, WebhookDelivery
from api.services import webhooks


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 recording every request it gets. It answers the statuses of
    `script` in turn, then `default`; `delay` seconds before each answer."""

    port: int = 0
    script: list[int] = field(default_factory=list)
    default: int = 200
    delay: float = 0.0
    location: str = ""  # the Location of a 3xx
    tls: ssl.SSLContext | None = None  # HTTPS with this server context
    requests: list[Received] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status = receiver.script.pop(0) if receiver.script else receiver.default
                    receiver.answered.append(status)
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def event_ids(self) -> list[str]:
        with self._lock:
            return [request.event_id for request in self.requests]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The requests, once there are at least `count` of them."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.requests)} requests received, not {count}")
            time.sleep(0.02)
        return list(self.requests)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def canary() -> Iterator[Receiver]:
    """A loopback receiver that nothing may reach."""
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def register(client, admin):
    """Register a webhook through the API; returns its data, secret included."""

    def make(url: str, events: list[str] | None = None, **extra) -> dict:
        body = {"url": url, "events": events or ["*"], **extra}
        response = client.post("/v1/webhooks", json=body, headers=admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    return make


@pytest.fixture
def deliver(app: Flask):
    """One delivery pass of the worker (`now`: the clock it reads)."""

    def run(now: datetime | None = None) -> int:
        settings = webhooks.DeliverySettings.from_config(app.config)
        return webhooks.deliver_due(db.session, settings, now=now)

    return run


def event_ids_in_order(endpoint_id: str) -> list[str]:
    """The events queued for an endpoint, in change order."""
    stmt = (
        select(Change.event_id)
        .join(WebhookDelivery, WebhookDelivery.change_id == Change.id)
        .where(WebhookDelivery.endpoint_id == uuid.UUID(endpoint_id))
        .order_by(WebhookDelivery.id)
    )
    return [str(event_id) for event_id in db.session.scalars(stmt)]
