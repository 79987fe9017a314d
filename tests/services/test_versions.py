"""Row versions: a write based on a version someone else has changed fails, whatever the timing."""

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from api.models import Article


def test_a_concurrent_write_of_the_same_version_fails(session, make_article):
    article = make_article(title="Original")
    other = Session(bind=session.get_bind(), join_transaction_mode="create_savepoint")
    theirs = other.get(Article, article.id)
    mine = session.get(Article, article.id)
    assert theirs.version_id == mine.version_id

    theirs.title = "Leur version"
    other.commit()
    mine.title = "Ma version"
    with pytest.raises(StaleDataError):
        session.flush()
    session.rollback()
    other.close()
    assert session.get(Article, article.id).title == "Leur version"


def test_every_update_bumps_the_version(session, make_article):
    article = make_article()
    version = article.version_id
    article.title = "Changé"
    session.flush()
    assert article.version_id == version + 1
