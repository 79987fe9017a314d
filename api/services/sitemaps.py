"""Sitemaps of the public website (https://www.sitemaps.org/protocol.html): an index of
article pages, tags, authors and a Google News sitemap, written with the standard library."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import url_for
from sqlalchemy.orm import Session

from api.models import Author, Tag
from api.services import links, queries
from api.services.site import site_identity
from api.services.xml_text import xml_text

# URLs in one article sitemap (the protocol allows 50,000 and 50 MB): small enough to build
# in memory, and a million articles make an index of 100
PAGE_SIZE = 10_000
# Tags and authors each fit one sitemap: the protocol's limit
PEOPLE_AND_TOPICS_LIMIT = 50_000
# Google News reads articles published in the last two days, at most 1,000 a sitemap
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
ET.register_namespace("news", NEWS_NS)


@dataclass(frozen=True)
class Entry:
    """One `<url>` of a sitemap, or one `<sitemap>` of an index."""

    loc: str
    lastmod: datetime | None = None


@dataclass(frozen=True)
class NewsEntry:
    """One article of a Google News sitemap."""

    loc: str
    title: str
    language: str
    published_at: datetime
    lastmod: datetime


def newest(*moments: datetime | None) -> datetime | None:
    """The latest of the times given (None ones aside), or None."""
    return max((moment for moment in moments if moment is not None), default=None)


def on_site(url: str) -> bool:
    """A sitemap lists only its own site's pages: an article whose canonical URL is elsewhere
    belongs to that site's sitemap."""
    site = links.site_url()
    return url == site or url.startswith(site + "/")


def article_entries(rows: Iterable) -> list[Entry]:
    """Rows of (slug, canonical_url, updated_at, published_at), as the pages to list."""
    entries = (
        Entry(
            links.page_url("article", row.slug, row.canonical_url),
            newest(row.updated_at, row.published_at),
        )
        for row in rows
    )
    return [entry for entry in entries if on_site(entry.loc)]


def page_entries(resource: str, rows: Iterable) -> list[Entry]:
    """Rows of (slug, updated_at, articles_updated_at, articles_published_at) of tags or
    authors, as their pages: each changes with it and with its newest article."""
    return [
        Entry(
            links.page_url(resource, row.slug),
            newest(row.updated_at, row.articles_updated_at, row.articles_published_at),
        )
        for row in rows
    ]


def news_entries(rows: Iterable) -> list[NewsEntry]:
    """Rows of (slug, canonical_url, title, language, updated_at, published_at)."""
    entries = (
        NewsEntry(
            links.page_url("article", row.slug, row.canonical_url),
            row.title,
            row.language,
            row.published_at,
            newest(row.updated_at, row.published_at),
        )
        for row in rows
    )
    return [entry for entry in entries if on_site(entry.loc)]


# --- What each sitemap lists

# The sitemaps of tags and authors: their model, resource (for links) and endpoint
_PAGES_OF = {
    "tags": (Tag, "tag", "sitemaps.TagSitemap"),
    "authors": (Author, "author", "sitemaps.AuthorSitemap"),
}
_PAGE_TIMES = ("updated_at", "articles_updated_at", "articles_published_at")


def index_entries(session: Session, now: datetime) -> list[Entry]:
    """Every sitemap, with its change: a page per PAGE_SIZE articles (at least one), the tags,
    the authors and the news. Four statements, whatever the number of articles."""
    pages = session.execute(queries.sitemap_article_pages(PAGE_SIZE)).all()
    entries = [
        Entry(_url("sitemaps.ArticleSitemap", page=row.page), newest(*row[1:])) for row in pages
    ] or [Entry(_url("sitemaps.ArticleSitemap", page=1))]
    for model, _resource, endpoint in _PAGES_OF.values():
        stmt = queries.sitemap_pages_of(model, PEOPLE_AND_TOPICS_LIMIT)
        times = session.execute(queries.newest_of(stmt, *_PAGE_TIMES)).one()
        entries.append(Entry(_url(endpoint), newest(*times)))
    stmt = queries.news_articles(now - NEWS_WINDOW, NEWS_LIMIT)
    times = session.execute(queries.newest_of(stmt, "updated_at", "published_at")).one()
    entries.append(Entry(_url("sitemaps.NewsSitemap"), newest(*times)))
    return entries


def article_page(session: Session, page: int) -> list[Entry] | None:
    """The articles of a page (oldest first), or None past the last page (the first exists,
    empty, when nothing is published). Two statements: the page's first article found on the
    index, then a keyset range from it."""
    start = session.execute(queries.sitemap_page_start(page, PAGE_SIZE)).first()
    if start is None:
        return [] if page == 1 else None
    return article_entries(session.execute(queries.sitemap_articles(tuple(start), PAGE_SIZE)))


def pages_of(session: Session, kind: str) -> list[Entry]:
    """The pages of the tags or authors (`kind`) that carry published articles."""
    model, resource, _endpoint = _PAGES_OF[kind]
    rows = session.execute(queries.sitemap_pages_of(model, PEOPLE_AND_TOPICS_LIMIT))
    return page_entries(resource, rows)


def news(session: Session, now: datetime) -> list[NewsEntry]:
    """The articles published in the NEWS_WINDOW before `now`, newest first."""
    return news_entries(session.execute(queries.news_articles(now - NEWS_WINDOW, NEWS_LIMIT)))


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, **values, _external=True)


def last_modified(entries: Iterable[Entry | NewsEntry]) -> datetime:
    """A sitemap's change: its newest entry's; the epoch when it has none (never now)."""
    return newest(*(entry.lastmod for entry in entries)) or EPOCH


def _w3c(moment: datetime) -> str:
    """W3C Datetime in UTC, to the second: `2024-05-21T08:00:00Z`."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _element(parent: ET.Element, namespace: str, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{namespace}}}{tag}")
    element.text = xml_text(text)
    return element


def _document(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=SITEMAP_NS)


def index(entries: Iterable[Entry]) -> bytes:
    """A `<sitemapindex>` of sitemaps."""
    root = ET.Element(f"{{{SITEMAP_NS}}}sitemapindex")
    for entry in entries:
        sitemap = ET.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
        _element(sitemap, SITEMAP_NS, "loc", entry.loc)
        if entry.lastmod is not None:
            _element(sitemap, SITEMAP_NS, "lastmod", _w3c(entry.lastmod))
    return _document(root)


def urlset(entries: Iterable[Entry]) -> bytes:
    """A `<urlset>` of pages."""
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for entry in entries:
        url = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        _element(url, SITEMAP_NS, "loc", entry.loc)
        if entry.lastmod is not None:
            _element(url, SITEMAP_NS, "lastmod", _w3c(entry.lastmod))
    return _document(root)


def news_urlset(entries: Iterable[NewsEntry]) -> bytes:
    """A Google News `<urlset>`: each article with its publication, date and title."""
    name = site_identity().name
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for entry in entries:
        url = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        _element(url, SITEMAP_NS, "loc", entry.loc)
        news = ET.SubElement(url, f"{{{NEWS_NS}}}news")
        publication = ET.SubElement(news, f"{{{NEWS_NS}}}publication")
        _element(publication, NEWS_NS, "name", name)
        _element(publication, NEWS_NS, "language", entry.language.lower())
        _element(news, NEWS_NS, "publication_date", _w3c(entry.published_at))
        _element(news, NEWS_NS, "title", entry.title)
    return _document(root)
