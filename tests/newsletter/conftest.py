"""Newsletter fixtures: a real SMTP server on 127.0.0.1 (aiosmtpd) and what it received, fresh
rate-limit counters, and helpers to read the links mails carry."""

from __future__ import annotations

import email
import logging
import re
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from api.db import db
from api.limits import reset_counters
from api.models import Mail, Subscriber
from api.services import mailer
from api.services.newsletter import normalise_email

SMTP_USER, SMTP_PASSWORD = "newsdesk", "s3cret pass"
# aiosmtpd's own loggers: the test server logs envelopes, addresses included
SMTP_SERVER_LOGGERS = ("mail.log", "mail.debug")


@dataclass
class Received:
    """One message the server accepted: its envelope and its parsed content."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None and body.get_content_subtype() == subtype, subtype
        return body.get_content()

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")

    def link(self, path: str) -> str:
        """The first URL of the text part whose path is `path`."""
        for url in re.findall(r"https?://\S+", self.text):
            if urlsplit(url).path == path:
                return url
        raise AssertionError(f"no {path} link in:\n{self.text}")

    def token(self, path: str) -> str:
        return parse_qs(urlsplit(self.link(path)).query)["token"][0]

    @property
    def one_click_url(self) -> str:
        """The HTTPS target of `List-Unsubscribe` (RFC 8058), as path and query."""
        targets = re.findall(r"<([^>]+)>", self.message["List-Unsubscribe"])
        https = [target for target in targets if target.startswith("http")]
        assert len(https) == 1, targets
        parts = urlsplit(https[0])
        return f"{parts.path}?{parts.query}"


@dataclass
class Mailbox:
    """An aiosmtpd handler keeping what it receives; refuses the addresses in `refuse`."""

    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    needs_auth: bool = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.needs_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.rcpt_tos]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.refuse.clear()


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpServer:
    mailbox: Mailbox
    port: int
    authenticated: bool

    @property
    def url(self) -> str:
        if self.authenticated:
            return f"smtp://{SMTP_USER}:{SMTP_PASSWORD.replace(' ', '%20')}@127.0.0.1:{self.port}"
        return f"smtp://127.0.0.1:{self.port}"


def _start(mailbox: Mailbox, **options) -> tuple[Controller, int]:
    port = free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True, **options
    )
    controller.start()
    return controller, port


@pytest.fixture(scope="session")
def smtp_servers():
    """Two real SMTP servers for the session: an open one, and one that wants a password
    (AUTH over plain text, as a test server may allow; it refuses recipients until then)."""
    open_box, auth_box = Mailbox(), Mailbox(needs_auth=True)
    open_controller, open_port = _start(open_box)
    auth_controller, auth_port = _start(
        auth_box, authenticator=_authenticate, auth_require_tls=False
    )
    yield {
        "open": SmtpServer(open_box, open_port, authenticated=False),
        "auth": SmtpServer(auth_box, auth_port, authenticated=True),
    }
    open_controller.stop()
    auth_controller.stop()


@pytest.fixture
def smtp(app, smtp_servers, monkeypatch) -> SmtpServer:
    """The open SMTP server, emptied, named in the app's `SMTP_URL` for this test."""
    server = smtp_servers["open"]
    server.mailbox.clear()
    monkeypatch.setitem(app.config, "SMTP_URL", server.url)
    return server


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Every test signs up from the same address: each starts with whole quotas."""
    reset_counters(app)
    yield
    reset_counters(app)


@pytest.fixture
def sign_up(client):
    def post(address: str, *, source: str = "article-footer", **overrides):
        body = {"email": address, "consent": True, "source": source, **overrides}
        return client.post("/v1/newsletter/subscriptions", json=body)

    return post


@pytest.fixture
def send_mails(session):
    """Send the mails due now (or at `now`), as the worker would; how many were sent."""

    def send(now=None) -> int:
        return mailer.send_due_mails(session, now)

    return send


def subscriber_of(session, address: str) -> Subscriber | None:
    stmt = select(Subscriber).where(Subscriber.email == normalise_email(address))
    return session.scalar(stmt.execution_options(populate_existing=True))


def mails_to(session, address: str) -> list[Mail]:
    stmt = select(Mail).where(Mail.recipient == normalise_email(address)).order_by(Mail.id)
    return list(session.scalars(stmt.execution_options(populate_existing=True)))


@pytest.fixture
def confirmed(sign_up, smtp, send_mails, client, session):
    """Subscribe, receive the confirmation mail, follow its link: a confirmed subscriber."""

    def make(address: str) -> Subscriber:
        assert sign_up(address).status_code == 202
        send_mails()
        received = smtp.mailbox.to(mailer.envelope_address(normalise_email(address)))[-1]
        token = received.token("/newsletter/confirm")
        assert client.post("/v1/newsletter/confirmations", json={"token": token}).status_code == 200
        subscriber = subscriber_of(session, address)
        db.session.refresh(subscriber)
        assert subscriber.status == "confirmed"
        return subscriber

    return make


@pytest.fixture
def app_logs(caplog):
    """Every log record the app writes (the test SMTP server's own logs aside)."""
    caplog.set_level(logging.DEBUG)

    def text() -> str:
        return "\n".join(
            f"{record.name} {record.getMessage()} {record.exc_text or ''}"
            for record in caplog.records
            if not record.name.startswith(SMTP_SERVER_LOGGERS)
        )

    return text
