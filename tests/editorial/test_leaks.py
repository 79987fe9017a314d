"""The leak suite: no hidden article (draft, scheduled, archived, deleted…) shows through any
public read path, to anonymous callers or partner keys.

Every new public read (a feed, search, a sitemap, related articles…) appends a `PublicRead` to
`PUBLIC_READS`, its URL built from the hidden article, e.g.

    PublicRead("tag-feed", lambda h: f"/v1/tags/{h.tag}/feed.rss")

and every kind of hidden article, read anonymously and with a partner key, is checked against
it: the status it should answer, and its id, slug, title and body nowhere in the response.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import feedparser
import pytest
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from api.models import Article
from api.services.content import save_article
from tests.conftest import assert_problem

LANGUAGE = "de"
PUBLISHED = datetime(2024, 5, 21, 8, tzinfo=UTC)  # the visible article
EARLIER = datetime(2024, 5, 20, 8, tzinfo=UTC)  # hidden articles that were once public
LATER = datetime.now(UTC) + timedelta(days=30)  # scheduled ones

# kind: (status, published_at, deleted) — each kind of article the public must not see
HIDDEN_KINDS = {
    "draft": ("draft", None, False),
    "scheduled": ("scheduled", LATER, False),
    "archived": ("archived", EARLIER, False),
    "unpublished": ("draft", EARLIER, False),  # published once, back to draft
    "deleted": ("published", EARLIER, True),  # deleted after publication: reads answer 410
    "deleted-draft": ("draft", None, True),
    "deleted-scheduled": ("scheduled", LATER, True),
}
READERS = ("anonymous", "partner")


@dataclass(frozen=True)
class Hidden:
    """A hidden article, and what a read path can be built from: its tag and author are also
    on a visible article (so lists by them are not empty), in the same language."""

    kind: str
    id: str
    slug: str
    former_slug: str  # the slug it had before: now a redirect
    title: str
    marker: str  # a word in its title, slug and body, and nowhere else
    tag: str
    tag_id: str
    author: str
    author_id: str
    language: str
    was_public: bool  # deleted after publication: reads by id or slug answer 410 Gone
    visible_id: str  # the one public article

    @property
    def traces(self) -> tuple[str, ...]:
        """What must appear nowhere in a public response."""
        return (self.id, self.slug, self.title, self.marker)


# --- Expected statuses, by hidden article and reader ------------------------------------------


def ok(_hidden: Hidden, _reader: str) -> int:
    return 200


def not_found_or_gone(hidden: Hidden, _reader: str) -> int:
    return 410 if hidden.was_public else 404


def needs_an_editorial_key(_hidden: Hidden, reader: str) -> int:
    return 401 if reader == "anonymous" else 403


def invalid_token(_hidden: Hidden, _reader: str) -> int:
    return 401


# --- What a response must also say, beyond not naming the hidden article ----------------------


def lists_only_the_visible_article(response, hidden: Hidden) -> None:
    body = response.get_json()
    assert body["meta"]["total"] == 1, body["meta"]
    assert {article["id"] for article in body["data"]} <= {hidden.visible_id}


def lists_nothing(response, _hidden: Hidden) -> None:
    body = response.get_json()
    assert body["meta"]["total"] == 0, body["meta"]
    assert body["data"] == []


def walks_only_the_visible_article(response, hidden: Hidden) -> None:
    """A cursor walk from the start, one article a page: the visible one, and no next page
    (a hidden article after it would give one)."""
    body = response.get_json()
    assert [article["id"] for article in body["data"]] == [hidden.visible_id]
    assert body["meta"]["next_cursor"] is None, body["meta"]
    assert body["links"]["next"] is None


def counts_only_the_visible_article(resource: str) -> Callable[..., None]:
    def check(response, hidden: Hidden) -> None:
        body = response.get_json()
        items = body["data"] if isinstance(body["data"], list) else [body["data"]]
        counted = {item["id"]: item["article_count"] for item in items}
        assert counted[getattr(hidden, f"{resource}_id")] == 1, counted

    return check


def announces_only_visible(response, hidden: Hidden) -> None:
    body = response.get_json()
    announced = {e["resource_id"] for e in body["data"] if e["resource"] == "article"}
    assert announced <= {hidden.visible_id}, announced


@dataclass(frozen=True)
class PublicRead:
    """A read path open without an editorial key, built from a hidden article."""

    name: str
    url: Callable[[Hidden], str]
    status: Callable[[Hidden, str], int] = ok
    check: Callable[..., None] | None = None  # more about a 200: check(response, hidden)
    method: str = "GET"


def _list(name: str, query: Callable[[Hidden], str]) -> PublicRead:
    return PublicRead(
        name, lambda h: f"/v1/articles?{query(h)}", check=lists_only_the_visible_article
    )


def _walk(name: str, query: Callable[[Hidden], str]) -> PublicRead:
    return PublicRead(
        name,
        lambda h: f"/v1/articles?cursor=start&per_page=1&{query(h)}",
        check=walks_only_the_visible_article,
    )


def bad_request(_hidden: Hidden, _reader: str) -> int:
    return 400


def _forged_cursor(hidden: Hidden) -> str:
    """A cursor placed after the hidden article, signed with another secret."""
    return URLSafeSerializer("not the secret", salt="newsdesk.cursor").dumps(
        {"p": "2100-01-01T00:00:00+00:00", "i": hidden.id}
    )


def _forged_preview_token(hidden: Hidden) -> str:
    return URLSafeTimedSerializer("not the secret", salt="newsdesk.preview").dumps(
        {"article": hidden.id}
    )


ARTICLE_SORTS = ("published_at", "updated_at", "created_at", "title")


def feeds_only_the_visible_article(response, hidden: Hidden) -> None:
    """A feed (RSS, Atom or JSON Feed) whose only item is the visible article."""
    if response.mimetype == "application/feed+json":
        ids = [item["id"] for item in response.get_json()["items"]]
    else:
        parsed = feedparser.parse(response.get_data())
        assert not parsed.bozo, parsed.get("bozo_exception")
        ids = [entry.id for entry in parsed.entries]
    assert ids == [f"urn:uuid:{hidden.visible_id}"], ids


def _feeds(name: str, url: Callable[[Hidden], str]) -> list[PublicRead]:
    """A feed in each format: `url` + `.rss`, `.atom` and `.json`."""
    return [
        PublicRead(
            f"{name}-{fmt}", lambda h, f=fmt: f"{url(h)}.{f}", check=feeds_only_the_visible_article
        )
        for fmt in ("rss", "atom", "json")
    ]


def sitemap_lists(count: int) -> Callable[..., None]:
    """A sitemap of `count` pages: the visible article's, its tag's or its author's."""

    def check(response, _hidden: Hidden) -> None:
        urls = ET.fromstring(response.get_data()).findall(
            "{http://www.sitemaps.org/schemas/sitemap/0.9}url"
        )
        assert len(urls) == count, response.get_data(as_text=True)

    return check


