"""Sitemaps: the index, article pages, tags, authors and the Google News sitemap."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from api.services import sitemaps
from api.services.links import article_url
from tests.conftest import assert_problem

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": sitemaps.NEWS_NS}
PUBLISHED = datetime(2024, 5, 21, 8, tzinfo=UTC)
SITEMAPS = (
    "/sitemap.xml",
    "/sitemaps/articles-1.xml",
    "/sitemaps/tags.xml",
    "/sitemaps/authors.xml",
    "/sitemaps/news.xml",
)


def at(moment: datetime, article, session):
    """Give an article a known change time (the factory's is the time of the test)."""
    article.updated_at = moment
    session.commit()
    return article


def document(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    return ET.fromstring(response.get_data())


def urls(response) -> list[tuple[str, str | None]]:
    """(loc, lastmod) of each `<url>` of a urlset."""
    root = document(response)
    assert root.tag == f"{{{NS['s']}}}urlset"
    return [
        (url.findtext("s:loc", namespaces=NS), url.findtext("s:lastmod", namespaces=NS))
        for url in root.findall("s:url", NS)
    ]


def index(response) -> dict[str, str | None]:
    """lastmod by sitemap path, in the index's order."""
    root = document(response)
    assert root.tag == f"{{{NS['s']}}}sitemapindex"
    return {
        sitemap.findtext("s:loc", namespaces=NS).removeprefix("http://localhost"): sitemap.findtext(
            "s:lastmod", namespaces=NS
        )
        for sitemap in root.findall("s:sitemap", NS)
    }


# --- The index


def test_the_index_lists_every_sitemap_with_its_last_change(
    client, session, make_article, make_tag, make_author
):
    tag, author = make_tag(), make_author()
    at(datetime(2024, 6, 1, 9, 30, tzinfo=UTC), make_article(tags=[tag.slug]), session)
    at(datetime(2024, 6, 2, tzinfo=UTC), make_article(authors=[author.slug]), session)
    tag.updated_at = author.updated_at = datetime(2024, 1, 1, tzinfo=UTC)
    session.commit()
    assert index(client.get("/sitemap.xml")) == {
        "/sitemaps/articles-1.xml": "2024-06-02T00:00:00Z",
        "/sitemaps/tags.xml": "2024-06-01T09:30:00Z",
        "/sitemaps/authors.xml": "2024-06-02T00:00:00Z",
        "/sitemaps/news.xml": None,  # nothing in the last two days
    }


def test_with_nothing_published_the_index_still_lists_the_first_page(client, make_article):
    make_article(status="draft")
    assert index(client.get("/sitemap.xml")) == {
        "/sitemaps/articles-1.xml": None,
        "/sitemaps/tags.xml": None,
        "/sitemaps/authors.xml": None,
        "/sitemaps/news.xml": None,
    }
    assert urls(client.get("/sitemaps/articles-1.xml")) == []
    assert_problem(client.get("/sitemaps/articles-2.xml"), 404)


# --- Article pages: keyset ranges of PAGE_SIZE, oldest first


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(sitemaps, "PAGE_SIZE", 3)


def test_articles_are_paged_oldest_first_with_each_page_dated(
    client, session, small_pages, make_article
):
    articles = [
        at(
            PUBLISHED + timedelta(days=day, hours=1),
            make_article(published_at=PUBLISHED + timedelta(days=day)),
            session,
        )
        for day in range(7)
    ]
    listed = index(client.get("/sitemap.xml"))
    pages = [path for path in listed if path.startswith("/sitemaps/articles-")]
    assert pages == [
        "/sitemaps/articles-1.xml",
        "/sitemaps/articles-2.xml",
        "/sitemaps/articles-3.xml",
    ]
    assert [listed[page] for page in pages] == [
        "2024-05-23T09:00:00Z",
        "2024-05-26T09:00:00Z",
        "2024-05-27T09:00:00Z",
    ]
    walked = [url for page in pages for url in urls(client.get(page))]
    assert [loc for loc, _lastmod in walked] == [article_url(a) for a in articles]
    assert walked[0][1] == "2024-05-21T09:00:00Z"
    assert_problem(client.get("/sitemaps/articles-4.xml"), 404)


def test_pages_split_articles_published_at_the_same_instant_exactly(
    client, small_pages, make_article
):
    """The keyset is (published_at, id): no article is listed twice or skipped."""
    articles = [make_article(published_at=PUBLISHED) for _ in range(7)]
    pages = [urls(client.get(f"/sitemaps/articles-{n}.xml")) for n in (1, 2, 3)]
    assert [len(page) for page in pages] == [3, 3, 1]
    listed = [loc for page in pages for loc, _lastmod in page]
    assert sorted(listed) == sorted(article_url(a) for a in articles)


def test_only_public_articles_are_listed(client, make_article):
    visible = make_article()
    make_article(status="draft")
    make_article(status="archived")
    make_article(status="scheduled", published_at=datetime.now(UTC) + timedelta(days=1))
    assert [loc for loc, _ in urls(client.get("/sitemaps/articles-1.xml"))] == [
        article_url(visible)
    ]


def test_an_article_canonical_elsewhere_is_left_to_that_site(client, make_article):
    here = make_article(seo={"canonical_url": "https://www.example.org/dossiers/seoul"})
    make_article(seo={"canonical_url": "https://partner.example.com/seoul"})
    assert [loc for loc, _ in urls(client.get("/sitemaps/articles-1.xml"))] == [
        "https://www.example.org/dossiers/seoul"
    ]
    assert article_url(here) == "https://www.example.org/dossiers/seoul"


def test_the_index_is_built_in_the_same_statements_whatever_the_number_of_pages(
    client, small_pages, make_article, count_statements
):
    make_article()
    count_statements.statements.clear()
    client.get("/sitemap.xml")
    one_page = count_statements.count
    for _ in range(7):
        make_article()
    count_statements.statements.clear()
    assert len(index(client.get("/sitemap.xml"))) == 3 + 3
    assert count_statements.count == one_page == 4


# --- Tags and authors


def test_tags_carrying_public_articles_are_listed_with_their_last_change(
    client, session, make_tag, make_article
):
    used, unused, hidden_only = make_tag(), make_tag(), make_tag()
    at(datetime(2024, 6, 1, tzinfo=UTC), make_article(tags=[used.slug]), session)
    make_article(status="draft", tags=[hidden_only.slug])
    used.updated_at = datetime(2024, 1, 1, tzinfo=UTC)
    session.commit()
    assert urls(client.get("/sitemaps/tags.xml")) == [
        (f"https://www.example.org/tags/{used.slug}", "2024-06-01T00:00:00Z")
    ]
    assert unused.slug and hidden_only.slug


@pytest.mark.parametrize("kind", ["tags", "authors"])
def test_each_tag_or_author_is_dated_by_its_own_newest_article(
    client, session, make_tag, make_author, make_article, kind
):
    """A page changes with its newest public article, published or edited since: each tag's
    (author's) own, not another's; an older article of its own, a draft, or its profile
    before them do not date it."""
    make = make_tag if kind == "tags" else make_author
    first, second = make(), make()
    old = datetime(2020, 1, 1, tzinfo=UTC)
    for resource, published, edited in (
        (first, datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 6, 3, tzinfo=UTC)),
        (second, datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 2, tzinfo=UTC)),
    ):
        byline = {kind: [resource.slug]}
        at(datetime(2025, 1, 1, tzinfo=UTC), make_article(published_at=old, **byline), session)
        at(edited, make_article(published_at=published, **byline), session)
        make_article(status="draft", **byline)
        resource.updated_at = old
    session.commit()
    dated = dict(urls(client.get(f"/sitemaps/{kind}.xml")))
    assert dated == {
        f"https://www.example.org/{kind}/{first.slug}": "2024-06-03T00:00:00Z",
        f"https://www.example.org/{kind}/{second.slug}": "2024-05-02T00:00:00Z",
    }


