"""A list in its other orders (title, last update, creation; either way) is read from their
indexes (migration 0017) rather than by sorting every public article, on both databases, and
lists exactly what the visibility rule and the order say."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from api.models import Article, ArticleTag, Tag
from api.services import queries
from api.services.visibility import article_is_public
from tests.conftest import on_postgresql

SORTS = ["title", "updated_at", "created_at"]


def _plan(session, stmt) -> str:
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if on_postgresql():
        # The test database is small: sorting it looks as cheap as reading an index, so the
        # planner is told to avoid both a sort and a scan of the table where it can
        session.execute(text("SET LOCAL enable_sort = off"))
        session.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {compiled}")))
    return "\n".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))


@pytest.mark.parametrize("desc", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("name", SORTS)
def test_a_sorted_list_is_read_from_its_index(session, name, desc):
    dialect = session.get_bind().dialect.name
    listing = queries.public_listing(dialect=dialect, bylines=False, sort=[(name, desc)])
    plan = _plan(session, listing.limit(20))
    assert f"ix_articles_sort_{name}" in plan, plan
    # At most the ties sorted by id, within the index's order
    assert not re.search(r"(?<!Incremental )Sort  \(", plan), plan  # PostgreSQL
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan  # SQLite


@pytest.mark.skipif(on_postgresql(), reason="SQLite's query plans")
def test_a_deep_sorted_page_chooses_its_keys_from_the_index_alone(session):
    keys_first = queries.page_keys_first(sort=[("title", True)])
    assert keys_first is not None
    plan = _plan(
        session,
        keys_first.rows.where(
            Article.id.in_(keys_first.rows.with_only_columns(Article.id).limit(20).offset(4000))
        ),
    )
    assert "COVERING INDEX ix_articles_sort_title" in plan, plan


@pytest.mark.skipif(on_postgresql(), reason="SQLite's query plans")
def test_the_changes_since_a_time_are_read_from_the_update_index(session):
    since = datetime(2024, 1, 1, tzinfo=UTC)
    listing = queries.list_articles(sort=[("updated_at", False)], updated_since=since)
    count = select(func.count()).select_from(listing.order_by(None).subquery())
    plan = _plan(session, listing.limit(20)) + "\n" + _plan(session, count)
    assert "ix_articles_sort_updated_at" in plan, plan
    assert "SCAN articles\n" not in plan + "\n", plan


@pytest.mark.parametrize("since", ["2024-01-01", "2099-01-01"], ids=["some", "none"])
def test_the_changes_since_a_time_in_publication_order_are_checked_from_its_index(session, since):
    """`?updated_since=` newest first: the publication order's index holds the last update
    (migration 0019), so the walk for a page, and the count, check it there rather than in
    each public article's row (2.2 s on SQLite and 227 ms on PostgreSQL at 100,000 articles
    when none had changed)."""
    time = datetime.fromisoformat(since).replace(tzinfo=UTC)
    listing = queries.list_articles(updated_since=time)
    plan = _plan(session, listing.limit(20))
    assert "ix_articles_public_order" in plan, plan
    if on_postgresql():
        condition = next(line for line in plan.splitlines() if "updated_at >=" in line)
        assert "Index Cond" in condition, plan  # not a Filter on the rows read
    else:
        count = select(func.count()).select_from(listing.order_by(None).subquery())
        assert "COVERING INDEX ix_articles_public_order" in _plan(session, count)
        assert "TEMP B-TREE" not in plan, plan


@pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's index scans")
@pytest.mark.parametrize("filters", [{}, {"updated_since": datetime(2024, 1, 1, tzinfo=UTC)}])
def test_a_page_in_one_language_chooses_its_keys_from_the_index_alone(session, filters):
    """`?lang=`: PostgreSQL's index scan reads each row before it checks the language, every
    public row when none is in that language (328 ms for `?lang=en` at 100,000 French
    articles); the page's keys come from an index-only scan of the publication order's
    index, which holds the language (migration 0018), and only its rows are read."""
    keys_first = queries.page_keys_first(dialect="postgresql", lang="en", **filters)
    assert keys_first is not None
    listing = queries.list_articles(dialect="postgresql", lang="en", **filters)
    key, rows, _keys = keys_first
    page = rows.where(key.in_(listing.with_only_columns(key).limit(20)))
    lines = _plan(session, page).splitlines()
    plan = "\n".join(lines)
    # The language is checked once, by the scan of the keys, which reads the index alone
    (checked,) = [n for n, line in enumerate(lines) if "lower((language)::text) = 'en'" in line]
    scan = next(line for line in reversed(lines[:checked]) if " Scan " in line)
    assert "Index Only Scan Backward using ix_articles_public_order" in scan, plan


def _hidden_and_shown(session, make_article) -> None:
    """Articles of every state, with titles and times out of order: the public ones show."""
    now = datetime.now(UTC)
    for n, title in enumerate(["Zèbre", "abeille", "Été", "Mûre", "bœuf", "Âne", "ours"]):
        make_article(title=title, published_at=now - timedelta(days=n + 1))
    make_article(title="Aaa brouillon", status="draft")
    make_article(title="Aaa prévu", status="scheduled", published_at=now + timedelta(days=1))
    make_article(title="Aaa archivé", status="archived")
    deleted = make_article(title="Aaa supprimé")
    deleted.deleted_at = now
    session.commit()


def _public_ids(session, name: str, desc: bool, *conditions) -> list[str]:
    """The public articles' ids (narrowed by `conditions`) in the order of column `name`."""
    column = getattr(Article, name)
    order = column.desc() if desc else column.asc()
    stmt = select(Article.id).where(article_is_public(), *conditions)
    return [str(i) for i in session.scalars(stmt.order_by(order, Article.id.desc()))]


