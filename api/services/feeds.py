"""Syndication feeds of the public articles: RSS 2.0, Atom 1.0 and JSON Feed 1.1."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from flask import current_app, json
from lxml import etree

from api.models import Article, Author, Tag
from api.services import links
from api.services.site import site_identity
from api.services.xml_text import xml_text

FORMATS = ("rss", "atom", "json")
MEDIA_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# An empty feed names no time: a fixed one keeps its validators stable (never "now")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_ATOM = "http://www.w3.org/2005/Atom"
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"


@dataclass(frozen=True)
class Channel:
    """What a feed says of itself."""

    title: str
    description: str
    page_url: str  # the web page the feed follows: the site, a tag's or an author's page
    feed_url: str  # the feed's own URL (rel="self")
    language: str
    publisher: str
    publisher_url: str
    logo_url: str | None
    hub_url: str | None  # a WebSub hub to subscribe through
    full_content: bool  # article bodies, or their excerpts only


def channel(
    *, feed_url: str, full_content: bool, tag: Tag | None = None, author: Author | None = None
) -> Channel:
    """The site's feed, or a tag's or an author's: `<site> — <name>`."""
    config = current_app.config
    identity = site_identity()
    site = identity.name
    if tag is not None:
        title, page, description = f"{site} — {tag.name}", links.tag_url(tag), tag.description
    elif author is not None:
        title, page, description = f"{site} — {author.name}", links.author_url(author), author.bio
    else:
        title, page, description = site, links.site_url(), None
    return Channel(
        title=title,
        description=description or title,
        page_url=page,
        feed_url=feed_url,
        language=identity.language,
        publisher=site,
        publisher_url=links.site_url(),
        logo_url=identity.logo_url,
        hub_url=config["WEBSUB_HUB_URL"] or None,
        full_content=full_content,
    )


def shows_full_content(principal) -> bool:
    """Bodies for any API key; for anonymous readers only when the publisher says so."""
    return principal is not None or bool(current_app.config["FEED_FULL_CONTENT_PUBLIC"])


def item_updated(article: Article) -> datetime:
    """An item's change: its last edit, or its publication when later (a scheduled article
    appears with no edit)."""
    return max(article.updated_at, article.published_at)


def updated(articles: Sequence[Article]) -> datetime:
    """A feed's change: its newest item's, never now; the epoch for an empty feed."""
    return max((item_updated(article) for article in articles), default=EPOCH)


def surrogate_keys(
    articles: Sequence[Article], *, tag: Tag | None = None, author: Author | None = None
) -> list[str]:
    """`articles`, the feed's own tag or author, and every article, author and tag it shows."""
    keys = ["articles"]
    keys += [f"tag:{tag.id}"] if tag is not None else []
    keys += [f"author:{author.id}"] if author is not None else []
    for article in articles:
        keys.append(f"article:{article.id}")
        keys += [f"author:{person.id}" for person in article.authors]
        keys += [f"tag:{topic.id}" for topic in article.tags]
    return list(dict.fromkeys(keys))


def render(fmt: str, channel: Channel, articles: Sequence[Article]) -> bytes:
    """The feed in `fmt` (one of FORMATS), as UTF-8 bytes: newest article first."""
    return _RENDERERS[fmt](channel, articles)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _item_id(article: Article) -> str:
    """Stable forever, whatever the slug or URL becomes: partners de-duplicate by it."""
    return f"urn:uuid:{article.id}"


# --- RSS 2.0 and Atom 1.0, by feedgen


class _RssFeedExtension(BaseExtension):
    """What feedgen's RSS leaves out: the WebSub hub (it writes only the rel="self" link)."""

    hub_url: str | None = None

    def extend_ns(self):
        return {"dc": _DC, "dcterms": _DCTERMS}

    def extend_rss(self, feed):
        if self.hub_url:
            etree.SubElement(feed.find("channel"), f"{{{_ATOM}}}link", href=self.hub_url, rel="hub")
        return feed


class _RssItemExtension(BaseEntryExtension):
    """RSS `<author>` must be an email address: bylines go in `dc:creator`, and the change
    time, which RSS lacks, in `dcterms:modified`."""

    creators: tuple[str, ...] = ()
    modified: datetime | None = None

    def extend_rss(self, item):
        for name in self.creators:
            etree.SubElement(item, f"{{{_DC}}}creator").text = name
        if self.modified is not None:
            etree.SubElement(item, f"{{{_DCTERMS}}}modified").text = _rfc3339(self.modified)
        return item


