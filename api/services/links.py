"""Public URLs of the content on the publisher's website, built from configuration.

Feeds, sitemaps, structured data, webhooks and share links all take their links from here, so a
site that moves changes one setting (`NEWSDESK_SITE_URL`, `NEWSDESK_ARTICLE_PATH`, …).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app


def site_url() -> str:
    return current_app.config["SITE_URL"].rstrip("/")


def _page(setting: str, slug: str) -> str:
    return site_url() + current_app.config[setting].format(slug=quote(slug, safe=""))


def article_url(article) -> str:
    """The article's canonical page: its own `canonical_url` when it names one."""
    return getattr(article, "canonical_url", None) or _page("ARTICLE_PATH", article.slug)


def tag_url(tag) -> str:
    return _page("TAG_PATH", tag.slug)


def author_url(author) -> str:
    return _page("AUTHOR_PATH", author.slug)
