"""Indexes match the public listings: SQLite reads each from an index, never the whole table,
and pages in publication order without sorting (PostgreSQL's planner needs real data to show
it: `make bench` measures it there)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, literal, select, text, tuple_

from api.models import Article
from api.services import queries
from tests.conftest import on_postgresql

pytestmark = pytest.mark.skipif(on_postgresql(), reason="SQLite's query plans")

POSITION = (datetime(2024, 5, 21, tzinfo=UTC), "0b1e5c2d-9a7f-4c3e-8d21-5f6a7b8c9d0e")


def _plan(session, stmt) -> str:
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(row[-1] for row in rows)


def _count(stmt):
    return select(func.count()).select_from(stmt.order_by(None).subquery())


def _after(stmt):
    """A keyset page: after a position in publication order, newest first."""
    key = tuple_(Article.published_at, Article.id)
    position = tuple_(literal(POSITION[0], Article.published_at.type), literal(POSITION[1]))
    return stmt.where(key < position).limit(20)


LISTINGS = {
    "list": lambda: queries.list_articles().limit(20),
    "deep page": lambda: queries.list_articles().limit(20).offset(7980),
    "count": lambda: _count(queries.list_articles()),
    "cursor page": lambda: _after(queries.list_articles()),
    "feed": lambda: queries.feed_articles(limit=50),
}


@pytest.mark.parametrize("name", LISTINGS)
def test_public_listings_read_the_publication_order_index(session, name):
    plan = _plan(session, LISTINGS[name]())
    assert "ix_articles_public_order" in plan, plan
    assert "SCAN articles" not in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_the_public_count_reads_the_index_alone(session):
    assert "COVERING INDEX ix_articles_public_order" in _plan(
        session, _count(queries.list_articles())
    )


def test_a_language_s_listing_and_its_count_read_the_publication_order_index(session):
    """`?lang=` is checked from the publication order's index, like the rest of the rule, not
    from each article's row, where `language` sits after the bodies (overflow pages): the
    count reads the index alone (migration 0018)."""
    assert "COVERING INDEX ix_articles_public_order" in _plan(
        session, _count(queries.list_articles(lang="fr"))
    )
    plan = _plan(session, queries.list_articles(lang="fr").limit(20))
    assert "ix_articles_public_order" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize(
    "filters",
    [{"tag": "climat"}, {"author": "la-redaction"}, {"q": "sommet"}, {"lang": "fr"}],
    ids=lambda filters: next(iter(filters)),
)
def test_filtered_listings_never_scan_the_articles_table(session, filters):
    plan = _plan(session, _count(queries.list_articles(**filters)))
    plan += "\n" + _plan(session, queries.list_articles(**filters).limit(20))
    assert "SCAN articles\n" not in plan + "\n", plan


def _steps(session, client, url: str) -> int:
    """SQLite virtual-machine steps (in hundreds) the request's statements took."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    connection = session.connection().connection.dbapi_connection
    connection.set_progress_handler(count, 100)
    try:
        assert client.get(url).status_code == 200
    finally:
        connection.set_progress_handler(None, 100)
    return steps[0]


def test_a_cursor_page_at_depth_seeks_rather_than_walks(session, client, make_article):
    """The cursor's bound comes before the visibility rule's `published_at <= now`: SQLite
    seeks its index to the cursor's position instead of walking from now to it."""
    for day in range(300):
        make_article(published_at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=day))
    url = "/v1/articles?per_page=5&fields=id"
    first = client.get(f"{url}&cursor=start").get_json()
    walked = first
    for _ in range(50):  # 250 articles down
        walked = client.get(f"{url}&cursor={walked['meta']['next_cursor']}").get_json()
    deep = f"{url}&cursor={walked['meta']['next_cursor']}"
    shallow = f"{url}&cursor={first['meta']['next_cursor']}"
    assert _steps(session, client, deep) <= 1.5 * _steps(session, client, shallow)


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"tag": "climat"}, "ix_article_tags_tag_id_listed_at"),
        ({"author": "la-redaction"}, "ix_article_authors_author_id_listed_at"),
    ],
    ids=["tag", "author"],
)
def test_a_linked_filters_page_reads_its_links_in_order(session, filters, index):
    """Newest first, a tag's (an author's) page is a range of its links' index read in order:
    no sort of the target's articles to keep a page of them (migration 0012)."""
    plan = _plan(session, queries.list_articles(**filters).limit(20).offset(40))
    assert index in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_a_tags_page_costs_the_same_whatever_its_size(session, client, make_article, make_tag):
    """A tag's first page reads its own twenty entries, not all of the tag's articles."""
    small, large = make_tag(), make_tag()
    for day in range(300):
        tags = [large.slug, small.slug] if day % 15 == 0 else [large.slug]
        make_article(tags=tags, published_at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=day))
    url = "/v1/articles?per_page=5&fields=id&tag="
    assert _steps(session, client, url + large.slug) <= 1.5 * _steps(
        session, client, url + small.slug
    )