def _generator(channel: Channel, articles: Sequence[Article], self_type: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.register_extension("newsdesk", _RssFeedExtension, _RssItemExtension, atom=False)
    feed.newsdesk.hub_url = xml_text(channel.hub_url) or None
    feed.id(xml_text(channel.feed_url))
    feed.title(xml_text(channel.title))
    feed.description(xml_text(channel.description))
    feed.language(channel.language)
    feed.generator("Newsdesk")
    # Atom wants an author for every entry: those with no byline have the publisher's
    feed.author(name=xml_text(channel.publisher), uri=xml_text(channel.publisher_url))
    if channel.logo_url:
        feed.logo(xml_text(channel.logo_url))
    feed.link(href=xml_text(channel.feed_url), rel="self", type=self_type)
    if channel.hub_url:
        feed.link(href=xml_text(channel.hub_url), rel="hub")
    # Last: RSS's channel <link> is the last link given
    feed.link(href=xml_text(channel.page_url), rel="alternate")
    # Always set: feedgen would say "now", and no two responses would be the same
    feed.updated(updated(articles))
    for article in articles:
        _add_entry(feed, article, channel.full_content)
    return feed


def _add_entry(feed: FeedGenerator, article: Article, full_content: bool) -> None:
    entry = feed.add_entry(order="append")
    entry.id(_item_id(article))  # also the RSS guid, isPermaLink="false"
    entry.title(xml_text(article.title))
    entry.link(href=xml_text(links.article_url(article)), rel="alternate")
    if article.excerpt:
        entry.summary(xml_text(article.excerpt))
    if full_content:  # escaped HTML, never CDATA: a `]]>` in a body cannot end it early
        entry.content(xml_text(article.body_html), type="html")
    entry.published(article.published_at)
    entry.updated(item_updated(article))
    for person in article.authors:
        entry.author(name=xml_text(person.name), uri=xml_text(links.author_url(person)))
    for topic in article.tags:
        entry.category(term=topic.slug, label=xml_text(topic.name))
    entry.newsdesk.creators = tuple(xml_text(person.name) for person in article.authors)
    entry.newsdesk.modified = item_updated(article)


def _rss(channel: Channel, articles: Sequence[Article]) -> bytes:
    return _generator(channel, articles, MEDIA_TYPES["rss"]).rss_str(pretty=True)


def _atom(channel: Channel, articles: Sequence[Article]) -> bytes:
    return _generator(channel, articles, MEDIA_TYPES["atom"]).atom_str(pretty=True)


# --- JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)


def _json_feed(channel: Channel, articles: Sequence[Article]) -> bytes:
    feed = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": channel.page_url,
        "feed_url": channel.feed_url,
        "description": channel.description,
        "language": channel.language,
        "authors": [{"name": channel.publisher, "url": channel.publisher_url}],
    }
    if channel.hub_url:
        feed["hubs"] = [{"type": "WebSub", "url": channel.hub_url}]
    feed["items"] = [_json_item(article, channel.full_content) for article in articles]
    return json.dumps(feed).encode("utf-8")


def _json_item(article: Article, full_content: bool) -> dict:
    item = {"id": _item_id(article), "url": links.article_url(article), "title": article.title}
    if full_content:
        item["content_html"] = article.body_html
    else:  # every item needs content: the excerpt is what anonymous readers get
        item["content_text"] = article.excerpt or ""
    if article.excerpt:
        item["summary"] = article.excerpt
    if article.feature_image_url:
        item["image"] = article.feature_image_url
    item["date_published"] = _rfc3339(article.published_at)
    item["date_modified"] = _rfc3339(item_updated(article))
    item["authors"] = [
        {"name": person.name, "url": links.author_url(person)} for person in article.authors
    ]
    item["tags"] = [topic.name for topic in article.tags]
    item["language"] = article.language
    return item


_RENDERERS: dict[str, Callable[[Channel, Sequence[Article]], bytes]] = {
    "rss": _rss,
    "atom": _atom,
    "json": _json_feed,
}
