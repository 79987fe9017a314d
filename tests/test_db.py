"""The database layer: aware UTC datetimes everywhere, foreign keys enforced on every backend."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from api import create_app
from api.config import load_config
from api.db import db, json_dumps
from api.models import Article, ArticleTag, Change, Tag
from api.services import changes
from tests.conftest import make_migrated_app, make_seeded_app


def test_datetimes_come_back_aware_in_utc(session, make_article):
    paris = timezone(timedelta(hours=2))
    article = make_article(published_at=datetime(2024, 5, 21, 10, tzinfo=paris))
    session.expire_all()
    stored = session.scalar(select(Article.published_at).where(Article.id == article.id))
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2024, 5, 21, 8, tzinfo=UTC)


def test_naive_datetimes_are_refused(session, make_article):
    article = make_article()
    article.published_at = datetime(2024, 5, 21, 8)
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()
    session.rollback()


def test_foreign_keys_are_enforced(session, make_article, make_tag):
    tag = make_tag()
    article = make_article(tags=[tag.slug])
    session.execute(text("DELETE FROM article_tags"))
    session.add(ArticleTag(article_id=article.id, tag_id=article.id, position=0))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_deleting_an_article_removes_its_links(session, make_article, make_tag):
    tag = make_tag()
    article = make_article(tags=[tag.slug])
    session.execute(Article.__table__.delete().where(Article.id == article.id))
    assert session.scalar(select(ArticleTag).where(ArticleTag.tag_id == tag.id)) is None


def test_json_columns_keep_french_text_as_it_is(session, make_article):
    """JSON columns (the change log here) hold UTF-8 text as typed, not `\\u00e9` escapes."""
    article = make_article(title="L’été « à Séoul »")
    changes.record(session, "article", article.id)
    session.commit()
    stored = session.execute(text("SELECT CAST(current AS TEXT) FROM changes")).scalar_one()
    assert "L’été « à Séoul »" in stored
    assert session.scalars(select(Change.current)).one()["title"] == "L’été « à Séoul »"


def test_json_columns_take_what_orjson_refuses():
    value = {"large": 2**70, "list": [1, "é"]}
    assert json.loads(json_dumps(value)) == value


@pytest.mark.postgresql
def test_postgresql_stores_timestamps_with_time_zone(app):
    columns = {c["name"]: c for c in inspect(db.engine(app)).get_columns("articles")}
    assert columns["published_at"]["type"].timezone is True


def _sqlite_app(tmp_path, **config):
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'cache.sqlite3'}", **config})


@pytest.mark.parametrize("kib", [16384, 512])
def test_sqlite_connections_keep_the_page_cache_configured(tmp_path, kib):
    """SQLite's default page cache (2,000 KiB) is smaller than what a list page reads."""
    app = _sqlite_app(tmp_path, DATABASE_SQLITE_CACHE_KIB=kib)
    engine = db.engine(app)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -kib
    finally:
        engine.dispose()


def test_the_pool_hands_out_the_connection_used_last(tmp_path):
    """Last in, first out: the warm connection serves the next request, the others wait."""
    app = _sqlite_app(tmp_path)
    engine = db.engine(app)
    try:
        first, second = engine.raw_connection(), engine.raw_connection()
        used_last = first.driver_connection
        second.close()
        first.close()
        again = engine.raw_connection()
        assert again.driver_connection is used_last
        again.close()
    finally:
        engine.dispose()


@pytest.mark.parametrize("raw", ["-2000", "lots", "1.5"])
def test_a_page_cache_sqlite_would_misread_is_refused_at_start(raw):
    """A negative size would be read as pages (or, written after the pragma's own minus, as a
    comment): the app does not start on it, nor on a size that is no whole number."""
    with pytest.raises(ValueError):
        load_config(environ={"NEWSDESK_DATABASE_SQLITE_CACHE_KIB": raw})


def test_a_page_cache_of_zero_keeps_sqlites_default(tmp_path):
    assert (
        load_config(environ={"NEWSDESK_DATABASE_SQLITE_CACHE_KIB": "0"})[
            "DATABASE_SQLITE_CACHE_KIB"
        ]
        == 0
    )
    app = _sqlite_app(tmp_path, DATABASE_SQLITE_CACHE_KIB=0)
    engine = db.engine(app)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -2000
    finally:
        engine.dispose()


@pytest.mark.postgresql
@pytest.mark.no_transaction
def test_reads_keep_postgresqls_prepared_statements(fresh_database):
    """A request that only read ends with COMMIT: psycopg forgets what it prepared at every
    rollback, and each request's statements would be planned again."""
    app = make_migrated_app(fresh_database.url("prepared"))
    engine = db.engine(app)
    try:
        client = app.test_client()
        for _ in range(8):  # psycopg prepares a statement at its sixth run
            assert client.get("/v1/articles").status_code == 200
        connection = engine.raw_connection()  # the one used last
        try:
            prepared = connection.driver_connection.execute(
                "SELECT count(*) FROM pg_prepared_statements"
            ).fetchone()[0]
        finally:
            connection.close()
        assert prepared >= 1
    finally:
        engine.dispose()


