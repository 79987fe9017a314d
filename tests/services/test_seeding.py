"""Seeds load idempotently, validated by the API's schemas."""

import shutil

import pytest
from sqlalchemy import func, select

from api.models import Article, Author, Tag
from api.services.seeding import SeedError, load_seeds
from tests.conftest import SEED_SLUG, SEEDS_DIR


def _counts(session):
    models = (Article, Tag, Author)
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in models)


def test_loading_twice_changes_nothing(session, seeded):
    before = _counts(session)
    stamp = seeded.updated_at
    load_seeds(session, SEEDS_DIR)
    session.commit()
    session.expire_all()
    assert _counts(session) == before == (1, 1, 1)
    assert session.scalar(select(Article.updated_at).where(Article.slug == SEED_SLUG)) == stamp


def test_seed_article_is_published_on_21_may_2024(seeded):
    assert seeded.status == "published"
    assert seeded.published_at.isoformat() == "2024-05-21T08:00:00+00:00"
    assert seeded.subtitle == "AI Seoul Safety Summit"


def test_seed_command_seeds_an_empty_database_only_with_if_empty(runner, session):
    result = runner.invoke(args=["seed", "--if-empty"])
    assert "Seeded 1 articles" in result.output
    result = runner.invoke(args=["seed", "--if-empty"])
    assert "nothing seeded" in result.output


@pytest.fixture
def broken_seeds(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    article = next((seeds / "articles").glob("*.md"))
    article.write_text(
        article.read_text(encoding="utf-8").replace("language: fr", "language: pas une langue"),
        encoding="utf-8",
    )
    return seeds


def test_invalid_seed_is_refused_with_the_file_and_field(session, broken_seeds):
    with pytest.raises(SeedError, match="language"):
        load_seeds(session, broken_seeds)


def test_seed_command_reports_invalid_seeds_without_loading(app, runner, session, broken_seeds):
    app.config["SEEDS_DIR"] = str(broken_seeds)
    try:
        result = runner.invoke(args=["seed"])
    finally:
        app.config["SEEDS_DIR"] = str(SEEDS_DIR)
    assert result.exit_code != 0
    assert "language" in result.output
    assert _counts(session) == (0, 0, 0)
