"""Feeds: the newest published articles as RSS 2.0, Atom 1.0 and JSON Feed 1.1, for the whole
site, a tag or an author."""

from flask import current_app, request
from flask.views import MethodView

from api import caching
from api.auth import current_principal
from api.db import db
from api.extensions import Blueprint, found_by_slug, path_parameter
from api.models import Author, Tag
from api.services import feeds, queries
from schemas.common import NoQueryArgsSchema
from schemas.feeds import (
    ATOM_EXAMPLE,
    JSON_FEED_EXAMPLE,
    RSS_EXAMPLE,
    XML_DOCUMENT,
    JsonFeedSchema,
)

blp = Blueprint(
    "feeds",
    __name__,
    url_prefix="/v1",
    description="Syndication feeds of the newest published articles: RSS 2.0, Atom 1.0 and "
    "JSON Feed 1.1, for the whole site, a tag or an author. Full text with an API key.",
)

# format: (its endpoints' suffix, its name, the documented body, an example of it)
FORMATS = {
    "rss": ("Rss", "RSS 2.0", XML_DOCUMENT, RSS_EXAMPLE),
    "atom": ("Atom", "Atom 1.0", XML_DOCUMENT, ATOM_EXAMPLE),
    "json": ("Json", "JSON Feed 1.1", JsonFeedSchema, JSON_FEED_EXAMPLE),
}
CONTENT_TYPES = {
    fmt: f"{media_type}; charset=utf-8" for fmt, media_type in feeds.MEDIA_TYPES.items()
}

ABOUT_ITEMS = (
    "At most `FEED_ITEMS` (50 unless configured) published articles, newest first. Each item "
    "has a stable id, `urn:uuid:<article id>` (de-duplicate by it), its title, canonical "
    "link, excerpt, publication and change times, authors (name and page) and tags. With an "
    "API key of any role items carry the full body (`content:encoded` in RSS, `content` in "
    "Atom, `content_html` in JSON Feed); anonymous readers get the excerpt, unless the "
    "publisher opens full-text feeds to everyone.\n\n"
    "The channel's time is its newest item's (1970-01-01 when empty), never the time of the "
    "request: `ETag` and `Last-Modified` stay put until an article changes, so a poller's "
    '`If-None-Match` or `If-Modified-Since` answers 304. A rel="self" link names the feed, '
    'and a rel="hub" link (`hubs` in JSON Feed) the WebSub hub when the publisher runs one.'
)


def _site_feed(fmt: str) -> None:
    """Route the site's feed in `fmt`: `/v1/feeds/articles.<fmt>`."""
    endpoint, label, schema, example = FORMATS[fmt]

    @blp.route(f"/feeds/articles.{fmt}", endpoint=f"SiteFeed{endpoint}")
    class SiteFeed(MethodView):
        @blp.optional_auth
        @blp.query(NoQueryArgsSchema)
        @blp.response(200, schema, content_type=feeds.MEDIA_TYPES[fmt], example=example)
        @blp.errors(400)
        @blp.doc(
            summary=f"Feed of the newest articles ({label})",
            description=f"The whole site's newest articles as {label}.\n\n{ABOUT_ITEMS}",
        )
        def get(self, _args):
            return _feed_response(fmt)


# Feeds of one tag or author: (kind, lookup by slug, an example slug, summary, lead sentence)
LOOKUPS = {
    Tag: (
        "tag",
        queries.tag_by_slug,
        "intelligence-artificielle",
        "Feed of a tag's newest articles",
        "The newest articles filed under a tag",
    ),
    Author: (
        "author",
        queries.author_by_slug,
        "la-redaction",
        "Feed of an author's newest articles",
        "The newest articles an author signs",
    ),
}


def _lookup_feed(fmt: str, model: type[Tag] | type[Author]) -> None:
    """Route a tag's or an author's feed in `fmt`: `/v1/tags/<slug>/feed.<fmt>`, …"""
    endpoint, label, schema, example = FORMATS[fmt]
    kind, lookup, example_slug, summary, lead = LOOKUPS[model]
    view = f"{kind.title()}Feed{endpoint}"

    @blp.route(
        f"/{model.__tablename__}/<slug:slug>/feed.{fmt}",
        endpoint=view,
        parameters=[path_parameter("slug", f"The {kind}'s slug.", example=example_slug)],
    )
    class LookupFeed(MethodView):
        @blp.optional_auth
        @blp.query(NoQueryArgsSchema)
        @blp.response(200, schema, content_type=feeds.MEDIA_TYPES[fmt], example=example)
        @blp.alt_response(301, description="The slug changed: `Location` gives the current one.")
        @blp.errors(400, 404)
        @blp.doc(
            summary=f"{summary} ({label})",
            description=f"{lead}, as {label}, titled `<site> — <{kind} name>`. An unknown "
            f"slug answers 404, a former one 301 to the current feed.\n\n{ABOUT_ITEMS}",
        )
        def get(self, _args, slug: str):
            message = f"No {kind} has this identifier."
            found = found_by_slug(model, lookup(slug), slug, f"feeds.{view}", message)
            return _feed_response(fmt, **{kind: found})


def _feed_response(fmt: str, *, tag: Tag | None = None, author: Author | None = None):
    """The feed, its full text only for keys; validators from its newest item, not now."""
    stmt = queries.feed_articles(
        tag=tag and tag.slug, author=author and author.slug, limit=current_app.config["FEED_ITEMS"]
    )
    articles = db.session.scalars(stmt).all()
    full_content = feeds.shows_full_content(current_principal())
    channel = feeds.channel(
        feed_url=request.base_url, full_content=full_content, tag=tag, author=author
    )
    caching.describe_representation(
        modified=feeds.updated(articles),
        keys=feeds.surrogate_keys(articles, tag=tag, author=author),
    )
    body = feeds.render(fmt, channel, articles)
    return current_app.response_class(body, content_type=CONTENT_TYPES[fmt])


for _fmt in feeds.FORMATS:
    _site_feed(_fmt)
for _model in (Tag, Author):
    for _fmt in feeds.FORMATS:
        _lookup_feed(_fmt, _model)
