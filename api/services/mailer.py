"""Mail: the durable outbox (queued in the caller's transaction), MIME messages, and sending
over SMTP with retries.

Every mail is a row of `newsletter_mails` first, written in the same transaction as what
caused it (a sign-up, a digest batch), so none is lost and none is sent for a change that
rolled back. `send_due_mails`, run by the worker each tick (and by `flask newsletter digest`),
claims due mails one by one with a conditional UPDATE (two workers never send the same one),
sends them over one SMTP connection, and schedules a failed one again after
`MAIL_RETRY_BASE * 2^(attempts - 1)` seconds (at most `MAIL_RETRY_MAX_DELAY`), until
`MAIL_MAX_ATTEMPTS`. Addresses never reach a log line: mails are named by id and subscriber id.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.db import utcnow
from api.models import Mail
from api.services import queries

log = logging.getLogger(__name__)

# Headers folded at 78 characters would split a List-Unsubscribe URL into encoded words that
# no mail client reads back: fold only past RFC 5322's hard limit
MESSAGE_POLICY = policy.SMTP.clone(max_line_length=998)
# A claimed mail is not due again before this, however its attempt ends (a crash mid-send)
CLAIM_LEASE = timedelta(minutes=10)
# Statuses of an SMTP reply that refuses for good (5xx): no retry will change the answer
PERMANENT = range(500, 600)


@dataclass(frozen=True)
class MailContent:
    """A mail's subject and its two alternative bodies."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    implicit_tls: bool  # smtps://
    starttls: bool
    username: str | None
    password: str | None
    timeout: float


def parse_smtp_url(url: str, timeout: float = 30.0) -> SmtpSettings:
    """`smtp://user:password@host:port?starttls=true` or `smtps://user:password@host:port`
    (user and password percent-encoded); ports default to 25 (587 with STARTTLS) and 465."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:password@host:587?starttls=true")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    starttls = query.get("starttls", "").lower() in {"1", "true", "yes", "on"}
    implicit_tls = parts.scheme == "smtps"
    default_port = 465 if implicit_tls else 587 if starttls else 25
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or default_port,
        implicit_tls=implicit_tls,
        starttls=starttls and not implicit_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=float(query.get("timeout", timeout)),
    )


def queue_mail(
    session: Session,
    *,
    kind: str,
    recipient: str,
    content: MailContent,
    headers: dict[str, str],
    subscriber_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Mail:
    """Add a mail to the outbox, due at once. Flushes, never commits: it is sent only if the
    caller's transaction commits."""
    now = now or utcnow()
    mail = Mail(
        kind=kind,
        recipient=recipient,
        subscriber_id=subscriber_id,
        subject=content.subject,
        text=content.text,
        html=content.html,
        headers=dict(headers),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(mail)
    session.flush()
    return mail


def envelope_address(address: str) -> str:
    """The address as SMTP carries it: an internationalised domain in its ASCII (IDNA) form,
    so that only a non-ASCII local part needs the server's SMTPUTF8."""
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return address
    return valid.ascii_email or address


def build_message(mail: Mail, sender: str, now: datetime | None = None) -> EmailMessage:
    """The MIME message of a queued mail: UTF-8, a plain text part and its HTML alternative,
    quoted-printable (no 8BITMIME needed), with the mail's own headers (List-Unsubscribe…)."""
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["From"] = sender
    message["To"] = envelope_address(mail.recipient)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now or utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(f"newsdesk.{mail.id}", domain=domain)
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text, cte="quoted-printable")
    message.add_alternative(mail.html, subtype="html", cte="quoted-printable")
    message["Content-Language"] = "fr"  # after the bodies: setting content clears Content-*
    return message


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, authenticated SMTP session."""
    context = ssl.create_default_context()
    if settings.implicit_tls:
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.starttls:
            connection.starttls(context=context)
        if settings.username:
            connection.login(settings.username, settings.password or "")
    except BaseException:
        connection.close()
        raise
    return connection


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failure."""
    config = current_app.config
    seconds = config["MAIL_RETRY_BASE"] * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX_DELAY"]))


def describe_error(error: BaseException, mail: Mail) -> str:
    """What went wrong, for `last_error` and the log: the error's class and SMTP status, its
    text with the recipient's address taken out (servers quote it back)."""
    text = str(error)
    for address in {mail.recipient, envelope_address(mail.recipient)}:
        text = text.replace(address, "<recipient>")
    code = smtp_status(error)
    prefix = f"{type(error).__name__}" + (f" {code}" if code else "")
    return f"{prefix}: {text}"[:500]


