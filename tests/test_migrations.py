"""Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL alike."""

import uuid
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, insert, inspect, text

from api import create_app
from api.cli import alembic_config
from api.db import Base, db, managed_by_autogenerate
from api.models import Article, Change


def _columns(engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def _diff(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": managed_by_autogenerate}
        )
        return compare_metadata(context, Base.metadata)


def test_upgrade_from_empty_yields_the_models_schema(fresh_database):
    app = create_app({"DATABASE_URL": fresh_database.url("migrations_up")})
    with app.app_context():
        command.upgrade(alembic_config(app), "head")
    engine = db.engine(app)
    assert _diff(engine) == []
    engine.dispose()


def test_downgrade_to_base_removes_every_table(fresh_database):
    app = create_app({"DATABASE_URL": fresh_database.url("migrations_down")})
    with app.app_context():
        command.upgrade(alembic_config(app), "head")
        command.downgrade(alembic_config(app), "base")
    engine = db.engine(app)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


@pytest.mark.no_transaction  # the command must find no app context pushed
def test_db_upgrade_command_migrates(fresh_database):
    app = create_app({"DATABASE_URL": fresh_database.url("migrations_cli")})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    engine = db.engine(app)
    try:
        assert result.exit_code == 0, result.output
        assert "articles" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_public_states_keep_their_change_through_0014_and_back(fresh_database):
    """0014 drops the states' copy of what the public knows (their change's `current`); its
    downgrade fills the copy again from the changes."""
    app = create_app({"DATABASE_URL": fresh_database.url("migrations_0014")})
    resource_id = uuid.uuid4()
    told = {"id": str(resource_id), "title": "Séoul : « l’IA » en tête"}
    # The changes table is the same before and after 0014: written through its model's types
    changes = Change.__table__
    with app.app_context():
        config = alembic_config(app)
        command.upgrade(config, "0013")
        engine = db.engine(app)
        with engine.begin() as connection:
            change = connection.execute(
                insert(changes)
                .values(
                    event_id=uuid.uuid4(),
                    type="article.published",
                    resource="article",
                    resource_id=resource_id,
                    occurred_at=datetime(2026, 11, 27, tzinfo=UTC),
                    current=told,
                    surrogate_keys=[],
                    urls=[],
                )
                .returning(changes.c.id)
            ).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO public_states (resource, resource_id, representation, change_id)"
                    " SELECT resource, resource_id, current, id FROM changes"
                )
            )
        command.upgrade(config, "head")
        assert "representation" not in {
            column["name"] for column in inspect(engine).get_columns("public_states")
        }
        with engine.connect() as connection:
            assert connection.execute(text("SELECT change_id FROM public_states")).all() == [
                (change,)
            ]
        command.downgrade(config, "0013")
        refilled = text("SELECT representation FROM public_states").columns(representation=JSON)
        with engine.connect() as connection:
            assert connection.execute(refilled).scalar_one() == told
        engine.dispose()


def test_search_listing_holds_what_was_there_through_0015_and_back(fresh_database):
    """0015 gives SQLite each article's listing time by rowid (published or scheduled, with a
    time, not deleted), filled from the articles already there; its downgrade drops it.
    PostgreSQL has no such table."""
    app = create_app({"DATABASE_URL": fresh_database.url("migrations_0015")})
    published = datetime(2024, 5, 21, 8, tzinfo=UTC)
    rows = [
        ("published", published, None),
        ("scheduled", datetime(2100, 1, 1, tzinfo=UTC), None),
        ("draft", None, None),
        ("published", published, published),
        ("archived", published, None),
    ]
    with app.app_context():
        config = alembic_config(app)
        command.upgrade(config, "0014")
        for n, (status, published_at, deleted_at) in enumerate(rows):
            db.session.add(
                Article(
                    slug=f"avant-{n}",
                    title="Avant",
                    status=status,
                    published_at=published_at,
                    deleted_at=deleted_at,
                )
            )
        db.session.commit()
        command.upgrade(config, "head")
        engine = db.engine(app)
        if engine.dialect.name != "sqlite":
            assert "articles_fts_listed" not in inspect(engine).get_table_names()
            engine.dispose()
            return
        listing = text(
            "SELECT a.slug, l.listed_at FROM articles a"
            " JOIN articles_fts_listed l ON l.id = a.rowid"
        ).columns(listed_at=Article.published_at.type)
        with engine.connect() as connection:
            assert dict(connection.execute(listing).all()) == {
                "avant-0": published,
                "avant-1": datetime(2100, 1, 1, tzinfo=UTC),
                "avant-2": None,
                "avant-3": None,
                "avant-4": None,
            }
        command.downgrade(config, "0014")
        assert "articles_fts_listed" not in inspect(engine).get_table_names()
        engine.dispose()


