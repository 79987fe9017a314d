"""Reading articles: lists, filters, sorting, pages, lookups by id and slug, and visibility."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.conftest import SEED_SLUG, assert_problem


def test_list_shows_the_seed_article_with_its_author_and_tag(client, seeded):
    body = client.get("/v1/articles").get_json()
    assert [a["slug"] for a in body["data"]] == [SEED_SLUG]
    article = body["data"][0]
    assert article["authors"] == [
        {"id": article["authors"][0]["id"], "slug": "la-redaction", "name": "La rédaction"}
    ]
    assert [t["slug"] for t in article["tags"]] == ["intelligence-artificielle"]
    assert article["published_at"] == "2024-05-21T08:00:00Z"


def test_each_summary_embeds_its_own_bylines_in_order_as_its_article_does(
    client, make_article, make_tag, make_author
):
    """A list page reads its bylines in one statement: each summary still gets its own
    authors and tags, in byline order (not alphabetical, not the other articles'), exactly as
    the article itself shows them; none is `[]`."""
    zoe, anne = make_author(name="Zoé Martin"), make_author(name="Anne Lévy")
    climat, ia, seoul = make_tag(name="Climat"), make_tag(name="IA"), make_tag(name="Séoul")
    made = [
        make_article(authors=[zoe.slug, anne.slug], tags=[seoul.slug, climat.slug, ia.slug]),
        make_article(authors=[anne.slug], tags=[ia.slug]),
        make_article(),
    ]
    listed = {a["id"]: a for a in client.get("/v1/articles").get_json()["data"]}
    assert [r["slug"] for r in listed[str(made[0].id)]["authors"]] == [zoe.slug, anne.slug]
    assert [r["slug"] for r in listed[str(made[0].id)]["tags"]] == [
        seoul.slug,
        climat.slug,
        ia.slug,
    ]
    assert listed[str(made[2].id)]["authors"] == [] and listed[str(made[2].id)]["tags"] == []
    for article in made:
        alone = client.get(f"/v1/articles/{article.id}").get_json()["data"]
        item = listed[str(article.id)]
        assert (item["authors"], item["tags"]) == (alone["authors"], alone["tags"])
        assert list(item) == [name for name in alone if name in item]  # the same field order
    only_tags = client.get("/v1/articles?fields=tags").get_json()["data"]
    assert {tuple(a) for a in only_tags} == {("id", "tags")}


def test_list_summaries_carry_no_body(client, seeded):
    article = client.get("/v1/articles").get_json()["data"][0]
    assert "body" not in article and "body_html" not in article
    assert article["excerpt"].startswith("C’est finalement à Séoul")


def test_list_envelope_has_meta_links_and_link_header(client, make_article):
    for _ in range(3):
        make_article()
    response = client.get("/v1/articles?per_page=2&page=2")
    body = response.get_json()
    assert body["meta"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2}
    assert body["links"]["prev"].endswith("/v1/articles?per_page=2&page=1")
    assert body["links"]["next"] is None
    assert 'rel="first"' in response.headers["Link"]
    assert 'rel="prev"' in response.headers["Link"]
    assert 'rel="next"' not in response.headers["Link"]


def test_page_links_keep_every_parameter_encoded_as_flask_builds_urls(app, client, make_article):
    """Each link is the URL `url_for` builds for the request's parameters with its own page:
    accents, spaces, commas and repeated parameters included."""
    for _ in range(5):
        make_article(title="Été à Séoul", tags=[])
    query = "q=%C3%A9t%C3%A9+S%C3%A9oul&fields=title,slug&sort=-published_at&per_page=2&page=2"
    body = client.get(f"/v1/articles?{query}").get_json()
    args = {"q": "été Séoul", "fields": "title,slug", "sort": "-published_at", "per_page": "2"}
    with app.test_request_context("/v1/articles"):
        expected = {
            rel: url_for("articles.Articles", **args, page=number, _external=True)
            for rel, number in (("self", 2), ("first", 1), ("prev", 1), ("next", 3), ("last", 3))
        }
    assert body["meta"]["pages"] == 3
    assert body["links"] == expected


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_unpublished_articles_are_invisible(client, make_article, status):
    hidden = make_article(status=status)
    assert client.get("/v1/articles").get_json()["meta"]["total"] == 0
    assert client.get(f"/v1/articles/{hidden.id}").status_code == 404
    assert client.get(f"/v1/articles/slug/{hidden.slug}").status_code == 404


def test_scheduled_article_is_invisible_until_its_time(client, make_article):
    future = make_article(status="scheduled", published_at=datetime.now(UTC) + timedelta(hours=1))
    past = make_article(status="scheduled", published_at=datetime.now(UTC) - timedelta(minutes=1))
    slugs = [a["slug"] for a in client.get("/v1/articles").get_json()["data"]]
    assert slugs == [past.slug]
    assert client.get(f"/v1/articles/{future.id}").status_code == 404


def test_published_article_dated_in_the_future_is_invisible(client, make_article):
    make_article(published_at=datetime.now(UTC) + timedelta(days=1))
    assert client.get("/v1/articles").get_json()["data"] == []


def test_get_by_id_returns_the_body(client, seeded):
    body = client.get(f"/v1/articles/{seeded.id}").get_json()
    assert body["data"]["id"] == str(seeded.id)
    assert "## Le Sommet de Séoul" in body["data"]["body"]
    assert "<h2>Le Sommet de Séoul</h2>" in body["data"]["body_html"]


def test_get_by_slug(client, seeded):
    body = client.get(f"/v1/articles/slug/{SEED_SLUG}").get_json()
    assert body["data"]["id"] == str(seeded.id)


def test_unknown_id_is_a_problem_404(client):
    assert_problem(client.get(f"/v1/articles/{uuid.uuid4()}"), 404)


def test_malformed_id_is_a_problem_404(client):
    assert_problem(client.get("/v1/articles/123456789012345678901234567890"), 404)


def test_unknown_slug_is_a_problem_404(client):
    assert_problem(client.get("/v1/articles/slug/nope"), 404)


def test_filter_by_tag(client, make_article, make_tag):
    tag = make_tag(name="Séoul")
    tagged = make_article(tags=[tag.slug])
    make_article()
    slugs = [a["slug"] for a in client.get(f"/v1/articles?tag={tag.slug}").get_json()["data"]]
    assert slugs == [tagged.slug]


def test_filter_by_author(client, make_article, make_author):
    author = make_author(name="Anne Lévy")
    signed = make_article(authors=[author.slug])
    make_article()
    slugs = [a["slug"] for a in client.get("/v1/articles?author=anne-levy").get_json()["data"]]
    assert slugs == [signed.slug]


def test_filter_by_language(client, make_article):
    english = make_article(language="en")
    make_article(language="fr")
    slugs = [a["slug"] for a in client.get("/v1/articles?lang=en").get_json()["data"]]
    assert slugs == [english.slug]


def test_filter_by_publication_window(client, make_article):
    early = make_article(published_at=datetime(2024, 1, 1, tzinfo=UTC))
    make_article(published_at=datetime(2024, 6, 1, tzinfo=UTC))
    response = client.get(
        "/v1/articles?published_after=2023-12-31T00:00:00Z&published_before=2024-02-01T00:00:00Z"
    )
    assert [a["slug"] for a in response.get_json()["data"]] == [early.slug]


def test_default_sort_is_newest_first(client, make_article):
    old = make_article(published_at=datetime(2024, 1, 1, tzinfo=UTC))
    new = make_article(published_at=datetime(2024, 2, 1, tzinfo=UTC))
    slugs = [a["slug"] for a in client.get("/v1/articles").get_json()["data"]]
    assert slugs == [new.slug, old.slug]


def test_sort_by_title_ascending(client, make_article):
    make_article(title="Zèbre")
    make_article(title="Abeille")
    titles = [a["title"] for a in client.get("/v1/articles?sort=title").get_json()["data"]]
    assert titles == ["Abeille", "Zèbre"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=red", "colour"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=100000000000000000000", "page"),
        ("per_page=101", "per_page"),
        ("sort=body", "sort"),
        ("tag=Not%20A%20Slug", "tag"),
        ("lang=français", "lang"),
        ("published_after=yesterday", "published_after"),
    ],
)
def test_bad_query_is_a_400_naming_the_parameter(client, query, field):
    assert_problem(client.get(f"/v1/articles?{query}"), 400, field)


def test_method_not_allowed_is_a_405_with_allow(client):
    response = client.delete("/v1/articles")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "url",
    [
        f"/v1/articles/{uuid.uuid4()}",
        "/v1/articles/slug/x",
        f"/v1/tags/{uuid.uuid4()}",
        "/v1/authors/slug/x",
    ],
)
def test_lookups_refuse_unknown_query_parameters(client, url):
    assert_problem(client.get(f"{url}?colour=red"), 400, "colour")


@pytest.mark.parametrize("by", ["slug", "id"])
def test_a_readers_read_runs_a_statement_built_once(client, make_article, by):
    """A reader's read by slug or id runs the same statement object each time (built once per
    field selection, `queries.public_article_by`), with the key bound; it still reads only
    that article."""
    first, second = make_article(), make_article()
    statements: list = []

    def seen(state):
        statements.append(state.statement)

    event.listen(Session, "do_orm_execute", seen)
    try:
        reads = []
        for article in (first, second):
            key = article.slug if by == "slug" else article.id
            response = client.get(f"/v1/articles/{'slug/' if by == 'slug' else ''}{key}")
            assert response.status_code == 200
            reads.append((response.get_json()["data"]["id"], statements[0]))
            statements.clear()
    finally:
        event.remove(Session, "do_orm_execute", seen)
    assert [read[0] for read in reads] == [str(first.id), str(second.id)]
    assert reads[0][1] is reads[1][1]
