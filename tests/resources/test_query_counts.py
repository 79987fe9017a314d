"""Lists embed authors and tags in a fixed number of statements, whatever the page size."""

import pytest


@pytest.fixture
def catalogue(make_article, make_author, make_tag):
    authors = [make_author() for _ in range(3)]
    tags = [make_tag() for _ in range(3)]
    for i in range(100):
        make_article(
            authors=[authors[i % 3].slug, authors[(i + 1) % 3].slug],
            tags=[tags[i % 3].slug],
        )


def _statements_for(client, count_statements, url) -> int:
    before = count_statements.count
    response = client.get(url)
    assert response.status_code == 200
    return count_statements.count - before


def test_listing_100_articles_costs_what_listing_10_costs(client, catalogue, count_statements):
    ten = _statements_for(client, count_statements, "/v1/articles?per_page=10")
    hundred = _statements_for(client, count_statements, "/v1/articles?per_page=100")
    assert ten == hundred
    assert hundred <= 4  # count, page, authors, tags


def test_listed_articles_carry_all_their_authors_and_tags(client, catalogue):
    data = client.get("/v1/articles?per_page=100").get_json()["data"]
    assert len(data) == 100
    assert all(len(a["authors"]) == 2 and len(a["tags"]) == 1 for a in data)


@pytest.mark.parametrize("resource", ["tags", "authors"])
def test_listing_tags_and_authors_with_counts_costs_two_statements(
    client, catalogue, count_statements, resource
):
    assert _statements_for(client, count_statements, f"/v1/{resource}?per_page=100") == 2
