"""A public search by relevance on SQLite counts and ranks its matches from the full-text index
and `articles_fts_listed` (migration 0015) without reading their rows: it lists what the
general rule lists, in the same order, whatever changes an article and whoever makes it."""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import and_, column, literal_column, select, table, text

from api.models import Article
from api.services import queries, visibility
from api.services.visibility import PUBLIC_STATUSES
from tests.conftest import on_postgresql

pytestmark = pytest.mark.skipif(on_postgresql(), reason="SQLite's full-text search")

LISTED = (
    Article.status.in_(PUBLIC_STATUSES),
    Article.published_at.is_not(None),
    Article.deleted_at.is_(None),
)
LISTING = table("articles_fts_listed", column("id"), column("listed_at", Article.published_at.type))
DAY = datetime(2024, 5, 1, 8, tzinfo=UTC)


def _check_listing(session) -> None:
    """Each article has its row, holding its publication time while it is listed, NULL
    otherwise; no row outlives its article."""
    session.expire_all()
    rows = session.execute(
        select(literal_column("articles.rowid"), Article.published_at, and_(*LISTED))
    ).all()
    expected = {rowid: (published_at if listed else None) for rowid, published_at, listed in rows}
    assert dict(session.execute(select(LISTING.c.id, LISTING.c.listed_at)).all()) == expected


