"""No N+1: every read of the spec costs as many statements for one item as for many, and a
relationship nobody loaded fails loudly instead of querying."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import InvalidRequestError

from api.db import Base, db
from api.models import Article, Change, WebhookDelivery, WebhookEndpoint
from api.services.webhooks import new_secret
from tests.test_openapi import SPEC

MANY = 30


@pytest.fixture
def newsroom(client, session, make_article, make_author, make_tag, make_key):
    """Few and many of everything: an article with one tag and author and one with many, a
    tag and an author on one article and on many, lists longer than a page of one."""
    tags = [make_tag() for _ in range(6)]
    authors = [make_author() for _ in range(4)]
    plain = make_article(tags=[tags[5].slug], authors=[authors[3].slug])
    rich = make_article(tags=[t.slug for t in tags[:5]], authors=[a.slug for a in authors[:3]])
    for i in range(MANY):
        make_article(
            tags=[tags[0].slug, tags[1 + i % 4].slug],
            authors=[authors[i % 3].slug, authors[(i + 1) % 3].slug],
        )
    for _ in range(3):
        make_article(status="draft", tags=[tags[0].slug], authors=[authors[0].slug])
    for _ in range(3):
        make_article(tags=[tags[0].slug]).deleted_at = datetime.now(UTC)
    session.commit()

    editor, admin = make_key("editor"), make_key("admin")
    for i in range(5):
        make_key("partner", name=f"partner {i}")
    created = client.post("/v1/articles", json={"title": "Un brouillon"}, headers=editor)
    drafted = created.get_json()["data"]["id"]
    etag = created.headers["ETag"]
    for i in range(5):
        changed = client.patch(
            f"/v1/articles/{drafted}",
            json={"subtitle": f"Version {i}"},
            headers={**editor, "If-Match": etag},
        )
        etag = changed.headers["ETag"]

    def preview(article) -> str:
        url = client.post(f"/v1/articles/{article.id}/preview", headers=editor).get_json()
        return url["data"]["url"]

    keys = client.get("/v1/keys?per_page=100", headers=admin).get_json()["data"]
    return SimpleNamespace(
        admin_key_id=keys[0]["id"],
        tags=tags,
        authors=authors,
        plain=plain,
        rich=rich,
        drafted=drafted,
        editor=editor,
        admin=admin,
        previews=(preview(plain), preview(rich)),
        make_article=make_article,
    )


def _cases(n) -> dict[str, tuple[str, str, dict]]:
    """Spec path → (a read of few items, the same read of many, the headers it needs)."""
    small_tag, big_tag = n.tags[5], n.tags[0]
    small_author, big_author = n.authors[3], n.authors[0]
    key_id = n.admin_key_id
    return {
        "/health": ("/health", "/health", {}),
        "/ready": ("/ready", "/ready", {}),
        "/v1/articles": ("/v1/articles?per_page=1", "/v1/articles?per_page=50", {}),
        "/v1/articles?q": (
            "/v1/articles?q=paragraphe&per_page=1",
            "/v1/articles?q=paragraphe&per_page=50",
            {},
        ),
        "/v1/articles?status": (
            "/v1/articles?status=draft,published&per_page=1",
            "/v1/articles?status=draft,published&per_page=50",
            n.editor,
        ),
        "/v1/articles?deleted": (
            "/v1/articles?deleted=true&per_page=1",
            "/v1/articles?deleted=true&per_page=50",
            n.editor,
        ),
        "/v1/articles/{article_id}": (
            f"/v1/articles/{n.plain.id}",
            f"/v1/articles/{n.rich.id}",
            {},
        ),
        "/v1/articles/slug/{slug}": (
            f"/v1/articles/slug/{n.plain.slug}",
            f"/v1/articles/slug/{n.rich.slug}",
            {},
        ),
        "/v1/articles/{article_id}/related": (
            f"/v1/articles/{n.rich.id}/related?per_page=1",
            f"/v1/articles/{n.rich.id}/related?per_page=50",
            {},
        ),
        "/v1/articles/{article_id}/revisions": (
            f"/v1/articles/{n.drafted}/revisions?per_page=1",
            f"/v1/articles/{n.drafted}/revisions?per_page=50",
            n.editor,
        ),
        "/v1/articles/{article_id}/revisions/{number}": (
            f"/v1/articles/{n.drafted}/revisions/1",
            f"/v1/articles/{n.drafted}/revisions/6",
            n.editor,
        ),
        "/v1/preview/{token}": (*n.previews, {}),
        "/v1/tags": ("/v1/tags?per_page=1", "/v1/tags?per_page=50", {}),
        "/v1/tags/{tag_id}": (f"/v1/tags/{small_tag.id}", f"/v1/tags/{big_tag.id}", {}),
        "/v1/tags/slug/{slug}": (
            f"/v1/tags/slug/{small_tag.slug}",
            f"/v1/tags/slug/{big_tag.slug}",
            {},
        ),
        "/v1/authors": ("/v1/authors?per_page=1", "/v1/authors?per_page=50", {}),
        "/v1/authors/{author_id}": (
            f"/v1/authors/{small_author.id}",
            f"/v1/authors/{big_author.id}",
            {},
        ),
        "/v1/authors/slug/{slug}": (
            f"/v1/authors/slug/{small_author.slug}",
            f"/v1/authors/slug/{big_author.slug}",
            {},
        ),
        "/v1/keys": ("/v1/keys?per_page=1", "/v1/keys?per_page=50", n.admin),
        "/v1/keys/{key_id}": (f"/v1/keys/{key_id}", f"/v1/keys/{key_id}", n.admin),
        **_syndication_cases(n),
        **_webhook_cases(n),
        "/v1/site": ("/v1/site", "/v1/site", {}),
        "/v1/changes": ("/v1/changes?per_page=1", "/v1/changes?per_page=100", {}),
        **_newsletter_cases(n),
    }


def _newsletter_cases(n) -> dict[str, tuple[str, str, dict]]:
    """Subscribers (a page of one and of many, the CSV of a few and of all) and the digest of
    a day with one article and of the newsroom's day with many."""
    from api.services import digests, newsletter

    session = db.session
    for i in range(12):
        newsletter.subscribe(session, email=f"lecteur{i}@exemple.fr", source="test")
    session.commit()
    n.make_article(published_at=datetime(2024, 5, 22, 8, tzinfo=UTC))
    digests.build_digest(session, date(2024, 5, 22))
    digests.build_digest(session, date(2024, 5, 21))
    session.commit()
    subscribers = "/v1/newsletter/subscribers"
    return {
        subscribers: (f"{subscribers}?per_page=1", f"{subscribers}?per_page=50", n.admin),
        f"{subscribers}.csv": (
            f"{subscribers}.csv?status=confirmed",
            f"{subscribers}.csv",
            n.admin,
        ),
        "/v1/newsletter/digests/{day}": (
            "/v1/newsletter/digests/2024-05-22",
            "/v1/newsletter/digests/2024-05-21",
            {},
        ),
    }


