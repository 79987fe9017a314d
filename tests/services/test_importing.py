"""`flask import FILE`: JSON Lines upserted by slug, validated, rendered, announced in bulk;
running it again changes nothing, and a run cut short resumes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from api.db import db
from api.models import Article, Change, PublicState, WebhookDelivery, WebhookEndpoint
from api.services import changes, importing, queries, summaries
from tests.conftest import make_migrated_app
from tests.editorial.conftest import database_state

TAGS = [
    {"type": "tag", "slug": "climat", "name": "Climat", "description": "Le climat."},
    {"type": "tag", "slug": "energie", "name": "Énergie"},
]
AUTHORS = [{"type": "author", "slug": "elise-durand", "name": "Élise Durand", "bio": "Élise."}]


def _article(n: int, **overrides) -> dict:
    return {
        "type": "article",
        "slug": f"article-{n}",
        "title": f"Séoul, épisode {n}",
        "subtitle": "Le point",
        "body": f"Premier paragraphe de l’article {n}, en **Markdown**.\n\n## Suite\n\nFin.",
        "tags": ["energie", "climat"],
        "authors": ["elise-durand"],
        "status": "published",
        "published_at": f"2024-05-{n + 1:02d}T08:00:00Z",
        **overrides,
    }


def _write(path, records) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return str(path)


def _import(runner, path, *extra):
    return runner.invoke(args=["import", path, "--jobs", "1", *extra])


@pytest.fixture
def catalogue(tmp_path) -> str:
    return _write(tmp_path / "catalogue.jsonl", [*TAGS, *AUTHORS, *map(_article, range(5))])


def test_importing_creates_rendered_articles_with_their_bylines(runner, client, catalogue):
    result = _import(runner, catalogue)
    assert result.exit_code == 0, result.output
    assert "5 created" in result.output
    article = client.get("/v1/articles/slug/article-2").get_json()["data"]
    assert article["title"] == "Séoul, épisode 2"
    assert article["body_html"].startswith("<p>Premier paragraphe de l’article 2, en <strong>")
    assert article["excerpt"] == "Premier paragraphe de l’article 2, en Markdown."
    assert article["word_count"] > 0 and article["reading_time"] == 1
    assert article["published_at"] == "2024-05-03T08:00:00Z"
    assert [t["slug"] for t in article["tags"]] == ["energie", "climat"]
    assert [a["name"] for a in article["authors"]] == ["Élise Durand"]
    listed = client.get("/v1/articles?q=episode").get_json()
    assert listed["meta"]["total"] == 5  # full-text search sees them


def test_drafts_stay_hidden_and_future_publications_are_scheduled(runner, client, tmp_path):
    path = _write(
        tmp_path / "states.jsonl",
        [
            *TAGS,
            *AUTHORS,
            _article(1, status="draft"),
            _article(2, published_at="2099-01-01T00:00:00Z"),
            _article(3),
        ],
    )
    assert _import(runner, path).exit_code == 0
    assert [a["slug"] for a in client.get("/v1/articles").get_json()["data"]] == ["article-3"]
    statuses = dict(
        client.application.extensions["newsdesk.db"]["sessionmaker"]()
        .execute(select(Article.slug, Article.status))
        .all()
    )
    assert statuses == {"article-1": "draft", "article-2": "scheduled", "article-3": "published"}


def test_importing_announces_each_publication_once(runner, session, catalogue):
    _import(runner, catalogue)
    published = session.scalars(select(Change).where(Change.type == "article.published")).all()
    assert sorted(change.current["slug"] for change in published) == [
        f"article-{n}" for n in range(5)
    ]
    assert session.scalar(select(func.count()).select_from(PublicState)) == 5 + 2 + 1


def test_importing_again_changes_nothing(runner, session, catalogue):
    _import(runner, catalogue)
    before = database_state(session)
    result = _import(runner, catalogue)
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 5 unchanged" in result.output
    assert database_state(session) == before


def test_an_interrupted_import_continues_where_it_stopped(runner, session, tmp_path):
    records = [*TAGS, *AUTHORS, *map(_article, range(6))]
    broken = [*records[:6], {**records[6], "title": ""}, *records[7:]]  # the 4th article
    path = _write(tmp_path / "broken.jsonl", broken)
    result = _import(runner, path, "--batch-size", "2")
    assert result.exit_code != 0
    assert "line 7" in result.output and "title" in result.output
    imported = set(session.scalars(select(Article.slug)))
    assert imported == {"article-0", "article-1"}  # the first batch was committed

    result = _import(runner, _write(tmp_path / "fixed.jsonl", records), "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert "4 created, 0 updated, 2 unchanged" in result.output
    assert session.scalar(select(func.count()).select_from(Article)) == 6
    assert (
        session.scalar(
            select(func.count()).select_from(Change).where(Change.type == "article.published")
        )
        == 6
    )


def test_a_changed_record_updates_its_article_as_an_edit_would(runner, client, tmp_path):
    _import(runner, _write(tmp_path / "v1.jsonl", [*TAGS, *AUTHORS, _article(1), _article(2)]))
    edited = _article(2, title="Un autre titre", tags=["climat"])
    result = _import(runner, _write(tmp_path / "v2.jsonl", [*TAGS, *AUTHORS, _article(1), edited]))
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated, 1 unchanged" in result.output
    article = client.get("/v1/articles/slug/article-2").get_json()["data"]
    assert article["title"] == "Un autre titre"
    assert [t["slug"] for t in article["tags"]] == ["climat"]
    feed = client.get("/v1/changes").get_json()["data"]
    assert feed[-1]["type"] == "article.updated"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (_article(1, slug=None), "slug"),
        (_article(1, tags=["inconnu"]), "unknown tags: inconnu"),
        (_article(1, status="archived"), "status"),
        (_article(1, body="<script>alert(1)</script>"), "body"),
        ({"type": "page", "slug": "x"}, "type"),
    ],
)
def test_a_bad_record_is_refused_with_its_line(runner, session, tmp_path, record, message):
    path = _write(tmp_path / "bad.jsonl", [*TAGS, *AUTHORS, record])
    result = _import(runner, path)
    assert result.exit_code != 0
    assert "line 4" in result.output and message in result.output, result.output
    assert session.scalar(select(func.count()).select_from(Article)) == 0


def test_a_changed_record_naming_an_unknown_author_is_refused(runner, session, tmp_path):
    first = _write(tmp_path / "first.jsonl", [*TAGS, *AUTHORS, _article(1)])
    assert _import(runner, first).exit_code == 0
    path = _write(tmp_path / "again.jsonl", [_article(1, authors=["inconnue"])])
    result = _import(runner, path)
    assert result.exit_code != 0
    assert "line 1: unknown authors: inconnue" in result.output, result.output
    assert session.scalar(select(Article.title)) == "Séoul, épisode 1"


@pytest.mark.parametrize(
    "line",
    [
        '{"type": "article", "slug": "coupe"',  # cut short
        '{"type": "article", "slug": "nan", "word_count": NaN}',
        '{"type": "article", "slug": "x", "title": "\\ud800"}',  # a lone surrogate
    ],
)
def test_a_line_that_is_not_json_is_refused_with_its_number(runner, session, tmp_path, line):
    path = _write(tmp_path / "bad.jsonl", [*TAGS, *AUTHORS])
    with open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")
    result = _import(runner, path)
    assert result.exit_code != 0
    assert "line 4: not JSON" in result.output, result.output
    assert session.scalar(select(func.count()).select_from(Article)) == 0


def test_several_processes_import_what_one_does(runner, client, tmp_path):
    records = [*TAGS, *AUTHORS, *map(_article, range(12))]
    path = _write(tmp_path / "many.jsonl", records)
    result = runner.invoke(args=["import", path, "--jobs", "2", "--batch-size", "5"])
    assert result.exit_code == 0, result.output
    assert client.get("/v1/articles").get_json()["meta"]["total"] == 12


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_import_stores_the_summaries_and_changes_the_long_way_would(
    runner, session, tmp_path, jobs
):
    """The import makes each new article's summary and change representation from what it
    holds in memory: the same as the database's articles make the long way."""
    records = [
        *TAGS,
        *AUTHORS,
        {"type": "author", "slug": "jean-dupre", "name": "Jean « JD » Dupré"},
        _article(1, authors=["jean-dupre", "elise-durand"], tags=["climat"]),
        _article(2, seo={"canonical_url": "https://example.org/ailleurs"}, tags=[]),
        _article(3, feature_image={"url": "https://example.org/i.jpg", "alt": "Séoul, l’été"}),
        _article(4, published_at="2099-01-01T00:00:00Z"),
        _article(5, status="draft"),
        _article(6, published_at=None),  # published at the import's time
    ]
    path = _write(tmp_path / "whole.jsonl", records)
    result = runner.invoke(args=["import", path, "--jobs", jobs, "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    imported = dict(session.execute(select(Article.id, Article.summary)).all())
    assert len(imported) == 6 and None not in imported.values()
    session.execute(text("UPDATE articles SET summary = NULL"))
    assert summaries.fill_all(session) == 6
    assert dict(session.execute(select(Article.id, Article.summary)).all()) == imported

    published = session.scalars(select(Change).where(Change.type == "article.published")).all()
    assert len(published) == 4  # not the draft, nor the scheduled one
    for change in published:
        article = session.scalar(queries.article_by_id(change.resource_id))
        assert change.current == changes._SCHEMAS["article"].dump(article)


def test_a_batch_inserts_its_articles_and_their_links_a_statement_a_table(
    runner, session, tmp_path, count_statements
):
    """The new articles of a batch, and their links, go in multi-row INSERTs, not a statement
    a row: on SQLite each statement writing `articles` writes the full-text index's pending
    terms to a segment of its own, which merges then copy again and again."""
    path = _write(tmp_path / "batch.jsonl", [*TAGS, *AUTHORS, *map(_article, range(12))])
    result = runner.invoke(args=["import", path, "--jobs", "1", "--batch-size", "12"])
    assert result.exit_code == 0, result.output
    for table, rows in (("articles", 12), ("article_tags", 24), ("article_authors", 12)):
        inserts = [s for s in count_statements.statements if s.startswith(f"INSERT INTO {table} ")]
        assert len(inserts) == 1, inserts
        values = inserts[0].partition(" VALUES ")[2]
        assert values.count("), (") == rows - 1, values[:200]
    assert session.scalar(select(func.count()).select_from(Article)) == 12


# --- changes.record_published_batch: what record() would record, in bulk


def _rows(session, model, columns):
    return [
        tuple(getattr(row, column) for column in columns)
        for row in session.scalars(select(model).order_by(*model.__table__.primary_key))
    ]


CHANGE_COLUMNS = (
    "type",
    "resource",
    "resource_id",
    "current",
    "previous",
    "surrogate_keys",
    "urls",
)


# The representations a batch records come from the stored summaries: as they are, written
# first when cleared, and the long way when of another format
SUMMARIES = {
    "current": None,
    "cleared": "UPDATE articles SET summary = NULL",
    "of another format": """UPDATE articles SET summary = '{"id": "x", "title": "ancien"}'""",
}


@pytest.mark.parametrize("summaries", SUMMARIES)
def test_a_batch_records_what_record_would(session, make_article, make_tag, make_author, summaries):
    tag, author = make_tag(name="Séoul"), make_author(name="Clémence Dupré")
    articles = [make_article(tags=[tag.slug], authors=[author.slug]) for _ in range(3)]
    articles.append(make_article(seo={"canonical_url": "https://example.org/ailleurs"}))
    make_article(status="draft")
    session.add(WebhookEndpoint(url="https://example.org/hook", events=["article.*"], secret="s"))
    session.commit()
    if SUMMARIES[summaries]:
        session.execute(text(SUMMARIES[summaries]))  # SQL text: nothing writes them again
        session.commit()
    ids = [article.id for article in articles]

    one_by_one = session.begin_nested()
    for article_id in ids:
        changes.record(session, "article", article_id)
    expected = (
        _rows(session, Change, CHANGE_COLUMNS),
        _rows(session, PublicState, ("resource", "resource_id")),
        len(session.scalars(select(WebhookDelivery)).all()),
    )
    one_by_one.rollback()

    change_ids = changes.record_published_batch(session, ids)
    assert change_ids == sorted(change_ids) and len(change_ids) == 4
    assert [session.get(Change, i).resource_id for i in change_ids] == ids  # in the order given
    assert _rows(session, Change, CHANGE_COLUMNS) == expected[0]
    assert _rows(session, PublicState, ("resource", "resource_id")) == expected[1]
    assert len(session.scalars(select(WebhookDelivery)).all()) == expected[2] == 4
    if summaries == "cleared":  # written as the commit would have written them
        stored = session.scalars(select(Article.summary).where(Article.id.in_(ids))).all()
        assert None not in stored
    states = {s.resource_id: s.change_id for s in session.scalars(select(PublicState))}
    assert [states[i] for i in ids] == change_ids


def test_a_batch_inserts_its_changes_together_in_the_order_given(
    session, make_article, count_statements
):
    """One INSERT for a batch's changes (an import's batch has hundreds; one a row cost a
    statement each), their ids still handed out in the order given."""
    articles = [make_article() for _ in range(12)]
    session.commit()
    ids = [article.id for article in reversed(articles)]  # not the order they were made in
    count_statements.statements.clear()
    change_ids = changes.record_published_batch(session, ids)
    inserts = [s for s in count_statements.statements if s.startswith("INSERT INTO changes")]
    assert len(inserts) == 1
    assert change_ids == sorted(change_ids)
    assert [session.get(Change, i).resource_id for i in change_ids] == ids


def test_a_batch_leaves_drafts_out_and_records_known_articles_as_record_does(session, make_article):
    known, fresh = make_article(), make_article()
    draft = make_article(status="draft")
    changes.record(session, "article", known.id)
    known.title = "Titre changé"
    session.commit()
    change_ids = changes.record_published_batch(session, [known.id, fresh.id, draft.id])
    recorded = [session.get(Change, i) for i in change_ids]
    assert [(c.type, c.resource_id) for c in recorded] == [
        ("article.published", fresh.id),
        ("article.updated", known.id),
    ]
    assert datetime.now(UTC) >= recorded[0].occurred_at


def _app_with_a_file(fresh_database, tmp_path, dialect: str):
    """A migrated app on a database of its own, if `dialect` is the one the suite runs on,
    and a file of 30 articles to import into it."""
    url = fresh_database.url(f"import_{dialect}")
    if not url.startswith(dialect):
        pytest.skip(f"{dialect}'s own connection settings")
    source = _write(tmp_path / "import.jsonl", [*TAGS, *AUTHORS, *map(_article, range(30))])
    return make_migrated_app(url), url, source


def _import_reading(app, source: str, monkeypatch, sql: str) -> list:
    """Run the import command (one process); what `sql` read on its connection as each batch
    of articles was written."""
    seen = []
    insert_together = importing._insert_together

    def spied(session, table, values):
        seen.append(session.execute(text(sql)).scalar())
        insert_together(session, table, values)

    monkeypatch.setattr(importing, "_insert_together", spied)
    result = app.test_cli_runner().invoke(args=["import", source, "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return seen


@pytest.mark.no_transaction  # the import's own transactions, as the command runs them
def test_an_import_runs_without_the_statement_timeout_and_gives_it_back(
    fresh_database, tmp_path, monkeypatch
):
    """PostgreSQL: a request's statement timeout does not bound the import's statements (a
    batch's INSERT of its links fired 1,500 tally triggers and timed out at 100,000 articles);
    the connection has its own again afterwards."""
    app, _url, source = _app_with_a_file(fresh_database, tmp_path, "postgresql")
    timeouts = _import_reading(app, source, monkeypatch, "SHOW statement_timeout")
    assert timeouts and set(timeouts) == {"0"}
    engine = db.engine(app)
    with engine.connect() as connection:
        configured = f"{round(app.config['DATABASE_STATEMENT_TIMEOUT'])}s"
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == configured
        assert connection.exec_driver_sql("SELECT count(*) FROM articles").scalar() == 30
    engine.dispose()


@pytest.mark.no_transaction  # the import's own transactions, as the command runs them
def test_an_import_analyses_the_tables_it_fills_as_they_double(fresh_database, tmp_path):
    """PostgreSQL: the tables get statistics each time the imported articles double, so the
    plans cached on the import's connection (its triggers', its prepared statements') are made
    again for tables that are no longer empty: without, an import kept its plans for empty
    tables, and each batch took longer than the last (10,000 articles: 191 s against 58)."""
    app, _url, source = _app_with_a_file(fresh_database, tmp_path, "postgresql")
    result = app.test_cli_runner().invoke(
        args=["import", source, "--jobs", "1", "--batch-size", "4"]
    )
    assert result.exit_code == 0, result.output
    engine = db.engine(app)
    with engine.connect() as connection:
        estimated = dict(
            connection.exec_driver_sql(
                "SELECT relname, reltuples FROM pg_class WHERE relname IN "
                "('articles', 'article_tags', 'article_authors')"
            ).all()
        )
        assert connection.exec_driver_sql("SELECT count(*) FROM articles").scalar() == 30
    engine.dispose()
    # Analysed after 4, 8 and 16 articles of 30, the last time with 16 (two tags, an author)
    assert estimated == {"articles": 16, "article_tags": 32, "article_authors": 16}


@pytest.mark.no_transaction  # the import's own transactions, as the command runs them
def test_an_import_empties_the_log_and_leaves_its_connection_as_it_was(
    fresh_database, tmp_path, monkeypatch
):
    """SQLite: the import lets its write-ahead log grow between checkpoints, then copies it
    into the database and empties it (the next write would copy it all otherwise); it keeps
    its statement journals in memory while it writes (not in files of /var/tmp); and gives
    its connection back with SQLite's checkpoint interval, temporary storage and page cache."""
    app, url, source = _app_with_a_file(fresh_database, tmp_path, "sqlite")
    expected_cache = -app.config["DATABASE_SQLITE_CACHE_KIB"]
    temp_stores = _import_reading(app, source, monkeypatch, "PRAGMA temp_store")
    assert temp_stores and set(temp_stores) == {2}  # MEMORY
    log = Path(make_url(url).database + "-wal")
    assert log.exists() and log.stat().st_size == 0
    engine = db.engine(app)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
        assert connection.exec_driver_sql("PRAGMA temp_store").scalar() == 0
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == expected_cache
        assert connection.exec_driver_sql("SELECT count(*) FROM articles").scalar() == 30
    engine.dispose()