def not_found(_hidden: Hidden, _reader: str) -> int:
    return 404


def _built_digest(day: datetime) -> Callable[[Hidden], str]:
    """The URL of `day`'s newsletter digest, built first as `flask newsletter digest` builds it
    (none when that day has no public article)."""

    def url(_hidden: Hidden) -> str:
        from api.db import db
        from api.services.digests import build_digest

        build_digest(db.session, day.date())
        db.session.commit()
        return f"/v1/newsletter/digests/{day.date().isoformat()}"

    return url


def digests_only_the_visible_article(response, hidden: Hidden) -> None:
    body = response.get_json()["data"]
    assert [article["id"] for article in body["articles"]] == [hidden.visible_id]


PUBLIC_READS: list[PublicRead] = [
    # Article lists, with every filter, sort and page
    PublicRead("articles", lambda h: "/v1/articles", check=lists_only_the_visible_article),
    _list("articles-by-tag", lambda h: f"tag={h.tag}"),
    _list("articles-by-author", lambda h: f"author={h.author}"),
    _list("articles-by-lang", lambda h: f"lang={h.language}"),
    _list("articles-published-after", lambda h: "published_after=2024-01-01T00:00:00Z"),
    _list("articles-published-before", lambda h: "published_before=2100-01-01T00:00:00Z"),
    _list(
        "articles-every-filter",
        lambda h: (
            f"tag={h.tag}&author={h.author}&lang={h.language}"
            "&published_after=2024-01-01T00:00:00Z&published_before=2100-01-01T00:00:00Z"
        ),
    ),
    *(
        _list(f"articles-sorted-{order}{key}", lambda h, s=f"{order}{key}": f"sort={s}")
        for key in ARTICLE_SORTS
        for order in ("", "-")
    ),
    _list("articles-page-1-of-1", lambda h: "per_page=1&page=1"),
    _list("articles-page-2-of-1", lambda h: "per_page=1&page=2"),
    _list("articles-page-100", lambda h: "per_page=100"),
    # Sparse fieldsets and body formats
    _list("articles-fields", lambda h: "fields=title,slug,excerpt,word_count"),
    _list("articles-formats", lambda h: "formats=html,plaintext,markdown"),
    _list("articles-fields-and-formats", lambda h: "fields=title&formats=plaintext"),
    PublicRead(
        "article-by-id-fields",
        lambda h: f"/v1/articles/{h.id}?fields=title,excerpt&formats=plaintext",
        status=not_found_or_gone,
    ),
    PublicRead(
        "article-by-slug-formats",
        lambda h: f"/v1/articles/slug/{h.slug}?formats=html,plaintext,markdown",
        status=not_found_or_gone,
    ),
    # Cursor walks, with filters, both orders and what changed since
    _walk("articles-cursor-walk", lambda h: "formats=plaintext"),
    _walk("articles-cursor-walk-ascending", lambda h: "sort=published_at&fields=title"),
    _walk(
        "articles-cursor-walk-every-filter",
        lambda h: (
            f"tag={h.tag}&author={h.author}&lang={h.language}"
            "&published_after=2024-01-01T00:00:00Z&published_before=2100-01-01T00:00:00Z"
        ),
    ),
    _walk("articles-cursor-walk-updated-since", lambda h: "updated_since=2000-01-01T00:00:00Z"),
    _walk("articles-cursor-walk-search", lambda h: "q=paragraph"),
    _list("articles-updated-since", lambda h: "updated_since=2000-01-01T00:00:00Z"),
    PublicRead(
        "articles-forged-cursor",
        lambda h: f"/v1/articles?cursor={_forged_cursor(h)}",
        status=bad_request,
    ),
    # Search, by the hidden article's own word, with filters, sorts and pages
    PublicRead("search-by-marker", lambda h: f"/v1/articles?q={h.marker}", check=lists_nothing),
    PublicRead(
        "search-by-title",
        lambda h: f"/v1/articles?q=hidden {h.kind} {h.marker}",
        check=lists_nothing,
    ),
    PublicRead(
        "search-every-filter",
        lambda h: (
            f"/v1/articles?q={h.marker}&tag={h.tag}&author={h.author}&lang={h.language}"
            "&published_after=2024-01-01T00:00:00Z&published_before=2100-01-01T00:00:00Z"
            "&sort=-updated_at&per_page=100"
        ),
        check=lists_nothing,
    ),
    # A word of both bodies ("paragraph", "paragraphe"): only the visible article is found
    _list("search-shared-word", lambda h: "q=paragraph"),
    _list("search-shared-word-by-tag", lambda h: f"q=paragraph&tag={h.tag}&per_page=1&page=2"),
    # The editorial listing needs an author key
    PublicRead(
        "articles-by-status",
        lambda h: "/v1/articles?status=draft,scheduled,published,archived",
        status=needs_an_editorial_key,
    ),
    # The bin needs an editor key
    PublicRead(
        "articles-deleted", lambda h: "/v1/articles?deleted=true", status=needs_an_editorial_key
    ),
    # One article
    PublicRead("article-by-id", lambda h: f"/v1/articles/{h.id}", status=not_found_or_gone),
    PublicRead(
        "article-by-slug", lambda h: f"/v1/articles/slug/{h.slug}", status=not_found_or_gone
    ),
    PublicRead(
        "article-by-former-slug",
        lambda h: f"/v1/articles/slug/{h.former_slug}",
        status=not_found_or_gone,
    ),
    # Related articles: of the hidden one, as it answers itself; of the visible one, which
    # shares the hidden one's tag, nothing (the hidden one is its only other tagged article)
    PublicRead(
        "related-of-the-hidden-article",
        lambda h: f"/v1/articles/{h.id}/related",
        status=not_found_or_gone,
    ),
    PublicRead(
        "related-of-the-visible-article",
        lambda h: f"/v1/articles/{h.visible_id}/related?per_page=100",
        check=lists_nothing,
    ),
    # Tags and authors, and their counts of public articles
    PublicRead(
        "tags", lambda h: "/v1/tags?per_page=100", check=counts_only_the_visible_article("tag")
    ),
    PublicRead(
        "tags-by-article-count",
        lambda h: "/v1/tags?sort=-article_count",
        check=counts_only_the_visible_article("tag"),
    ),
    PublicRead(
        "tag", lambda h: f"/v1/tags/{h.tag_id}", check=counts_only_the_visible_article("tag")
    ),
    PublicRead(
        "tag-by-slug",
        lambda h: f"/v1/tags/slug/{h.tag}",
        check=counts_only_the_visible_article("tag"),
    ),
    PublicRead(
        "authors",
        lambda h: "/v1/authors?per_page=100",
        check=counts_only_the_visible_article("author"),
    ),
    PublicRead(
        "authors-by-article-count",
        lambda h: "/v1/authors?sort=-article_count",
        check=counts_only_the_visible_article("author"),
    ),
    PublicRead(
        "author",
        lambda h: f"/v1/authors/{h.author_id}",
        check=counts_only_the_visible_article("author"),
    ),
    PublicRead(
        "author-by-slug",
        lambda h: f"/v1/authors/slug/{h.author}",
        check=counts_only_the_visible_article("author"),
    ),
    # The change feed: only the visible article is ever announced
    PublicRead("changes", lambda h: "/v1/changes?per_page=500", check=announces_only_visible),
    # Feeds of the site, the shared tag and the shared author, in every format
    *_feeds("site-feed", lambda h: "/v1/feeds/articles"),
    *_feeds("tag-feed", lambda h: f"/v1/tags/{h.tag}/feed"),
    *_feeds("author-feed", lambda h: f"/v1/authors/{h.author}/feed"),
    # Sitemaps: the visible article, its tag and author; no second page; no news (it is old)
    PublicRead("sitemap-index", lambda h: "/sitemap.xml"),
    PublicRead("sitemap-articles", lambda h: "/sitemaps/articles-1.xml", check=sitemap_lists(1)),
    PublicRead("sitemap-articles-page-2", lambda h: "/sitemaps/articles-2.xml", status=not_found),
    PublicRead("sitemap-tags", lambda h: "/sitemaps/tags.xml", check=sitemap_lists(1)),
    PublicRead("sitemap-authors", lambda h: "/sitemaps/authors.xml", check=sitemap_lists(1)),
    PublicRead("sitemap-news", lambda h: "/sitemaps/news.xml", check=sitemap_lists(0)),
    # Structured data answers as the article read does
    PublicRead(
        "structured-data-of-the-hidden-article",
        lambda h: f"/v1/articles/{h.id}/structured-data",
        status=not_found_or_gone,
    ),
    PublicRead(
        "structured-data-of-the-visible-article",
        lambda h: f"/v1/articles/{h.visible_id}/structured-data",
    ),
    # The newsletter's daily digest: of the visible article's day, only it; of the day the
    # once-public hidden articles were published, none (nothing public that day)
    PublicRead(
        "newsletter-digest",
        _built_digest(PUBLISHED),
        check=digests_only_the_visible_article,
    ),
    PublicRead("newsletter-digest-of-the-hidden-day", _built_digest(EARLIER), status=not_found),
    # Revisions and previews need an editorial key, or a genuine preview token
    PublicRead(
        "revisions", lambda h: f"/v1/articles/{h.id}/revisions", status=needs_an_editorial_key
    ),
    PublicRead(
        "revision", lambda h: f"/v1/articles/{h.id}/revisions/1", status=needs_an_editorial_key
    ),
    PublicRead(
        "revert",
        lambda h: f"/v1/articles/{h.id}/revisions/1/revert",
        status=needs_an_editorial_key,
        method="POST",
    ),
    PublicRead(
        "preview-link",
        lambda h: f"/v1/articles/{h.id}/preview",
        status=needs_an_editorial_key,
        method="POST",
    ),
    PublicRead(
        "preview-with-a-forged-token",
        lambda h: f"/v1/preview/{_forged_preview_token(h)}",
        status=invalid_token,
    ),
]


