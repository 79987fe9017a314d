"""Sitemaps: the public website's articles, tags and authors for search engines, and a
Google News sitemap of the last two days."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from api import caching
from api.db import db, utcnow
from api.extensions import Blueprint, path_parameter
from api.services import sitemaps
from schemas.common import NoQueryArgsSchema
from schemas.feeds import XML_DOCUMENT
from schemas.sitemaps import (
    ARTICLES_EXAMPLE,
    AUTHORS_EXAMPLE,
    INDEX_EXAMPLE,
    NEWS_EXAMPLE,
    TAGS_EXAMPLE,
)

blp = Blueprint(
    "sitemaps",
    __name__,
    description="Sitemaps of the public website for search engines: an index at `/sitemap.xml` "
    "of article pages, tags, authors and Google News. They list the website's pages "
    "(`NEWSDESK_SITE_URL`): serve them from the website's host, or name `/sitemap.xml` in its "
    "robots.txt.",
)
MEDIA_TYPE = "application/xml"
CONTENT_TYPE = f"{MEDIA_TYPE}; charset=utf-8"
MAX_PAGE = 100_000  # a billion articles


def _xml(body: bytes, entries, *keys: str):
    """The sitemap, its Last-Modified its newest entry's, purged with what it lists."""
    caching.describe_representation(modified=sitemaps.last_modified(entries), keys=keys)
    return current_app.response_class(body, content_type=CONTENT_TYPE)


def _documented(example: str):
    return blp.response(200, XML_DOCUMENT, content_type=MEDIA_TYPE, example=example)


@blp.route("/sitemap.xml")
class SitemapIndex(MethodView):
    @blp.no_auth
    @blp.query(NoQueryArgsSchema)
    @_documented(INDEX_EXAMPLE)
    @blp.errors(400)
    def get(self, _args):
        """Sitemap index

        The sitemaps to crawl, each with its last change (`lastmod`): the article pages
        (`/sitemaps/articles-<n>.xml`, 10,000 published articles each, oldest first, so a
        page changes only when its own articles do), `/sitemaps/tags.xml`,
        `/sitemaps/authors.xml` and the Google News sitemap `/sitemaps/news.xml`. Built in
        four statements, whatever the number of articles.
        """
        entries = sitemaps.index_entries(db.session, utcnow())
        return _xml(sitemaps.index(entries), entries, "articles", "tags", "authors")


@blp.route(
    f"/sitemaps/articles-<int(min=1, max={MAX_PAGE}):page>.xml",
    parameters=[path_parameter("page", "The page's number, from 1, as the index lists them.")],
)
class ArticleSitemap(MethodView):
    @blp.no_auth
    @blp.query(NoQueryArgsSchema)
    @_documented(ARTICLES_EXAMPLE)
    @blp.errors(400, 404)
    def get(self, _args, page: int):
        """Sitemap of published articles

        Up to 10,000 published articles in publication order, oldest first: each page's
        canonical URL and its last change. Articles whose canonical URL is on another site
        are left to that site. A page past the last answers 404 (the first always exists).
        """
        entries = sitemaps.article_page(db.session, page)
        if entries is None:
            abort(404, message="No sitemap page has this number: the index lists them.")
        return _xml(sitemaps.urlset(entries), entries, "articles")


@blp.route("/sitemaps/tags.xml")
class TagSitemap(MethodView):
    @blp.no_auth
    @blp.query(NoQueryArgsSchema)
    @_documented(TAGS_EXAMPLE)
    @blp.errors(400)
    def get(self, _args):
        """Sitemap of tags

        The pages of the tags carrying published articles (up to 50,000, by slug), each
        changed with the tag or its newest article.
        """
        entries = sitemaps.pages_of(db.session, "tags")
        return _xml(sitemaps.urlset(entries), entries, "tags")


@blp.route("/sitemaps/authors.xml")
class AuthorSitemap(MethodView):
    @blp.no_auth
    @blp.query(NoQueryArgsSchema)
    @_documented(AUTHORS_EXAMPLE)
    @blp.errors(400)
    def get(self, _args):
        """Sitemap of authors

        The pages of the authors signing published articles (up to 50,000, by slug), each
        changed with the author or their newest article.
        """
        entries = sitemaps.pages_of(db.session, "authors")
        return _xml(sitemaps.urlset(entries), entries, "authors")


@blp.route("/sitemaps/news.xml")
class NewsSitemap(MethodView):
    @blp.no_auth
    @blp.query(NoQueryArgsSchema)
    @_documented(NEWS_EXAMPLE)
    @blp.errors(400)
    def get(self, _args):
        """Google News sitemap

        The articles published in the last 48 hours, newest first (at most 1,000), each with
        its `news:publication` (the site's name and the article's language),
        `news:publication_date` and `news:title`.
        """
        entries = sitemaps.news(db.session, utcnow())
        return _xml(sitemaps.news_urlset(entries), entries, "articles")