def test_the_ranking_vector_is_filled_for_the_articles_there_through_0016_and_back(
    fresh_database,
):
    """0016 gives PostgreSQL's articles the title's and excerpt's part of their search vector
    (`search_vector_head`), filled for the articles already there; its downgrade drops it.
    SQLite has no such column."""
    app = create_app({"DATABASE_URL": fresh_database.url("migrations_0016")})
    with app.app_context():
        config = alembic_config(app)
        command.upgrade(config, "0015")
        for n, (title, subtitle, excerpt) in enumerate(
            [("Le sommet de Séoul", "« L’IA » en tête", "Un résumé."), ("Sans rien", None, None)]
        ):
            db.session.add(
                Article(
                    slug=f"avant-{n}",
                    title=title,
                    subtitle=subtitle,
                    excerpt=excerpt,
                    body_text="Le corps parle du sommet. " * 10,
                    status="draft",
                )
            )
        db.session.commit()
        command.upgrade(config, "head")
        engine = db.engine(app)
        if engine.dialect.name != "postgresql":
            assert "search_vector_head" not in _columns(engine, "articles")
            engine.dispose()
            return
        same = text(
            "SELECT slug, search_vector_head = ts_filter(search_vector, '{a,b}'),"
            " search_vector_head::text FROM articles ORDER BY slug"
        )
        with engine.connect() as connection:
            rows = connection.execute(same).all()
        assert [(slug, equal) for slug, equal, _ in rows] == [("avant-0", True), ("avant-1", True)]
        assert "'seoul':4A" in rows[0][2] and "'ia':" in rows[0][2] and "corps" not in rows[0][2]
        command.downgrade(config, "0015")
        assert "search_vector_head" not in _columns(engine, "articles")
        engine.dispose()


@pytest.mark.parametrize(("revision", "column"), [("0018", "language"), ("0019", "updated_at")])
def test_the_public_order_index_keeps_its_statistics_through_its_rebuilds(
    fresh_database, revision, column
):
    """SQLite: 0018 rebuilds `ix_articles_public_order` with the language, 0019 with the last
    update; the statistics migration 0007 seeded for it (which steer the planner to it) come
    along, with one more column, and go back with it."""
    url = fresh_database.url(f"migrations_{revision}")
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's statistics")
    app = create_app({"DATABASE_URL": url})
    engine = db.engine(app)
    previous = f"{int(revision) - 1:04d}"

    def statistics() -> str | None:
        with engine.connect() as connection:
            return connection.scalar(
                text("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_articles_public_order'")
            )

    def columns() -> list[str]:
        indexes = inspect(engine).get_indexes("articles")
        return next(i["column_names"] for i in indexes if i["name"] == "ix_articles_public_order")

    with app.app_context():
        command.upgrade(alembic_config(app), previous)
        before = statistics()
        assert before  # seeded by 0007
        command.upgrade(alembic_config(app), revision)
        assert columns()[-1] == column
        assert statistics() == f"{before} 1"
        command.downgrade(alembic_config(app), previous)
        assert column not in columns()
        assert statistics() == before
    engine.dispose()


def test_the_sort_indexes_take_the_filters_they_hold_and_keep_their_statistics(fresh_database):
    """0020: each other order's index (`ix_articles_sort_<column>`) ends with the language and
    the last update (its own column once); an analysed database keeps each one's statistics,
    an entry more per column, and gets them back as they were on the way down."""
    url = fresh_database.url("migrations_0020")
    app = create_app({"DATABASE_URL": url})
    engine = db.engine(app)
    sqlite = url.startswith("sqlite")
    added = {"title": 2, "updated_at": 1, "created_at": 2}

    def indexes() -> dict[str, list[str]]:
        found = inspect(engine).get_indexes("articles")
        return {
            i["name"]: i["column_names"] for i in found if i["name"].startswith("ix_articles_sort_")
        }

    def statistics() -> dict[str, str]:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT idx, stat FROM sqlite_stat1 WHERE idx LIKE 'ix_articles_sort_%'")
            )
            return dict(rows.all())

    with app.app_context():
        command.upgrade(alembic_config(app), "0019")
        before = indexes()
        if sqlite:
            with engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
                # The empty table's indexes get none: as ANALYZE writes them with rows
                for name in added:
                    connection.exec_driver_sql(
                        "INSERT INTO sqlite_stat1 VALUES ('articles', ?, '100 1 1 1 1 1')",
                        (f"ix_articles_sort_{name}",),
                    )
            stat_before = statistics()
        command.upgrade(alembic_config(app), "0020")
        after = indexes()
        for name, count in added.items():
            index = f"ix_articles_sort_{name}"
            assert after[index][: len(before[index])] == before[index]
            assert after[index][len(before[index]) :] == [
                column for column in ("language", "updated_at") if column != name
            ]
            if sqlite:
                assert statistics()[index] == stat_before[index] + " 1" * count
        command.downgrade(alembic_config(app), "0019")
        assert indexes() == before
        if sqlite:
            assert statistics() == stat_before
    engine.dispose()
