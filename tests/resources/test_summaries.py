"""Stored list summaries (migration 0013, `api.services.summaries`): after every commit that
writes content, each article's stored summary is what dumping it gives; whatever clears one
(any write of its row, its links, its tags' or authors' names, by hand or not) makes lists
read it the long way until the next commit writes it again; lists answered from summaries
are byte for byte the lists dumped the long way."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Uuid, bindparam, select, text

from api.models import Article
from api.services import lifecycle, summaries
from api.services.content import save_article, save_author, save_tag
from tests.conftest import on_postgresql

LISTS = (
    "/v1/articles",
    "/v1/articles?per_page=2&page=2",
    "/v1/articles?cursor=start&per_page=2",
    "/v1/articles?sort=title",
    "/v1/articles?fields=title,url,tags",
    "/v1/articles?q=ete",
    "/v1/articles?q=seoul&fields=title,url,snippet",
    "/v1/articles?q=ete&cursor=start&per_page=1",
    "/v1/articles?q=ete&lang=fr",
)


def _stored(session) -> dict:
    return {
        article_id: summary
        for article_id, summary in session.execute(select(Article.id, Article.summary))
    }


def _assert_current(session) -> None:
    """Every article's stored summary is what dumping it gives now (none left stale)."""
    stored = _stored(session)
    articles = session.scalars(select(Article)).all()
    fresh = summaries.dump(session, articles, summaries.STORED_FIELDS)
    for article, dumped in zip(articles, fresh, strict=True):
        assert stored[article.id] is not None, article.slug
        assert json.loads(stored[article.id]) == {**dumped, "url": None}, article.slug


def _lists(client, *paths: str) -> list[bytes]:
    bodies = []
    for path in paths or LISTS:
        response = client.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)
        bodies.append(response.get_data())
    return bodies


def _clear_all(session) -> None:
    """Every summary cleared by hand (SQL text bumps no content version: nothing writes them
    again at this commit)."""
    session.execute(text("UPDATE articles SET summary = NULL"))
    session.commit()


@pytest.fixture
def newsroom(make_tag, make_author, make_article):
    tags = [make_tag(name="Séoul"), make_tag(name="Intelligence « artificielle »")]
    authors = [make_author(name="Clémence Dupré"), make_author(name="La rédaction")]
    articles = [
        make_article(
            title="L’été à Séoul",
            tags=[tags[0].slug, tags[1].slug],
            authors=[authors[1].slug, authors[0].slug],
            feature_image={"url": "https://images.example.org/1.jpg", "alt": "Séoul"},
            seo={"meta_title": "Séoul", "canonical_url": "https://example.org/seoul"},
            published_at=datetime(2024, 5, 21, 8, tzinfo=UTC),
        ),
        make_article(
            title="Un brouillon", tags=[tags[1].slug], authors=[authors[0].slug], status="draft"
        ),
        make_article(
            title="Après l’été",
            tags=[tags[1].slug],
            published_at=datetime(2024, 6, 1, 8, tzinfo=UTC),
        ),
        make_article(title="Sans étiquette", published_at=datetime(2024, 6, 2, 8, tzinfo=UTC)),
    ]
    return tags, authors, articles


def test_every_write_leaves_the_summaries_current(session, newsroom):
    tags, authors, articles = newsroom
    _assert_current(session)
    first, draft = articles[0], articles[1]
    save_article(session, first, {"title": "L’automne à Séoul", "tags": [tags[1].slug]})
    session.commit()
    _assert_current(session)
    save_article(session, first, {"authors": [authors[0].slug, authors[1].slug]})
    session.commit()
    _assert_current(session)
    lifecycle.publish(session, draft, None)
    session.commit()
    _assert_current(session)
    for step in (lifecycle.unpublish, lifecycle.soft_delete, lifecycle.restore):
        step(session, first, None)
        session.commit()
        _assert_current(session)
    save_tag(session, tags[1], {"name": "IA"})
    save_author(session, authors[0], {"name": "Clémence Dupré-Martin", "social_links": {}})
    session.commit()
    _assert_current(session)
    assert json.loads(_stored(session)[articles[2].id])["tags"][0]["name"] == "IA"


def test_writing_a_summary_changes_nothing_else(session, newsroom):
    _tags, _authors, articles = newsroom
    before = dict(session.execute(select(Article.id, Article.updated_at)).all())
    versions = dict(session.execute(select(Article.id, Article.version_id)).all())
    _clear_all(session)
    assert summaries.fill_all(session) == len(before) >= len(articles)
    assert dict(session.execute(select(Article.id, Article.updated_at)).all()) == before
    assert dict(session.execute(select(Article.id, Article.version_id)).all()) == versions


def test_lists_from_summaries_are_the_lists_dumped_the_long_way(client, session, newsroom):
    stored = _lists(client)
    _clear_all(session)
    assert all(summary is None for summary in _stored(session).values())
    assert _lists(client) == stored


def test_a_list_reads_summaries_and_its_count_in_one_statement(
    client, session, newsroom, count_statements
):
    client.get("/v1/articles")  # statements built and cached
    count_statements.statements.clear()
    body = client.get("/v1/articles").get_json()
    assert [a["title"] for a in body["data"]][:1] == ["Sans étiquette"]
    assert body["data"][-1]["tags"][1]["name"] == "Intelligence « artificielle »"
    assert body["meta"]["total"] == 3
    assert count_statements.count == 1, count_statements.statements  # the page, with its count
    count_statements.statements.clear()
    assert client.get("/v1/articles?page=9").get_json()["meta"]["total"] == 3
    assert count_statements.count == 2, count_statements.statements  # empty: counted alone