def _syndication_cases(n) -> dict[str, tuple[str, str, dict]]:
    """Feeds of a tag or author with one article and with many; the site's feeds and the
    sitemaps, which list everything; structured data of an article with one tag and author
    and of one with many."""
    small_tag, big_tag = n.tags[5], n.tags[0]
    small_author, big_author = n.authors[3], n.authors[0]
    cases = {
        "/v1/articles/{article_id}/structured-data": (
            f"/v1/articles/{n.plain.id}/structured-data",
            f"/v1/articles/{n.rich.id}/structured-data",
            {},
        ),
        **{
            path: (path, path, {})
            for path in (
                "/sitemap.xml",
                "/sitemaps/tags.xml",
                "/sitemaps/authors.xml",
                "/sitemaps/news.xml",
            )
        },
        "/sitemaps/articles-{page}.xml": (
            "/sitemaps/articles-1.xml",
            "/sitemaps/articles-1.xml",
            {},
        ),
    }
    for fmt in ("rss", "atom", "json"):
        cases[f"/v1/feeds/articles.{fmt}"] = (
            f"/v1/feeds/articles.{fmt}",
            f"/v1/feeds/articles.{fmt}",
            {},
        )
        cases[f"/v1/tags/{{slug}}/feed.{fmt}"] = (
            f"/v1/tags/{small_tag.slug}/feed.{fmt}",
            f"/v1/tags/{big_tag.slug}/feed.{fmt}",
            {},
        )
        cases[f"/v1/authors/{{slug}}/feed.{fmt}"] = (
            f"/v1/authors/{small_author.slug}/feed.{fmt}",
            f"/v1/authors/{big_author.slug}/feed.{fmt}",
            {},
        )
    return cases