@pytest.mark.postgresql
@pytest.mark.no_transaction
def test_a_search_is_planned_for_its_text_each_time(fresh_database):
    """A search, by page or by cursor, is never prepared (`PLANNED_EACH_TIME`): PostgreSQL's
    generic plan of it, made without the text and the time, read the whole status and time
    index at every search. The list beside it stays prepared."""
    app = make_seeded_app(fresh_database.url("planned"))
    engine = db.engine(app)
    try:
        client = app.test_client()
        for _ in range(8):  # psycopg prepares a statement at its sixth run
            found = client.get("/v1/articles", query_string={"q": "seoul"})
            assert found.status_code == 200 and found.get_json()["meta"]["total"] == 1
            by_cursor = client.get("/v1/articles", query_string={"q": "seoul", "cursor": "start"})
            assert by_cursor.status_code == 200 and len(by_cursor.get_json()["data"]) == 1
            assert client.get("/v1/articles").status_code == 200
        connection = engine.raw_connection()  # the one used last
        try:
            prepared = [
                statement
                for (statement,) in connection.driver_connection.execute(
                    "SELECT statement FROM pg_prepared_statements"
                )
            ]
        finally:
            connection.close()
        assert any("FROM articles" in statement for statement in prepared)
        assert not [statement for statement in prepared if "search_vector" in statement]
    finally:
        engine.dispose()


@pytest.mark.no_transaction
def test_a_session_that_wrote_is_rolled_back_at_close(fresh_database):
    """What a context wrote or changed without committing is lost when it ends, whether
    flushed, typed as SQL, or still pending: only a transaction of SELECTs is committed."""
    app = make_migrated_app(fresh_database.url("uncommitted"))
    engine = db.engine(app)
    try:
        with app.app_context():
            db.session.add(Tag(slug="flushed", name="Flushed", sort_name="flushed"))
            db.session.add(Tag(slug="kept", name="Kept", sort_name="kept"))
            db.session.commit()
        with app.app_context():
            db.session.add(Tag(slug="pending", name="Pending", sort_name="pending"))
        with app.app_context():
            db.session.scalar(select(Tag).where(Tag.slug == "kept")).name = "Changed"
        with app.app_context():
            db.session.scalar(select(Tag).where(Tag.slug == "flushed")).name = "Flushed twice"
            db.session.flush()
            db.session.scalar(select(Tag.id))  # a SELECT after the write
        with app.app_context():
            db.session.execute(text("UPDATE tags SET name = 'Typed' WHERE slug = 'kept'"))
            db.session.scalar(select(Tag.id))
        with app.app_context():
            names = dict(db.session.execute(select(Tag.slug, Tag.name)).all())
        assert names == {"flushed": "Flushed", "kept": "Kept"}
    finally:
        engine.dispose()


@pytest.mark.no_transaction
def test_a_failed_flush_ends_its_context_quietly(fresh_database, caplog):
    """A context whose flush failed (and was answered, say as a 409) ends with a rollback:
    its connection is neither reported lost nor discarded."""
    app = make_migrated_app(fresh_database.url("failed_flush"))
    engine = db.engine(app)
    try:
        with app.app_context():
            db.session.add(Tag(slug="twice", name="Once", sort_name="once"))
            db.session.commit()
        with app.app_context():
            db.session.add(Tag(slug="twice", name="Twice", sort_name="twice"))
            with pytest.raises(IntegrityError):
                db.session.flush()
        assert "was lost" not in caplog.text
        assert engine.pool.checkedin() == 1  # returned to the pool, not discarded
        with app.app_context():
            assert db.session.scalars(select(Tag.name)).all() == ["Once"]
    finally:
        engine.dispose()


@pytest.mark.no_transaction
def test_a_context_that_got_no_connection_ends_without_asking_again(fresh_database, caplog):
    """The pool was exhausted: the request answered (a 503) without a connection, and ending
    its context neither waits for one a second time nor reports one lost."""
    app = make_migrated_app(
        fresh_database.url("exhausted"),
        DATABASE_POOL_SIZE=1,
        DATABASE_MAX_OVERFLOW=0,
        DATABASE_POOL_TIMEOUT=0.2,
    )
    engine = db.engine(app)
    checkouts = []
    event.listen(engine.pool, "checkout", lambda *_args: checkouts.append(1))
    try:
        with engine.connect() as holder:
            holder.exec_driver_sql("SELECT 1")
            with app.app_context():
                with pytest.raises(SQLAlchemyTimeoutError):
                    db.session.execute(select(Tag.id))
        assert "was lost" not in caplog.text
        assert len(checkouts) == 1  # the holder's
    finally:
        engine.dispose()