def test_a_search_from_summaries_is_the_search_of_loaded_articles(client, newsroom):
    """A search page answered from summaries, each with its snippet, is what the same page of
    loaded and dumped articles shows (`formats` adds a body, which summaries lack)."""
    stored = client.get("/v1/articles?q=paragraphe").get_json()["data"]
    loaded = client.get("/v1/articles?q=paragraphe&formats=markdown").get_json()["data"]
    assert [item["snippet"] for item in stored] == [item["snippet"] for item in loaded]
    assert all("<mark>" in item["snippet"] for item in stored)
    for item in loaded:
        del item["body"]
    assert [list(item.items()) for item in stored] == [list(item.items()) for item in loaded]


def test_summaries_of_another_format_are_read_the_long_way(client, session, newsroom):
    """A summary lacking a field a list or a read shows (written by code that showed other
    fields) is never sent as it is: that article is dumped the long way."""
    first = newsroom[2][0]
    paths = (*LISTS, *_reads(first))
    expected = _lists(client, *paths)
    session.execute(text("""UPDATE articles SET summary = '{"id": "x", "title": "ancien"}'"""))
    session.commit()  # SQL text: no content version bumped, nothing written again
    assert _lists(client, *paths) == expected


def test_the_url_follows_configuration(app, client, newsroom):
    _tags, _authors, articles = newsroom
    app.config["SITE_URL"] = "https://news.example.com/"
    try:
        items = {a["title"]: a["url"] for a in client.get("/v1/articles").get_json()["data"]}
    finally:
        app.config["SITE_URL"] = "https://www.example.org"
    assert items["Après l’été"] == f"https://news.example.com/articles/{articles[2].slug}"
    assert items["L’été à Séoul"] == "https://example.org/seoul"  # its canonical URL wins


def _by_hand(session, sql: str, row_id) -> None:
    session.execute(text(sql).bindparams(bindparam("id", type_=Uuid())), {"id": row_id})


def _cleared(session, article) -> bool:
    return session.scalar(select(Article.summary).where(Article.id == article.id)) is None


def test_sql_by_hand_clears_what_it_changes(client, session, newsroom):
    tags, authors, articles = newsroom
    first, second, third, fourth = articles
    session.execute(
        text("UPDATE articles SET title = 'À la main' WHERE slug = :s"), {"s": third.slug}
    )
    assert _cleared(session, third) and not _cleared(session, fourth)
    assert "À la main" in [a["title"] for a in client.get("/v1/articles").get_json()["data"]]
    _by_hand(session, "DELETE FROM article_tags WHERE article_id = :id", first.id)
    assert _cleared(session, first) and not _cleared(session, second)
    _by_hand(session, "UPDATE authors SET name = 'Renommée' WHERE id = :id", authors[0].id)
    assert _cleared(session, second) and not _cleared(session, fourth)
    _by_hand(session, "UPDATE tags SET description = 'rien' WHERE id = :id", tags[1].id)
    assert not _cleared(session, fourth)
    save_tag(session, tags[0], {"description": "Une ville."})  # content written…
    session.commit()  # …its commit writes every cleared summary again
    _assert_current(session)


@pytest.mark.postgresql
def test_truncating_links_clears_every_summary(session, newsroom):
    assert on_postgresql()
    session.execute(text("TRUNCATE article_authors"))
    assert all(summary is None for summary in _stored(session).values())
    save_tag(session, newsroom[0][0], {"description": "Une ville."})
    session.commit()
    _assert_current(session)


def test_db_upgrade_writes_the_summaries_left_stale(runner, session, newsroom):
    _clear_all(session)
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"Wrote {len(_stored(session))} article summaries." in result.output
    _assert_current(session)


def test_db_upgrade_writes_again_summaries_of_another_format(runner, session, newsroom):
    """Summaries written by code that showed other fields are all written again."""
    session.execute(text("""UPDATE articles SET summary = '{"id": "x", "title": "ancien"}'"""))
    session.commit()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"Wrote {len(_stored(session))} article summaries." in result.output
    _assert_current(session)


def _reads(article) -> tuple[str, ...]:
    return (
        f"/v1/articles/slug/{article.slug}",
        f"/v1/articles/{article.id}",
        f"/v1/articles/slug/{article.slug}?fields=title,share,url,tags",
        f"/v1/articles/slug/{article.slug}?formats=plaintext,html",
        f"/v1/articles/{article.id}?fields=body_text,authors&formats=markdown",
    )


def test_reads_from_summaries_are_the_reads_dumped_the_long_way(client, session, newsroom):
    first = newsroom[2][0]
    stored = [(r.get_data(), r.headers["ETag"]) for r in map(client.get, _reads(first))]
    _clear_all(session)
    assert [(r.get_data(), r.headers["ETag"]) for r in map(client.get, _reads(first))] == stored
    assert json.loads(stored[0][0])["data"]["share"]["x"].startswith("https://")


def test_a_read_by_slug_is_one_statement(client, session, newsroom, count_statements):
    first = newsroom[2][0]
    client.get(f"/v1/articles/slug/{first.slug}")  # statements built and cached
    count_statements.statements.clear()
    body = client.get(f"/v1/articles/slug/{first.slug}").get_json()["data"]
    assert [author["name"] for author in body["authors"]] == ["La rédaction", "Clémence Dupré"]
    assert count_statements.count == 1, count_statements.statements