def smtp_status(error: BaseException) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return codes[0] if codes else None
    return getattr(error, "smtp_code", None)


def _is_permanent(error: BaseException) -> bool:
    """The server refused this mail for good (an unknown mailbox): retrying changes nothing."""
    refusal = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
    return isinstance(error, refusal) and smtp_status(error) in PERMANENT


def _is_about_this_mail(error: BaseException) -> bool:
    """The session survives an error about one mail; any other error ends it."""
    return isinstance(
        error,
        (
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPDataError,
            smtplib.SMTPSenderRefused,
            smtplib.SMTPNotSupportedError,  # a non-ASCII address, and no SMTPUTF8
        ),
    )


def _claim(session: Session, mail_id: int, now: datetime) -> Mail | None:
    """Take a due mail for this attempt, or None when another worker took it first."""
    claimed = session.execute(
        update(Mail)
        .where(Mail.id == mail_id, Mail.status == "pending", Mail.next_attempt_at <= now)
        .values(attempts=Mail.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if not claimed:
        return None
    return session.get(Mail, mail_id, populate_existing=True)


def _settle(session: Session, mail: Mail, **values) -> None:
    """Record an attempt's outcome and commit. A conditional UPDATE, not a flush: the mail may
    have gone while it was in flight (its subscriber unsubscribed or was erased), and then
    there is nothing left to record."""
    session.execute(
        update(Mail)
        .where(Mail.id == mail.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _record_failure(session: Session, mail: Mail, error: BaseException, now: datetime) -> None:
    config = current_app.config
    last_error = describe_error(error, mail)
    if _is_permanent(error) or mail.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        _settle(session, mail, status="failed", last_error=last_error)
        log.warning(
            "mail %s (%s, subscriber %s) failed for good after %d attempts: %s",
            mail.id,
            mail.kind,
            mail.subscriber_id,
            mail.attempts,
            last_error,
        )
    else:
        retry_at = now + retry_delay(mail.attempts)
        _settle(session, mail, next_attempt_at=retry_at, last_error=last_error)
        log.warning(
            "mail %s (%s, subscriber %s) not sent, attempt %d, retry at %s: %s",
            mail.id,
            mail.kind,
            mail.subscriber_id,
            mail.attempts,
            retry_at.isoformat(),
            last_error,
        )


def send_due_mails(
    session: Session,
    now: datetime | None = None,
    *,
    limit: int = 200,
    only: Iterable[int] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Send the mails due at `now` (at most `limit`; only the ids in `only` when given) over
    one SMTP session; returns how many were sent. Commits after each mail.

    Without `SMTP_URL` nothing is sent: the mails stay queued. A failure to reach or talk to
    the server ends the run (the mail in hand is retried later; the others stay due).
    """
    now = now or utcnow()
    config = current_app.config
    due = list(session.scalars(queries.due_mails(now, limit=limit, only=only)))
    if not due:
        return 0
    if not config["SMTP_URL"]:
        log.warning("SMTP_URL is unset: %d due mails stay queued.", len(due))
        return 0
    settings = parse_smtp_url(config["SMTP_URL"], config["SMTP_TIMEOUT"])
    sender = config["MAIL_FROM"]
    envelope_sender = parseaddr(sender)[1]
    connection: smtplib.SMTP | None = None
    sent = 0
    try:
        for mail_id in due:
            if should_stop():
                break
            mail = _claim(session, mail_id, now)
            if mail is None:
                continue
            try:
                if connection is None:
                    connection = connect(settings)
                connection.send_message(
                    build_message(mail, sender, now),
                    envelope_sender,
                    [envelope_address(mail.recipient)],
                )
            except (smtplib.SMTPException, OSError) as error:
                _record_failure(session, mail, error, now)
                if _is_about_this_mail(error):
                    continue
                break
            _settle(session, mail, status="sent", sent_at=utcnow(), last_error=None)
            sent += 1
            log.info("mail %s (%s, subscriber %s) sent", mail.id, mail.kind, mail.subscriber_id)
    finally:
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
    return sent


def deliver_mails(tick) -> int:
    """The worker's job (api/worker.py): send the mails due now."""
    return send_due_mails(tick.session, tick.now, should_stop=tick.should_stop)