def _webhook_cases(n) -> dict[str, tuple[str, str, dict]]:
    """A webhook with one delivery and one with a delivery of every change of the newsroom."""
    session = db.session
    changes = session.scalars(select(Change).order_by(Change.id)).all()
    few, many = (
        WebhookEndpoint(url="https://partner.example.com/hooks", events=["*"], secret=new_secret())
        for _ in range(2)
    )
    session.add_all([few, many])
    session.flush()
    first = WebhookDelivery(endpoint_id=few.id, change_id=changes[0].id)
    session.add(first)
    session.add_all(WebhookDelivery(endpoint_id=many.id, change_id=c.id) for c in changes)
    session.commit()
    last = session.scalar(select(func.max(WebhookDelivery.id)))
    hooks = "/v1/webhooks"
    return {
        hooks: (f"{hooks}?per_page=1", f"{hooks}?per_page=50", n.admin),
        f"{hooks}/{{webhook_id}}": (f"{hooks}/{few.id}", f"{hooks}/{many.id}", n.admin),
        f"{hooks}/{{webhook_id}}/deliveries": (
            f"{hooks}/{few.id}/deliveries?per_page=1",
            f"{hooks}/{many.id}/deliveries?per_page=50",
            n.admin,
        ),
        f"{hooks}/{{webhook_id}}/deliveries/{{delivery_id}}": (
            f"{hooks}/{few.id}/deliveries/{first.id}",
            f"{hooks}/{many.id}/deliveries/{last}",
            n.admin,
        ),
    }


GET_PATHS = sorted(path for path, item in SPEC["paths"].items() if "get" in item)
CASE_NAMES = [
    *GET_PATHS,
    "/v1/articles?q",
    "/v1/articles?status",
    "/v1/articles?deleted",
]


def test_every_get_of_the_spec_is_counted(newsroom):
    assert {name.split("?")[0] for name in CASE_NAMES} == set(GET_PATHS)
    assert set(_cases(newsroom)) == set(CASE_NAMES)


def _cost(client, count_statements, url: str, headers: dict) -> tuple[int, int]:
    """Statements one read sends, and the number of items it answered."""
    before = count_statements.count
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json(silent=True)  # feeds and sitemaps may be XML
    data = body.get("data") if isinstance(body, dict) else None
    return count_statements.count - before, len(data) if isinstance(data, list) else 1


@pytest.mark.parametrize("name", CASE_NAMES)
def test_a_read_costs_the_same_for_few_and_many(client, newsroom, count_statements, name):
    small, large, headers = _cases(newsroom)[name]
    client.get(small, headers=headers)  # the key's first use records it: not the read's cost
    few, few_items = _cost(client, count_statements, small, headers)
    many, many_items = _cost(client, count_statements, large, headers)
    assert few == many, f"{name}: {few} statements for {small}, {many} for {large}"
    if re.search(r"per_page=1$", small):
        assert few_items == 1 and many_items > 1, (few_items, many_items)


def test_every_relationship_refuses_to_load_lazily():
    for mapper in Base.registry.mappers:
        for relationship in mapper.relationships:
            assert relationship.lazy == "raise", f"{mapper.class_.__name__}.{relationship.key}"


def test_touching_an_unloaded_relationship_raises(session, make_article, make_tag):
    article = make_article(tags=[make_tag().slug])
    session.expunge_all()
    fresh = session.scalar(select(Article).where(Article.id == article.id))
    assert "tag_links" in inspect(fresh).unloaded
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = fresh.tag_links
