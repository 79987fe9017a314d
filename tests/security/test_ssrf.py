"""SSRF, end to end: webhook URLs to private, loopback, link-local or metadata addresses,
however written (decimal, octal, hexadecimal, IPv6-mapped, [::1], 0.0.0.0), a public-looking
name that resolves to loopback (at once, or only by delivery time) and a public receiver that
redirects to loopback are refused at registration through the API and by the worker before
any connection, with the production settings. Loopback canaries, listening where those URLs
point, count every connection they accept: zero. (The guard alone: tests/webhooks/.)

The API fetches no other URL: feature image URLs are stored and shown, never fetched.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from api.config import DEFAULTS
from api.db import db
from api.models import WebhookDelivery, WebhookEndpoint
from api.services import netguard, webhooks
from tests.conftest import assert_problem


class Canary:
    """An HTTP server on a loopback address that records every connection it accepts, and
    answers `status` (with `location`) to any request."""

    def __init__(self, host: str, status: int = 204, location: str = ""):
        self.host, self.status, self.location = host, status, location
        self.connections: list[str] = []
        canary = self

        class Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            daemon_threads = True

            def verify_request(self, _request, client_address) -> bool:
                canary.connections.append(str(client_address[0]))
                return True

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(canary.status)
                if canary.location:
                    self.send_header("Location", canary.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_HEAD = _answer  # noqa: N815

            def log_message(self, *_args):
                pass

        self.server = Server((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/hooks"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canaries() -> Iterator[dict[str, Canary]]:
    started = {"v4": Canary("127.0.0.1"), "v6": Canary("::1")}
    yield started
    for canary in started.values():
        canary.stop()


@pytest.fixture
def production(app, monkeypatch) -> None:
    """The production setting: no network opened to webhooks (the suite's config opens
    loopback for its local receivers)."""
    assert DEFAULTS["WEBHOOK_ALLOWED_NETWORKS"] == ""
    monkeypatch.setitem(
        app.config, "WEBHOOK_ALLOWED_NETWORKS", DEFAULTS["WEBHOOK_ALLOWED_NETWORKS"]
    )


def non_public_urls(v4: int, v6: int) -> list[str]:
    """Where a webhook may not go; the loopback ones at the canaries' ports."""
    return [
        f"http://127.0.0.1:{v4}/hooks",
        f"http://localhost:{v4}/hooks",
        f"http://127.0.0.1.:{v4}/hooks",
        f"http://2130706433:{v4}/hooks",  # 127.0.0.1, decimal
        f"http://0177.0.0.1:{v4}/hooks",  # octal
        f"http://0x7f.0.0.1:{v4}/hooks",  # hexadecimal
        f"http://017700000001:{v4}/hooks",
        f"http://127.1:{v4}/hooks",
        f"http://0.0.0.0:{v4}/hooks",  # reaches loopback on Linux
        f"http://0:{v4}/hooks",
        f"http://[::ffff:127.0.0.1]:{v4}/hooks",  # IPv4-mapped
        f"http://[::ffff:7f00:1]:{v4}/hooks",
        f"http://[::127.0.0.1]:{v4}/hooks",  # IPv4-compatible
        f"http://[::1]:{v6}/hooks",
        f"http://[0:0:0:0:0:0:0:1]:{v6}/hooks",
        f"http://[::]:{v6}/hooks",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
        "http://10.0.0.1/hooks",
        "http://172.16.0.1/hooks",
        "http://192.168.1.1/hooks",
        "http://100.64.0.1/hooks",
        "http://[fe80::1]/hooks",
        "http://[fc00::1]/hooks",
    ]


def _event(client, editor) -> None:
    """A change every endpoint subscribed to `*` gets."""
    assert client.post("/v1/tags", json={"name": "Canari"}, headers=editor).status_code == 201


def _deliver(app) -> None:
    webhooks.deliver_due(db.session, webhooks.DeliverySettings.from_config(app.config))


def _errors(session) -> list[str]:
    return list(session.scalars(select(WebhookDelivery.error).order_by(WebhookDelivery.id)))


def test_the_canaries_hear_a_delivery_that_is_allowed(
    app, session, client, admin, editor, canaries
):
    """The proof below is not vacuous: where loopback is allowed (the suite's setting), a
    delivery does reach each canary (the IPv6 one by a stored URL: the API's URL format
    takes no IPv6 literal)."""
    assert app.config["WEBHOOK_ALLOWED_NETWORKS"]
    body = {"url": canaries["v4"].url, "events": ["*"]}
    assert client.post("/v1/webhooks", json=body, headers=admin).status_code == 201
    session.add(WebhookEndpoint(url=canaries["v6"].url, events=["*"], secret=webhooks.new_secret()))
    session.commit()
    _event(client, editor)
    _deliver(app)
    assert all(canary.connections for canary in canaries.values())


