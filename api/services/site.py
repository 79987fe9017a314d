"""The site: its settings (one row, configuration standing in until saved), its identity for
feeds and sitemaps, and the data a frontend builds a page with."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from api.db import db
from api.models import SiteSettings
from api.models.site import SITE_SETTINGS_ID
from api.services import links, queries

API_PREFIX = "/v1"
FEED_ENDPOINTS = {
    "rss": "feeds.SiteFeedRss",
    "atom": "feeds.SiteFeedAtom",
    "json": "feeds.SiteFeedJson",
}
# Request fields (nested ones flattened) → columns
_COLUMNS = {
    "name": "name",
    "language": "language",
    "logo_url": "logo_url",
    "share_label": "share_label",
    "about.heading": "about_heading",
    "about.text": "description",
    "newsletter.heading": "newsletter_heading",
    "newsletter.text": "newsletter_text",
    "newsletter.privacy": "newsletter_privacy",
}


@dataclass(frozen=True)
class SiteIdentity:
    """What feeds, sitemaps and structured data say of the publisher."""

    name: str
    language: str
    description: str | None
    logo_url: str | None


def site_settings(session: Session) -> SiteSettings:
    """The saved settings, or (unsaved) the configuration's name, language and logo."""
    settings = session.scalar(queries.site_settings())
    if settings is not None:
        return settings
    config = current_app.config
    return SiteSettings(
        id=SITE_SETTINGS_ID,
        name=config["SITE_NAME"],
        language=config["SITE_LANGUAGE"],
        logo_url=config["SITE_LOGO_URL"] or None,
    )


def site_identity(session: Session | None = None) -> SiteIdentity:
    """The site's name, language, description and logo, as admins last set them (one query)."""
    settings = site_settings(session or db.session)
    return SiteIdentity(
        name=settings.name,
        language=settings.language,
        description=settings.description,
        logo_url=settings.logo_url,
    )


def save_site_settings(session: Session, data: dict) -> SiteSettings:
    """Set the fields `data` holds (a partial `SiteUpdateSchema` load), creating the row the
    first time. Flushes, never commits.

    Of two writers of the same version the second fails with `StaleDataError` (a 412): the
    version column guards an update, the primary key a first creation."""
    settings = site_settings(session)
    for key, value in data.items():
        fields = value.items() if isinstance(value, dict) else [(None, value)]
        for inner, inner_value in fields:
            setattr(settings, _COLUMNS[f"{key}.{inner}" if inner else key], inner_value)
    if settings in session:
        session.flush()
        return settings
    try:
        with session.begin_nested():
            session.add(settings)
    except IntegrityError as error:
        raise StaleDataError("The site's settings were created meanwhile.") from error
    return settings


def newsletter_subscriber_count(session: Session) -> int:
    """Confirmed subscribers, rounded down to the hundred: 18,437 → 18,400, 99 → 0."""
    return session.scalar(queries.confirmed_subscriber_count()) // 100 * 100


def site_urls() -> dict:
    """The public website's URL, and where the API, its docs, feeds and sitemap are served."""
    return {
        "site": links.site_url(),
        "api": request.url_root.rstrip("/") + API_PREFIX,
        "docs": url_for("docs.swagger_ui", _external=True),
        "redoc": url_for("docs.redoc", _external=True),
        "openapi": url_for("api-docs.openapi_json", _external=True),
        "feeds": {fmt: url_for(view, _external=True) for fmt, view in FEED_ENDPOINTS.items()},
        "sitemap": url_for("sitemaps.SitemapIndex", _external=True),
    }


def site_data(session: Session) -> dict:
    """The site as `GET /v1/site` shows it (`SiteSchema`)."""
    settings = site_settings(session)
    return {
        "name": settings.name,
        "description": settings.description,
        "language": settings.language,
        "about": {"heading": settings.about_heading, "text": settings.description},
        "logo_url": settings.logo_url,
        "newsletter": {
            "heading": settings.newsletter_heading,
            "text": settings.newsletter_text,
            "privacy": settings.newsletter_privacy,
            "subscriber_count": newsletter_subscriber_count(session),
        },
        "urls": site_urls(),
        "share_label": settings.share_label,
        "updated_at": settings.updated_at,
    }
