"""The outbox: mails wait in the database until an SMTP server takes them, with retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from api.db import utcnow
from api.models import Mail
from api.services import mailer
from tests.newsletter.conftest import free_port, mails_to

ADDRESS = "jean.dupont@exemple.fr"


def test_a_mail_waits_while_the_server_is_down_then_goes(
    app, session, sign_up, smtp, monkeypatch, app_logs
):
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nobody
    sign_up(ADDRESS)
    now = utcnow()
    assert mailer.send_due_mails(session, now) == 0
    [mail] = mails_to(session, ADDRESS)
    assert (mail.status, mail.attempts) == ("pending", 1)
    assert mail.next_attempt_at == now + timedelta(seconds=app.config["MAIL_RETRY_BASE"])
    assert "ConnectionRefusedError" in mail.last_error
    assert f"mail {mail.id}" in app_logs() and ADDRESS not in app_logs()

    monkeypatch.setitem(app.config, "SMTP_URL", smtp.url)  # the server is back
    assert mailer.send_due_mails(session, now + timedelta(seconds=1)) == 0  # not due yet
    later = now + timedelta(seconds=app.config["MAIL_RETRY_BASE"])
    assert mailer.send_due_mails(session, later) == 1
    session.refresh(mail)
    assert (mail.status, mail.attempts, mail.last_error) == ("sent", 2, None)
    assert mail.sent_at is not None
    assert len(smtp.mailbox.to(ADDRESS)) == 1
    assert mailer.send_due_mails(session, later + timedelta(days=1)) == 0  # sent once


def test_retries_back_off_exponentially_then_give_up(app, session, sign_up, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 4)
    sign_up(ADDRESS)
    [mail] = mails_to(session, ADDRESS)
    now, delays = utcnow(), []
    for _ in range(4):
        mailer.send_due_mails(session, now)
        session.refresh(mail)
        delays.append((mail.next_attempt_at - now).total_seconds())
        now = mail.next_attempt_at
    base = app.config["MAIL_RETRY_BASE"]
    assert delays[:3] == [base, base * 2, base * 4]
    assert (mail.status, mail.attempts) == ("failed", 4)
    assert mailer.send_due_mails(session, now + timedelta(days=30)) == 0


def test_backoff_is_capped(app):
    assert mailer.retry_delay(1) == timedelta(seconds=app.config["MAIL_RETRY_BASE"])
    assert mailer.retry_delay(50) == timedelta(seconds=app.config["MAIL_RETRY_MAX_DELAY"])


def test_without_smtp_url_mails_stay_queued(app, session, sign_up, monkeypatch, app_logs):
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    sign_up(ADDRESS)
    assert mailer.send_due_mails(session) == 0
    [mail] = mails_to(session, ADDRESS)
    assert (mail.status, mail.attempts) == ("pending", 0)
    assert "stay queued" in app_logs() and ADDRESS not in app_logs()


def test_a_server_wanting_a_password_gets_it(app, session, sign_up, smtp_servers, monkeypatch):
    server = smtp_servers["auth"]
    server.mailbox.clear()
    monkeypatch.setitem(app.config, "SMTP_URL", server.url)
    sign_up(ADDRESS)
    assert mailer.send_due_mails(session) == 1
    assert len(server.mailbox.to(ADDRESS)) == 1


def test_a_server_refusing_the_login_is_retried_later(
    app, session, sign_up, smtp_servers, monkeypatch
):
    server = smtp_servers["auth"]
    monkeypatch.setitem(app.config, "SMTP_URL", server.url.replace("s3cret", "wrong"))
    sign_up(ADDRESS)
    assert mailer.send_due_mails(session) == 0
    [mail] = mails_to(session, ADDRESS)
    assert mail.status == "pending" and "SMTPAuthenticationError" in mail.last_error


def test_a_temporary_refusal_is_retried(session, sign_up, smtp):
    smtp.mailbox.refuse[ADDRESS] = "450 4.2.0 Mailbox busy"
    sign_up(ADDRESS)
    sign_up("autre@exemple.fr")
    assert mailer.send_due_mails(session) == 1  # the other mail still goes
    [mail] = mails_to(session, ADDRESS)
    assert (mail.status, mail.attempts) == ("pending", 1)
    assert "450" in mail.last_error


def test_a_claimed_mail_is_not_sent_by_another_worker(session, sign_up):
    sign_up(ADDRESS)
    [mail] = mails_to(session, ADDRESS)
    now = utcnow()
    assert mailer._claim(session, mail.id, now) is not None
    assert mailer._claim(session, mail.id, now) is None  # the lease holds it


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, False, False, None, None)),
        (
            "smtp://user%40site:p%3Ass@mail.example.org?starttls=true",
            ("mail.example.org", 587, False, True, "user@site", "p:ss"),
        ),
        (
            "smtps://user:pw@mail.example.org:2465",
            ("mail.example.org", 2465, True, False, "user", "pw"),
        ),
    ],
)
def test_smtp_urls(url, expected):
    settings = mailer.parse_smtp_url(url)
    assert (
        settings.host,
        settings.port,
        settings.implicit_tls,
        settings.starttls,
        settings.username,
        settings.password,
    ) == expected


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "mail.example.org"])
def test_a_bad_smtp_url_is_refused(url):
    with pytest.raises(ValueError):
        mailer.parse_smtp_url(url)


def test_messages_carry_long_headers_unfolded(session, sign_up):
    sign_up(ADDRESS)
    [mail] = mails_to(session, ADDRESS)
    raw = mailer.build_message(mail, "Newsdesk <newsletter@example.org>").as_bytes()
    header = next(line for line in raw.split(b"\r\n") if line.startswith(b"List-Unsubscribe:"))
    assert b"=?" not in header and b"/v1/newsletter/unsubscribe?token=" in header
    assert b"Content-Transfer-Encoding: quoted-printable" in raw
    assert raw.isascii()


def test_a_mail_erased_while_in_flight_is_no_error(session, sign_up, smtp, monkeypatch):
    sign_up(ADDRESS)
    [mail] = mails_to(session, ADDRESS)
    build = mailer.build_message

    def erased_meanwhile(queued, *args):
        message = build(queued, *args)
        session.execute(delete(Mail).where(Mail.id == queued.id))  # an unsubscription
        session.commit()
        return message

    monkeypatch.setattr(mailer, "build_message", erased_meanwhile)
    assert mailer.send_due_mails(session) == 1
    assert mails_to(session, ADDRESS) == []