def test_authors_signing_public_articles_are_listed(client, session, make_author, make_article):
    signing, idle = make_author(name="Élise Durand"), make_author()
    make_article(authors=[signing.slug])
    signing.updated_at = datetime(2030, 1, 1, tzinfo=UTC)  # a profile change dates the page
    session.commit()
    assert urls(client.get("/sitemaps/authors.xml")) == [
        ("https://www.example.org/authors/elise-durand", "2030-01-01T00:00:00Z")
    ]
    assert idle.slug


# --- Google News


def test_the_news_sitemap_holds_the_last_48_hours_newest_first(client, make_article):
    now = datetime.now(UTC)
    older = make_article(title="Il y a 47 heures", published_at=now - timedelta(hours=47))
    newer = make_article(title="Il y a une heure", published_at=now - timedelta(hours=1))
    make_article(title="Il y a 49 heures", published_at=now - timedelta(hours=49))
    make_article(status="scheduled", published_at=now + timedelta(hours=1))
    make_article(status="draft", published_at=now - timedelta(hours=2))
    root = document(client.get("/sitemaps/news.xml"))
    titles = [
        url.findtext("news:news/news:title", namespaces=NS) for url in root.findall("s:url", NS)
    ]
    assert titles == [newer.title, older.title]
    assert [url.findtext("s:loc", namespaces=NS) for url in root.findall("s:url", NS)] == [
        article_url(newer),
        article_url(older),
    ]