def _every_page(client, query: str, per_page: int, total: int) -> list[str]:
    """The ids listed by every page of `/v1/articles?{query}`, each page's total checked."""
    listed, page = [], 1
    while True:
        args = "&".join(filter(None, (query, f"per_page={per_page}&page={page}&fields=id")))
        body = client.get(f"/v1/articles?{args}").get_json()
        assert body["meta"]["total"] == total, body
        if not body["data"]:
            return listed
        listed += [item["id"] for item in body["data"]]
        page += 1


@pytest.mark.parametrize("desc", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("name", SORTS)
def test_a_sorted_list_pages_through_the_public_articles_in_order(
    client, session, make_article, name, desc
):
    _hidden_and_shown(session, make_article)
    expected = _public_ids(session, name, desc)
    sort = f"-{name}" if desc else name
    assert _every_page(client, f"sort={sort}", 3, len(expected)) == expected


@pytest.mark.parametrize("sort", SORTS)
def test_a_key_holders_linked_page_in_another_order_lists_in_that_order(
    client, session, editor, make_article, make_tag, sort
):
    """A key holder's tag page in another order chooses its keys from the links and reads
    its rows by the rule read in the order's index (on SQLite `+column`, which PostgreSQL
    does not have: a 500 there once)."""
    tag = make_tag()
    for title in ["Zèbre", "abeille", "Mûre"]:
        make_article(title=title, tags=[tag.slug])
    response = client.get(f"/v1/articles?tag={tag.slug}&sort=-{sort}&fields=id", headers=editor)
    assert response.status_code == 200, response.get_data(as_text=True)
    column = getattr(Article, sort)
    expected = session.scalars(
        select(Article.id)
        .join(ArticleTag, ArticleTag.article_id == Article.id)
        .join(Tag, Tag.id == ArticleTag.tag_id)
        .where(article_is_public(), Tag.slug == tag.slug)
        .order_by(column.desc(), Article.id.desc())
    )
    assert [item["id"] for item in response.get_json()["data"]] == [str(i) for i in expected]


# A list in another order narrowed by what that order's index holds (migration 0020)
HELD = {
    "lang": ("lang", "en"),
    "published_after": ("published_after", datetime(2024, 5, 18, tzinfo=UTC)),
    "published_before": ("published_before", datetime(2024, 5, 18, tzinfo=UTC)),
    "updated_since": ("updated_since", datetime(2024, 1, 1, tzinfo=UTC)),
}


@pytest.mark.skipif(on_postgresql(), reason="SQLite's query plans")
@pytest.mark.parametrize("held", HELD)
@pytest.mark.parametrize("name", SORTS)
def test_a_sorted_list_narrowed_by_what_its_index_holds_is_read_from_it(session, name, held):
    """`?sort=title&lang=fr`, `?sort=-created_at&published_after=…`, …: the page's keys are
    read from the order's index in order, each filter checked there, not sorted from what
    another index finds, reading each row for its language or its last update (at 100,000
    articles, `?sort=title&lang=fr` took 1.3 s, 37 ms now). The count reads the publication
    order's index alone."""
    filters = {"sort": [(name, True)], HELD[held][0]: HELD[held][1]}
    keys = queries.list_articles(bylines=False, **filters).with_only_columns(Article.id)
    plan = _plan(session, keys.limit(20))
    assert f"COVERING INDEX ix_articles_sort_{name}" in plan, plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
    total = queries.listing_total("sqlite", **filters)
    if held == "updated_since" and name == "updated_at":
        assert total is None  # counted from the range of the order's own index
        total = select(func.count()).select_from(keys.order_by(None).subquery())
    plan = _plan(session, total)
    assert "COVERING INDEX" in plan, plan
    assert "SCAN articles\n" not in plan + "\n", plan


@pytest.mark.parametrize("held", HELD)
@pytest.mark.parametrize("desc", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("name", SORTS)
def test_a_sorted_list_narrowed_by_what_its_index_holds_lists_what_the_filter_keeps(
    client, session, make_article, name, desc, held
):
    _hidden_and_shown(session, make_article)
    english = make_article(
        title="Yak", language="en", published_at=datetime(2024, 5, 17, tzinfo=UTC)
    )
    english.updated_at = datetime(2023, 6, 1, tzinfo=UTC)  # before `updated_since`
    session.commit()
    narrowing = {
        "lang": Article.language == "en",
        "published_after": Article.published_at >= HELD["published_after"][1],
        "published_before": Article.published_at < HELD["published_before"][1],
        "updated_since": Article.updated_at >= HELD["updated_since"][1],
    }[held]
    expected = _public_ids(session, name, desc, narrowing)
    assert 0 < len(expected) < 8  # the filter keeps some public articles, not all
    key, value = HELD[held]
    value = value if isinstance(value, str) else value.isoformat().replace("+00:00", "Z")
    sort = f"-{name}" if desc else name
    assert _every_page(client, f"sort={sort}&{key}={value}", 2, len(expected)) == expected


@pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's index scans")
@pytest.mark.parametrize("name", SORTS)
def test_a_sorted_page_in_one_language_chooses_its_keys_from_its_index_alone(session, name):
    """`?sort=title&lang=en`: as in publication order (above), PostgreSQL's index scan of the
    order's index read each row before checking the language, every public row when none is
    in that language (273 ms at 100,000 French articles); the page's keys come from an
    index-only scan of the order's index, which holds the language (migration 0020)."""
    filters = {"sort": [(name, False)], "lang": "en"}
    keys_first = queries.page_keys_first(dialect="postgresql", **filters)
    assert keys_first is not None
    listing = queries.list_articles(dialect="postgresql", **filters)
    key, rows, _keys = keys_first
    lines = _plan(session, rows.where(key.in_(listing.with_only_columns(key).limit(20))))
    lines = lines.splitlines()
    plan = "\n".join(lines)
    (checked,) = [n for n, line in enumerate(lines) if "lower((language)::text) = 'en'" in line]
    scan = next(line for line in reversed(lines[:checked]) if " Scan " in line)
    assert f"Index Only Scan using ix_articles_sort_{name}" in scan, plan


@pytest.mark.parametrize("sort", ["", "title", "-updated_at", "created_at"])
def test_deep_pages_list_what_the_rule_and_the_order_say(
    client, session, make_article, monkeypatch, sort
):
    """A deep page of the public list in an index's order, read keys first on PostgreSQL
    from `KEYS_FIRST_OFFSET` articles in (made small here), lists what the shallow ones
    would: every page of each order, in order, under the visibility rule."""
    monkeypatch.setattr(queries, "KEYS_FIRST_OFFSET", 2)
    _hidden_and_shown(session, make_article)
    name, desc = (sort.lstrip("-") or "published_at"), sort.startswith("-") or not sort
    expected = _public_ids(session, name, desc)
    query = f"sort={sort}" if sort else ""
    assert _every_page(client, query, 2, len(expected)) == expected


@pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's index scans")
@pytest.mark.parametrize(
    ("sort", "index"),
    [((), "ix_articles_public_order"), ((("title", True),), "ix_articles_sort_title")],
    ids=["newest first", "by title"],
)
def test_a_deep_page_skips_its_first_articles_in_the_index_alone(session, sort, index):
    """PostgreSQL read each article a deep page skips (an index scan reads its row), or
    sorted the whole table: page 4,000 at 100,000 articles took 195-272 ms. From
    `KEYS_FIRST_OFFSET` articles in, the page's keys come from an index-only scan of its
    order's index (18-31 ms); before, the page is read as it is (its rows are few)."""
    filters = {"sort": list(sort)} if sort else {}
    offset = queries.KEYS_FIRST_OFFSET
    assert queries.page_keys_first(dialect="postgresql", offset=offset - 1, **filters) is None
    keys_first = queries.page_keys_first(dialect="postgresql", offset=offset, **filters)
    assert keys_first is not None
    listing = queries.list_articles(dialect="postgresql", **filters)
    key, rows, _keys = keys_first
    plan = _plan(
        session, rows.where(key.in_(listing.with_only_columns(key).limit(20).offset(4000)))
    )
    assert f"Index Only Scan Backward using {index}" in plan, plan
