"""Reading tags and authors: lists with counts of published articles, lookups by id and slug."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import assert_problem

RESOURCES = ["tags", "authors"]


@pytest.fixture
def make_one(make_tag, make_author):
    return {"tags": make_tag, "authors": make_author}


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_is_sorted_by_name(client, make_one, resource):
    make_one[resource](name="Zoé")
    make_one[resource](name="Étienne")
    make_one[resource](name="Alice")
    names = [item["name"] for item in client.get(f"/v1/{resource}").get_json()["data"]]
    assert names[0] == "Alice" and names[-1] == "Zoé"


@pytest.mark.parametrize("resource", RESOURCES)
def test_get_by_id_and_by_slug(client, make_one, resource):
    item = make_one[resource](name="Séoul")
    assert item.slug == "seoul"
    by_id = client.get(f"/v1/{resource}/{item.id}").get_json()["data"]
    by_slug = client.get(f"/v1/{resource}/slug/seoul").get_json()["data"]
    assert by_id == by_slug
    assert by_id["name"] == "Séoul"


@pytest.mark.parametrize("resource", RESOURCES)
def test_unknown_id_and_slug_are_404(client, resource):
    assert_problem(client.get(f"/v1/{resource}/{uuid.uuid4()}"), 404)
    assert_problem(client.get(f"/v1/{resource}/slug/personne"), 404)


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("query", ["sort=bogus", "page=-1", "per_page=1000", "unknown=1"])
def test_bad_query_is_a_400(client, resource, query):
    assert_problem(client.get(f"/v1/{resource}?{query}"), 400, query.split("=")[0])


def test_tag_count_only_counts_public_articles(client, make_tag, make_article):
    tag = make_tag()
    make_article(tags=[tag.slug])
    make_article(tags=[tag.slug])
    make_article(tags=[tag.slug], status="draft")
    make_article(
        tags=[tag.slug], status="scheduled", published_at=datetime.now(UTC) + timedelta(days=1)
    )
    body = client.get(f"/v1/tags/{tag.id}").get_json()
    assert body["data"]["article_count"] == 2


def test_author_count_only_counts_public_articles(client, make_author, make_article):
    author = make_author()
    make_article(authors=[author.slug])
    make_article(authors=[author.slug], status="archived")
    body = client.get(f"/v1/authors/slug/{author.slug}").get_json()
    assert body["data"]["article_count"] == 1


def test_tags_sort_by_article_count_descending(client, make_tag, make_article):
    busy, quiet = make_tag(name="Busy"), make_tag(name="Quiet")
    make_article(tags=[busy.slug])
    make_article(tags=[busy.slug, quiet.slug])
    slugs = [t["slug"] for t in client.get("/v1/tags?sort=-article_count").get_json()["data"]]
    assert slugs.index(busy.slug) < slugs.index(quiet.slug)


def test_author_social_links_round_trip(client, make_author):
    author = make_author(social_links={"bluesky": "https://bsky.app/profile/redaction"})
    body = client.get(f"/v1/authors/{author.id}").get_json()["data"]
    assert body["social_links"] == {"bluesky": "https://bsky.app/profile/redaction"}