def test_a_news_entry_names_the_publication_language_date_and_title(client, make_article):
    published = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    make_article(title="Séoul & l’IA <éthique>", language="en-GB", published_at=published)
    news = document(client.get("/sitemaps/news.xml")).find("s:url/news:news", NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == "Newsdesk"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en-gb"
    assert news.findtext("news:publication_date", namespaces=NS) == published.isoformat().replace(
        "+00:00", "Z"
    )
    assert news.findtext("news:title", namespaces=NS) == "Séoul & l’IA <éthique>"


def test_the_news_sitemap_is_dated_in_the_index(client, session, make_article):
    published = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    at(published, make_article(published_at=published), session)
    assert index(client.get("/sitemap.xml"))["/sitemaps/news.xml"] == published.isoformat().replace(
        "+00:00", "Z"
    )


def test_hostile_text_keeps_sitemaps_well_formed(client, make_article):
    make_article(
        title="Fin ]]> & <b> \x01\x0b\x1f\ufffe שלום \u202eélan",
        published_at=datetime.now(UTC) - timedelta(hours=1),
    )
    title = document(client.get("/sitemaps/news.xml")).findtext(
        "s:url/news:news/news:title", namespaces=NS
    )
    assert title == "Fin ]]> & <b>  שלום \u202eélan"


# --- Caching


@pytest.mark.parametrize("path", SITEMAPS)
def test_sitemaps_are_cached_with_validators_and_answer_304(client, make_article, path):
    make_article(published_at=datetime.now(UTC) - timedelta(hours=1))
    response = client.get(path)
    assert response.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    assert response.headers["Surrogate-Key"]
    for headers in (
        {"If-None-Match": response.headers["ETag"]},
        {"If-Modified-Since": response.headers["Last-Modified"]},
    ):
        assert client.get(path, headers=headers).status_code == 304


def test_a_sitemap_is_last_modified_with_its_newest_entry(client, session, make_article):
    changed = datetime(2024, 6, 1, 12, tzinfo=UTC)
    at(changed, make_article(), session)
    response = client.get("/sitemaps/articles-1.xml")
    assert response.headers["Last-Modified"] == format_datetime(changed, usegmt=True)
    assert response.headers["Surrogate-Key"] == "articles"


def test_an_empty_sitemap_is_last_modified_at_the_epoch(client):
    response = client.get("/sitemaps/tags.xml")
    assert response.headers["Last-Modified"] == "Thu, 01 Jan 1970 00:00:00 GMT"


@pytest.mark.parametrize("path", SITEMAPS)
def test_an_unknown_query_parameter_is_a_400(client, path):
    assert_problem(client.get(f"{path}?page=2"), 400, "page")


@pytest.mark.parametrize("page", ["0", "-1", "100001", "x"])
def test_a_page_number_out_of_range_is_a_404(client, page):
    assert_problem(client.get(f"/sitemaps/articles-{page}.xml"), 404)