def _walk(client, q: str, per_page: int, **params) -> tuple[int, list[str]]:
    """Every page of a search: its total and the ids it lists, in order."""
    ids, page = [], 1
    while True:
        response = client.get(
            "/v1/articles",
            query_string={"q": q, "per_page": per_page, "page": page, "fields": "id", **params},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        ids += [item["id"] for item in body["data"]]
        if page >= body["meta"]["pages"]:
            return body["meta"]["total"], ids
        page += 1


def _agree(client, q: str) -> list[str]:
    """The search alone (ranked from the index) lists, page after page, what the same search
    narrowed by a filter every article passes (`lang=fr`: ranked the general way) lists in one
    page. Returns the ids."""
    total, ids = _walk(client, q, per_page=2)
    assert (total, ids) == _walk(client, q, per_page=100, lang="fr")
    assert total == len(ids) == len(set(ids))
    return ids


def test_the_search_alone_takes_the_index_and_the_narrowed_one_the_rows(
    client, make_article, count_statements
):
    make_article(title="Le sommet")
    client.get("/v1/articles?q=sommet")
    assert any("articles_fts_listed" in s for s in count_statements.statements)
    count_statements.statements.clear()
    client.get("/v1/articles?q=sommet&lang=fr")
    assert not any("articles_fts_listed" in s for s in count_statements.statements)


def test_a_public_search_lists_what_the_general_rule_lists(client, session, make_article):
    """Title, subtitle and body matches, ties of relevance, and every status: the same pages."""
    public = [
        make_article(title="Le sommet de Séoul", published_at=DAY),
        make_article(title="Autre", subtitle="Un sommet", published_at=DAY + timedelta(days=1)),
        make_article(title="Corps", body="Le sommet. " * 5, published_at=DAY + timedelta(days=2)),
        make_article(title="Corps bis", body="Le sommet.", published_at=DAY + timedelta(days=3)),
        make_article(title="Corps ter", body="Le sommet.", published_at=DAY + timedelta(days=4)),
        make_article(title="Sommet, jour 2", published_at=DAY + timedelta(days=5)),
        make_article(title="Passé", status="scheduled", published_at=DAY + timedelta(days=6)),
    ]
    # Equal in everything the order reads but their ids: written last, listed first
    ties = [make_article(title="Égal", body="Le sommet.", published_at=DAY) for _ in range(4)]
    make_article(title="Le sommet en brouillon", status="draft")
    make_article(title="Le sommet archivé", status="archived", published_at=DAY)
    make_article(
        title="Le sommet à venir", status="scheduled", published_at=datetime(2100, 1, 1, tzinfo=UTC)
    )
    make_article(title="Le sommet supprimé").deleted_at = DAY
    session.commit()
    make_article(title="Hors sujet")
    ids = _agree(client, "sommet")
    assert set(ids) == {str(article.id) for article in public[:6] + ties}
    assert ids[:2] == [str(public[5].id), str(public[0].id)]  # titles first, newest first
    tied = [str(article.id) for article in reversed(ties)]
    assert [i for i in ids if i in tied] == tied
    assert _agree(client, "passe") == [str(public[6].id)]
    assert _agree(client, "introuvable") == []


def test_the_listing_follows_every_step_of_an_articles_life(client, session, editor, admin):
    draft = client.post("/v1/articles", json={"title": "Un brouillon"}, headers=editor)
    article_id = draft.get_json()["data"]["id"]
    path = f"/v1/articles/{article_id}"
    listed = []

    def step(response_status: int, expected: bool) -> None:
        assert response_status in (200, 204)
        _check_listing(session)
        listed.append(_agree(client, "brouillon") == [article_id])
        assert listed[-1] is expected

    step(200, False)
    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    post = client.post
    step(post(f"{path}/schedule", json={"published_at": soon}, headers=editor).status_code, False)
    step(post(f"{path}/publish", headers=editor).status_code, True)
    step(post(f"{path}/unpublish", headers=editor).status_code, False)
    step(post(f"{path}/publish", headers=editor).status_code, True)
    step(post(f"{path}/archive", headers=editor).status_code, False)
    step(post(f"{path}/publish", headers=editor).status_code, True)
    etag = client.get(path, headers=editor).headers["ETag"]
    step(client.delete(path, headers={**editor, "If-Match": etag}).status_code, False)
    step(post(f"{path}/restore", headers=editor).status_code, True)
    etag = client.get(path, headers=editor).headers["ETag"]
    step(client.delete(path, headers={**editor, "If-Match": etag}).status_code, False)
    step(post(f"{path}/purge", headers=admin).status_code, False)


def test_rows_changed_by_hand_keep_the_listing(client, session, make_article):
    """Triggers keep it, not the API: SQL typed by an operator counts too."""
    articles = [make_article(title=f"Le sommet {n}", published_at=DAY) for n in range(3)]
    ids = [article.id.hex for article in articles]
    _check_listing(session)
    for statement in (
        "UPDATE articles SET status = 'draft' WHERE id = :a",
        "UPDATE articles SET deleted_at = published_at WHERE id = :b",
        "UPDATE articles SET published_at = '2100-01-01 00:00:00.000000' WHERE id = :c",
        "UPDATE articles SET status = 'published', deleted_at = NULL, title = 'x' WHERE id = :a",
        "UPDATE articles SET published_at = '2024-05-02 00:00:00.000000' WHERE id = :c",
        "DELETE FROM articles WHERE id = :b",
    ):
        session.execute(text(statement), dict(zip("abc", ids, strict=True)))
        session.commit()
        _check_listing(session)
        _agree(client, "sommet")
    assert len(_agree(client, "sommet")) == 1  # `a` is titled "x" now; `b` is gone


def test_an_import_fills_the_listing(client, session, runner, tmp_path):
    records = [
        {
            "type": "article",
            "slug": f"sommet-importe-{n}",
            "title": f"Le sommet importé {n}",
            "body": "Texte.",
            "status": "published" if n else "draft",
            "published_at": f"2024-05-2{n}T08:00:00Z",
        }
        for n in range(4)
    ]
    source = tmp_path / "articles.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    result = runner.invoke(args=["import", str(source), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    _check_listing(session)
    assert len(_agree(client, "importe")) == 3


def test_a_scheduled_match_is_found_once_the_clock_passes_it(client, monkeypatch, make_article):
    make_article(title="Le sommet d’hier", published_at=DAY)
    due = datetime.now(UTC) + timedelta(hours=1)
    later = make_article(title="Le sommet de demain", status="scheduled", published_at=due)
    assert str(later.id) not in _agree(client, "sommet")
    monkeypatch.setattr(visibility, "utcnow", lambda: due + timedelta(seconds=1))
    assert _agree(client, "sommet")[0] == str(later.id)


def test_a_public_search_is_built_once_whatever_its_text(client, make_article):
    """Its statements bind the text when they run (`queries.search_params`): a text never
    searched before costs no building, and each text finds its own articles and snippets,
    as objects (`fields=body`) or from stored summaries."""
    summit = make_article(title="Le sommet de Séoul", body="Un sommet à Séoul.")
    forum = make_article(title="La conférence de Paris", body="Une conférence à Paris.")
    listing = queries.public_listing(dialect="sqlite", bylines=False, q="sommet")
    keys_first = queries.page_keys_first(None, (), "sqlite", q="sommet")
    assert queries.public_listing(dialect="sqlite", bylines=False, q="paris") is listing
    assert queries.page_keys_first(None, (), "sqlite", q="conférence") is keys_first
    assert queries.listing_total("sqlite", q="sommet") is queries.listing_total("sqlite", q="x")
    for q, article, word in (
        ("sommet", summit, "sommet"),
        ("CONFERENCE", forum, "conférence"),
        ("séoul", summit, "Séoul"),
        ("introuvable", None, None),
    ):
        for fields in ("id,snippet", "id,snippet,body"):
            response = client.get("/v1/articles", query_string={"q": q, "fields": fields})
            body = response.get_json()
            assert response.status_code == 200, body
            expected = [] if article is None else [str(article.id)]
            assert [item["id"] for item in body["data"]] == expected
            assert body["meta"]["total"] == len(expected)
            if article is not None:
                assert f"<mark>{word}</mark>" in body["data"][0]["snippet"], body


def _plan(session, stmt, params=None) -> str:
    stmt = stmt.params(params) if params else stmt
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(row[-1] for row in rows)


def test_a_public_search_counts_and_ranks_without_reading_the_articles(session):
    keys_first = queries.page_keys_first(None, (), "sqlite", q="sommet")
    params = queries.search_params("sqlite", "sommet")
    for stmt in (queries.listing_total("sqlite", q="sommet"), keys_first.keys.limit(20)):
        plan = _plan(session, stmt, params)
        assert "SEARCH articles_fts_listed USING INTEGER PRIMARY KEY" in plan, plan
        assert not re.search(r"\barticles\b", plan), plan  # articles_fts* only


def test_snippets_read_the_matches_once_and_only_their_pages_rows(session):
    """The page's articles by id, whose rowids the matches are checked against as FTS5 hands
    them out: handed the rowids, FTS5 runs the search again for each (a page of `int` took
    681 ms at 100,000 articles, 47 ms this way); only the page's rows are read."""
    params = {
        **queries.search_params("sqlite", "sommet"),
        queries._SNIPPET_IDS: [uuid.uuid4(), uuid.uuid4()],
    }
    plan = _plan(session, queries._SNIPPETS_SQLITE, params)
    assert "ix_articles_id_public (id=?)" in plan, plan
    assert re.search(r"SCAN articles_fts VIRTUAL TABLE INDEX \d+:M", plan), plan  # no rowid
    assert "SEARCH articles USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
    assert "SCAN articles\n" not in f"{plan}\n", plan
