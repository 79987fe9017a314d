"""Public URLs of the content on the publisher's website, built from configuration.

Feeds, sitemaps, structured data, webhooks and share links all take their links from here, so a
site that moves changes one setting (`NEWSDESK_SITE_URL`, `NEWSDESK_ARTICLE_PATH`, …).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from flask import current_app

_PATH_SETTINGS = {"article": "ARTICLE_PATH", "tag": "TAG_PATH", "author": "AUTHOR_PATH"}


def site_url() -> str:
    return current_app.config["SITE_URL"].rstrip("/")


def page_url(resource: str, slug: str, canonical_url: str | None = None) -> str:
    """The public page of an article, tag or author; an article's own `canonical_url` wins."""
    return page_urls(resource)(slug, canonical_url)


def page_urls(resource: str) -> Callable[[str, str | None], str]:
    """`page_url` of many pages of one kind (a list's), the configuration read once."""
    base, path = site_url(), current_app.config[_PATH_SETTINGS[resource]]

    def url(slug: str, canonical_url: str | None = None) -> str:
        return canonical_url or base + path.format(slug=quote(slug, safe=""))

    return url


def article_url(article) -> str:
    return page_url("article", article.slug, getattr(article, "canonical_url", None))


def tag_url(tag) -> str:
    return page_url("tag", tag.slug)


def author_url(author) -> str:
    return page_url("author", author.slug)
