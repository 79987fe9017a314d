"""Cursor pagination of the article list: keyset on (published_at, id), signed cursors."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous import URLSafeSerializer

from tests.conftest import assert_problem

DAY = datetime(2024, 5, 21, 8, tzinfo=UTC)


def _get(client, query: str, **kwargs):
    response = client.get(f"/v1/articles?{query}", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _walk(client, query: str) -> tuple[list[str], int]:
    """Every id a cursor walk returns, following `meta.next_cursor`, and the pages it took."""
    ids, cursor, pages = [], "start", 0
    while cursor is not None:
        body = _get(client, f"{query}&cursor={cursor}").get_json()
        ids += [item["id"] for item in body["data"]]
        cursor, pages = body["meta"]["next_cursor"], pages + 1
        assert pages < 100
    return ids, pages


@pytest.fixture
def articles(make_article):
    """Seven articles, three of them at the same instant (the id breaks the tie)."""
    times = [DAY, DAY, DAY, DAY - timedelta(days=1), DAY + timedelta(days=1), DAY, DAY]
    times[5] = DAY - timedelta(hours=3)
    return [make_article(published_at=moment) for moment in times]


def _expected(articles, *, descending=True) -> list[str]:
    ordered = sorted(articles, key=lambda a: (a.published_at, a.id), reverse=descending)
    return [str(a.id) for a in ordered]


def test_a_walk_returns_every_article_once_in_order(client, articles):
    ids, pages = _walk(client, "per_page=2")
    assert ids == _expected(articles)
    assert len(ids) == len(set(ids)) == 7
    assert pages == 4


def test_a_walk_in_ascending_order(client, articles):
    ids, _pages = _walk(client, "per_page=3&sort=published_at")
    assert ids == _expected(articles, descending=False)


def test_a_walk_with_one_item_per_page_across_equal_times(client, articles):
    ids, pages = _walk(client, "per_page=1")
    assert ids == _expected(articles) and pages == 7


def test_a_walk_matches_offset_pages(client, articles):
    ids, _pages = _walk(client, "per_page=3")
    offset = [item["id"] for item in _get(client, "per_page=100").get_json()["data"]]
    assert ids == offset


def test_next_links_in_body_and_header(client, articles):
    response = _get(client, "per_page=2&cursor=start&fields=title")
    body = response.get_json()
    cursor = body["meta"]["next_cursor"]
    assert body["meta"] == {"per_page": 2, "next_cursor": cursor}
    nxt = body["links"]["next"]
    query = parse_qs(urlsplit(nxt).query)
    assert query["cursor"] == [cursor] and query["fields"] == ["title"]
    assert f'<{nxt}>; rel="next"' in response.headers["Link"]
    assert 'rel="first"' in response.headers["Link"]
    assert body["links"]["prev"] is None and body["links"]["last"] is None


def test_the_last_page_has_no_next(client, articles):
    body = _get(client, "per_page=100&cursor=start").get_json()
    assert body["meta"]["next_cursor"] is None and body["links"]["next"] is None
    assert 'rel="next"' not in _get(client, "per_page=100&cursor=start").headers["Link"]


def test_a_deep_page_costs_what_the_first_costs(client, articles, count_statements):
    first = _get(client, "per_page=2&cursor=start").get_json()
    count_statements.statements.clear()
    _get(client, "per_page=2&cursor=start")
    first_count = count_statements.count
    cursor = first["meta"]["next_cursor"]
    body = _get(client, f"per_page=2&cursor={cursor}").get_json()
    cursor = body["meta"]["next_cursor"]
    count_statements.statements.clear()
    _get(client, f"per_page=2&cursor={cursor}")
    assert count_statements.count == first_count
    statements = " ".join(count_statements.statements).lower()
    assert "count(" not in statements
    assert "(articles.published_at, articles.id) <" in statements


def test_filters_apply_in_cursor_mode(client, make_article, make_tag):
    tag = make_tag().slug
    tagged = [make_article(tags=[tag], published_at=DAY - timedelta(hours=n)) for n in range(3)]
    make_article()
    ids, _pages = _walk(client, f"per_page=2&tag={tag}")
    assert ids == [str(a.id) for a in tagged]


def test_search_walks_in_publication_order(client, make_article):
    found = [
        make_article(title=f"Zyxwv {n}", published_at=DAY + timedelta(hours=n)) for n in (1, 2)
    ]
    ids, _pages = _walk(client, "per_page=1&q=zyxwv")
    assert ids == [str(found[1].id), str(found[0].id)]


@pytest.mark.parametrize(
    "query",
    [
        "cursor=nonsense",
        "cursor=",
        "cursor=start&page=2",
        "cursor=start&page=1",
        "cursor=start&sort=title",
        "cursor=start&sort=-updated_at",
        "cursor=start&sort=-published_at,title",
    ],
)
def test_a_bad_cursor_or_a_conflict_is_a_400_naming_cursor(client, articles, query):
    assert_problem(client.get(f"/v1/articles?{query}"), 400, "cursor")


def test_cursor_is_not_for_editorial_listings(client, articles, editor):
    response = client.get("/v1/articles?cursor=start&status=draft", headers=editor)
    assert_problem(response, 400, "cursor")


def test_a_forged_cursor_is_a_400(client, articles):
    forged = URLSafeSerializer("not the secret", salt="newsdesk.cursor").dumps(
        {"p": "2100-01-01T00:00:00+00:00", "i": str(articles[0].id)}
    )
    assert_problem(client.get(f"/v1/articles?cursor={forged}"), 400, "cursor")


def test_an_altered_cursor_is_a_400(client, articles):
    cursor = _get(client, "per_page=1&cursor=start").get_json()["meta"]["next_cursor"]
    altered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert_problem(client.get(f"/v1/articles?cursor={altered}"), 400, "cursor")


def test_offset_mode_is_unchanged(client, articles):
    body = _get(client, "per_page=2&page=2").get_json()
    assert body["meta"]["page"] == 2 and body["meta"]["total"] == 7
    assert "next_cursor" not in body["meta"]


def test_updated_since_lists_what_changed(client, session, articles):
    changed = articles[3]
    changed.updated_at = datetime(2030, 1, 1, tzinfo=UTC)
    session.commit()
    ids = [i["id"] for i in _get(client, "updated_since=2029-12-31T00:00:00Z").get_json()["data"]]
    assert ids == [str(changed.id)]
    walked, _pages = _walk(client, "per_page=1&updated_since=2029-12-31T00:00:00Z")
    assert walked == [str(changed.id)]


def test_updated_since_must_be_a_time(client):
    assert_problem(client.get("/v1/articles?updated_since=yesterday"), 400, "updated_since")