@pytest.fixture
def make_hidden(session, make_tag, make_author, make_article):
    """An article of `kind`, beside a visible article sharing its tag, author and language."""

    def make(kind: str) -> Hidden:
        status, published_at, deleted = HIDDEN_KINDS[kind]
        tag, author = make_tag(), make_author()
        shared = {"tags": [tag.slug], "authors": [author.slug], "language": LANGUAGE}
        visible = make_article(published_at=PUBLISHED, **shared)
        marker = f"zq{uuid.uuid4().hex[:12]}"
        former_slug, slug = f"earlier-{uuid.uuid4().hex[:12]}", f"hidden-{marker}"
        article = make_article(
            status=status,
            published_at=published_at,
            title=f"Hidden {kind} {marker}",
            body=f"A paragraph only editors may read: {marker}.",
            slug=former_slug,
            **shared,
        )
        save_article(session, article, {"slug": slug})
        if deleted:
            article.deleted_at = datetime.now(UTC)
        session.commit()
        return Hidden(
            kind=kind,
            id=str(article.id),
            slug=slug,
            former_slug=former_slug,
            title=article.title,
            marker=marker,
            tag=tag.slug,
            tag_id=str(tag.id),
            author=author.slug,
            author_id=str(author.id),
            language=LANGUAGE,
            was_public=deleted and status == "published",
            visible_id=str(visible.id),
        )

    return make