@pytest.mark.usefixtures("production")
def test_non_public_urls_are_refused_at_registration(app, client, admin, editor, canaries):
    urls = non_public_urls(canaries["v4"].port, canaries["v6"].port)
    for url in urls:
        response = client.post("/v1/webhooks", json={"url": url, "events": ["*"]}, headers=admin)
        assert_problem(response, 422, "url")
        created = client.post(
            "/v1/webhooks", json={"url": "https://8.8.8.8/hooks", "events": ["*"]}, headers=admin
        )
        assert created.status_code == 201  # a public address passes (never contacted: no event)
        one = f"/v1/webhooks/{created.get_json()['data']['id']}"
        etag = client.get(one, headers=admin).headers["ETag"]
        changed = client.patch(one, json={"url": url}, headers={**admin, "If-Match": etag})
        assert_problem(changed, 422, "url")
        assert client.delete(one, headers={**admin, "If-Match": etag}).status_code == 204
    assert client.get("/v1/webhooks", headers=admin).get_json()["meta"]["total"] == 0
    _event(client, editor)
    _deliver(app)
    assert {name: c.connections for name, c in canaries.items()} == {"v4": [], "v6": []}


@pytest.mark.usefixtures("production")
def test_stored_non_public_urls_are_never_contacted_by_the_worker(
    app, session, client, editor, canaries
):
    """URLs stored before a rule existed, or by hand: the worker vets each before sending."""
    urls = non_public_urls(canaries["v4"].port, canaries["v6"].port)
    for url in urls:
        session.add(WebhookEndpoint(url=url, events=["*"], secret=webhooks.new_secret()))
    session.commit()
    _event(client, editor)
    _deliver(app)
    errors = _errors(session)
    assert len(errors) == len(urls)
    assert all(error.startswith("Refused: ") for error in errors), errors
    assert {name: c.connections for name, c in canaries.items()} == {"v4": [], "v6": []}


PUBLIC = "93.184.215.14"


@pytest.fixture
def dns(monkeypatch) -> dict[str, list[str]]:
    """Names this test resolves itself: name → addresses (others resolve as usual)."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        return [
            (
                socket.AF_INET6 if ipaddress.ip_address(a).version == 6 else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in answers[host]
        ]

    monkeypatch.setattr(netguard.socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.mark.usefixtures("production")
def test_a_public_looking_name_that_resolves_to_loopback_is_refused(
    app, client, admin, canaries, dns
):
    port = canaries["v4"].port
    dns["hooks.partner-newsroom.com"] = ["127.0.0.1"]
    dns["cdn.partner-newsroom.com"] = [PUBLIC, "127.0.0.1"]  # one bad address is enough
    dns["v6.partner-newsroom.com"] = ["::ffff:127.0.0.1"]
    for host in dns:
        body = {"url": f"http://{host}:{port}/hooks", "events": ["*"]}
        assert_problem(client.post("/v1/webhooks", json=body, headers=admin), 422, "url")
    assert canaries["v4"].connections == []


@pytest.mark.usefixtures("production")
def test_a_name_rebound_to_loopback_after_registration_is_never_contacted(
    app, session, client, admin, editor, canaries, dns
):
    port = canaries["v4"].port
    dns["hooks.partner-newsroom.com"] = [PUBLIC]
    body = {"url": f"http://hooks.partner-newsroom.com:{port}/hooks", "events": ["*"]}
    assert client.post("/v1/webhooks", json=body, headers=admin).status_code == 201
    dns["hooks.partner-newsroom.com"] = ["127.0.0.1"]  # DNS rebinding
    _event(client, editor)
    _deliver(app)
    [error] = _errors(session)
    assert error.startswith("Refused: hooks.partner-newsroom.com resolves to"), error
    assert canaries["v4"].connections == []


def test_a_receiver_redirecting_to_loopback_is_not_followed(
    app, session, client, admin, editor, canaries, monkeypatch
):
    """The one receiver allowed (127.0.0.2 stands for a public address: only it is opened)
    answers redirects to the canaries, in several spellings: none is followed."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "127.0.0.2/32")
    v4, v6 = canaries["v4"].port, canaries["v6"].port
    targets = [
        canaries["v4"].url,
        canaries["v6"].url,
        f"http://2130706433:{v4}/hooks",
        f"http://[::ffff:127.0.0.1]:{v4}/hooks",
        f"http://localhost:{v6}/hooks",
    ]
    receivers = [
        Canary("127.0.0.2", status=status, location=target)
        for target in targets
        for status in (302, 307)
    ]
    try:
        for receiver in receivers:
            body = {"url": receiver.url, "events": ["*"]}
            assert client.post("/v1/webhooks", json=body, headers=admin).status_code == 201
        _event(client, editor)
        _deliver(app)
        assert all(len(receiver.connections) == 1 for receiver in receivers)
    finally:
        for receiver in receivers:
            receiver.stop()
    errors = _errors(session)
    assert len(errors) == len(receivers)
    assert all("redirects are not followed" in error for error in errors), errors
    assert {name: c.connections for name, c in canaries.items()} == {"v4": [], "v6": []}
