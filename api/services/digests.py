"""The daily digest: the newsletter of one day's public articles (a day of `SITE_TIMEZONE`),
built once, then queued to every confirmed subscriber in batches that record who was served,
so an interrupted run resumes where it stopped and nobody gets it twice."""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.models import Article, Digest, DigestRecipient
from api.services import queries
from api.services.links import article_url, site_url
from api.services.mailer import MailContent, queue_mail
from api.services.newsletter import (
    UNSUBSCRIBE,
    html_document,
    mint_token,
    page_link,
    site_name,
    unsubscribe_headers,
)

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
# The footer's place in a digest's HTML: each recipient's unsubscribe link goes there
FOOTER_MARK = "<!-- footer -->"


def site_today(now: datetime | None = None) -> date:
    """Today, in the site's time zone."""
    zone = ZoneInfo(current_app.config["SITE_TIMEZONE"])
    return (now or utcnow()).astimezone(zone).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants a day of the site's time zone starts and ends (23 or 25 hours long
    when the clocks change)."""
    zone = ZoneInfo(current_app.config["SITE_TIMEZONE"])
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def french_date(day: date) -> str:
    """`mardi 21 mai 2024`."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def digest_articles(session: Session, day: date) -> list[Article]:
    """The public articles published that day, in publication order."""
    start, end = day_bounds(day)
    return list(session.scalars(queries.articles_published_between(start, end)))


@dataclass(frozen=True)
class DigestView:
    """A digest as the public may see it now: its articles still public, rendered afresh."""

    digest: Digest
    content: MailContent
    articles: list[Article]


def render_digest(day: date, articles: list[Article]) -> MailContent:
    """Subject, plain text and HTML of a day's digest, with a place for the footer."""
    name = site_name()
    subject = f"{name} — l'essentiel du {french_date(day)}"
    count = f"{len(articles)} article{'s' if len(articles) > 1 else ''}"
    text_entries = [
        f"{article.title}\n{article_url(article)}\n{article.excerpt or ''}".rstrip()
        for article in articles
    ]
    text = f"{subject}\n\n{count} publié{'s' if len(articles) > 1 else ''} ce jour.\n\n"
    text += "\n\n".join(text_entries) + "\n"
    e = html.escape
    entries = "\n".join(
        '<div style="margin:0 0 24px">\n'
        f'<h2 style="font-size:20px;margin:0 0 4px"><a href="{e(article_url(article))}" '
        f'style="color:#111827">{e(article.title)}</a></h2>\n'
        + (f'<p style="margin:0 0 4px">{e(article.excerpt)}</p>\n' if article.excerpt else "")
        + f'<p style="margin:0"><a href="{e(article_url(article))}">Lire l\'article</a></p>\n'
        "</div>"
        for article in articles
    )
    body = (
        f'<h1 style="font-size:24px"><a href="{e(site_url())}" style="color:#111827">'
        f"{e(name)}</a></h1>\n"
        f"<p>L'essentiel du {e(french_date(day))} : {count}.</p>\n"
        f"{entries}\n{FOOTER_MARK}"
    )
    return MailContent(subject=subject, text=text, html=html_document(subject, body))


def build_digest(session: Session, day: date, now: datetime | None = None) -> Digest | None:
    """The day's digest: the one built already, else a new one from the day's public articles;
    None when there were none. Flushes, never commits.

    A digest built already is sent as built, unless one of its articles stopped being public
    since: then it is rebuilt without it (none left: None), so that no later batch mails it.
    """
    digest = session.scalar(queries.digest_by_date(day))
    if digest is not None:
        return _without_hidden_articles(session, digest)
    articles = digest_articles(session, day)
    if not articles:
        return None
    content = render_digest(day, articles)
    digest = Digest(
        date=day,
        subject=content.subject,
        html=content.html,
        text=content.text,
        article_ids=[str(article.id) for article in articles],
        built_at=now or utcnow(),
    )
    session.add(digest)
    session.flush()
    return digest


def _without_hidden_articles(session: Session, digest: Digest) -> Digest | None:
    ids = [uuid.UUID(article_id) for article_id in digest.article_ids]
    articles = list(session.scalars(queries.public_articles_among(ids)))
    if [article.id for article in articles] == ids:
        return digest
    if not articles:
        return None
    content = render_digest(digest.date, articles)
    digest.subject, digest.html, digest.text = content.subject, content.html, content.text
    digest.article_ids = [str(article.id) for article in articles]
    session.flush()
    return digest


def recipients_left(session: Session, digest: Digest) -> int:
    """Confirmed subscribers the digest has not been queued to yet."""
    stmt = queries.digest_recipients_to_serve(digest.id)
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def with_footer(content: MailContent, unsubscribe_url: str) -> MailContent:
    """One recipient's copy: the digest with its own unsubscribe link at the bottom."""
    name = site_name()
    e = html.escape
    footer = (
        f'<hr>\n<p style="font-size:12px;color:#6b7280">Vous recevez cette lettre parce que '
        f"vous êtes inscrit à la newsletter {e(name)}. "
        f'<a href="{e(unsubscribe_url)}">Se désinscrire en un clic</a></p>'
    )
    text = (
        f"{content.text}\n-- \nVous recevez cette lettre parce que vous êtes inscrit à la "
        f"newsletter {name}.\nSe désinscrire en un clic : {unsubscribe_url}\n"
    )
    before, mark, after = content.html.rpartition(FOOTER_MARK)
    page = f"{before}{footer}{after}" if mark else content.html
    return MailContent(subject=content.subject, text=text, html=page)


def queue_digest_batch(
    session: Session, digest: Digest, batch_size: int, now: datetime | None = None
) -> list[int]:
    """Queue the digest to the next `batch_size` confirmed subscribers not yet served, each
    recorded as served in the same transaction; the ids of the mails queued (none: all done).
    Flushes, never commits: commit each batch."""
    now = now or utcnow()
    subscribers = session.scalars(
        queries.digest_recipients_to_serve(digest.id).limit(batch_size)
    ).all()
    content = MailContent(subject=digest.subject, text=digest.text, html=digest.html)
    mail_ids = []
    for subscriber in subscribers:
        token = mint_token(subscriber, UNSUBSCRIBE, now)
        mail = queue_mail(
            session,
            kind="digest",
            recipient=subscriber.email,
            subscriber_id=subscriber.id,
            content=with_footer(content, page_link("NEWSLETTER_UNSUBSCRIBE_URL", token)),
            headers=unsubscribe_headers(token),
            now=now,
        )
        session.add(
            DigestRecipient(
                digest_id=digest.id, subscriber_id=subscriber.id, mail_id=mail.id, created_at=now
            )
        )
        mail_ids.append(mail.id)
    session.flush()
    return mail_ids


def public_digest(session: Session, day: date) -> DigestView | None:
    """The day's digest as the public may read it: only its articles still public (one
    unpublished or deleted since is left out), rendered as they read now; None when no digest
    was built that day or none of its articles is public any more."""
    digest = session.scalar(queries.digest_by_date(day))
    if digest is None:
        return None
    ids = [uuid.UUID(article_id) for article_id in digest.article_ids]
    articles = list(session.scalars(queries.public_articles_among(ids)))
    if not articles:
        return None
    content = render_digest(day, articles)
    page = content.html.replace(f"\n{FOOTER_MARK}", "")
    return DigestView(
        digest=digest,
        content=MailContent(subject=content.subject, text=content.text, html=page),
        articles=articles,
    )