@pytest.fixture
def reader_headers(make_key):
    def headers(reader: str) -> dict:
        return make_key("partner") if reader == "partner" else {}

    return headers


def _response_text(response) -> str:
    """The body and headers, less the request path the response may echo (`instance`) and
    the request's own query parameters, which page links repeat (a search's `q=<marker>`)."""
    url = urlsplit(response.request.url)
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    text = f"{response.get_data(as_text=True)}\n{headers}".replace(url.path, "<request path>")
    for name, value in parse_qsl(url.query):
        for encoded in {quote(value), quote_plus(value)}:
            text = text.replace(f"{name}={encoded}", f"{name}=<request value>")
    return text


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("read", PUBLIC_READS, ids=lambda read: read.name)
@pytest.mark.parametrize("kind", HIDDEN_KINDS)
def test_a_hidden_article_shows_through_no_public_read(
    client, make_hidden, reader_headers, kind, read, reader
):
    hidden = make_hidden(kind)
    response = client.open(read.url(hidden), method=read.method, headers=reader_headers(reader))
    status = read.status(hidden, reader)
    if status == 200:
        assert response.status_code == 200, response.get_data(as_text=True)
        if read.check is not None:
            read.check(response, hidden)
    else:
        assert_problem(response, status)
    text = _response_text(response)
    for trace in hidden.traces:
        assert trace not in text, f"{read.name} shows the {kind} article's {trace!r}"


@pytest.mark.parametrize("kind", HIDDEN_KINDS)
def test_each_hidden_article_is_really_there(session, make_hidden, kind):
    """The leak checks would pass vacuously if the hidden article were never stored."""
    hidden = make_hidden(kind)
    article = session.get(Article, uuid.UUID(hidden.id))
    status, published_at, deleted = HIDDEN_KINDS[kind]
    assert (article.slug, article.status) == (hidden.slug, status)
    assert (article.published_at, article.deleted_at is not None) == (published_at, deleted)
