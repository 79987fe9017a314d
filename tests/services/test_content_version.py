"""The content version: bumped once by each transaction that writes content, by any path, and
left alone by bookkeeping writes."""

from __future__ import annotations

import uuid

from sqlalchemy import insert, update

from api.models import ApiKey, Article, Tag
from api.services import changes, content_version
from api.services.keys import touch_key


def _version(session) -> int:
    return content_version.read(session)


def test_a_transaction_writing_content_bumps_it_once(session, make_tag):
    before = _version(session)
    make_tag()  # a save flushes, records a change, commits
    assert _version(session) == before + 1
    tag = make_tag()
    tag.name, tag.description = "Autre", "Deux flushes"
    session.flush()
    session.flush()
    session.commit()
    assert _version(session) == before + 3


def test_statements_run_through_the_session_bump_it(session, make_tag):
    tag = make_tag()
    before = _version(session)
    session.execute(update(Tag).where(Tag.id == tag.id).values(description="Changé"))
    session.commit()
    assert _version(session) == before + 1


def test_a_bulk_insert_bumps_it(session, make_tag):
    before = _version(session)
    session.execute(
        insert(Tag.__table__),
        [{"id": uuid.uuid4(), "slug": "t-bulk", "name": "T", "sort_name": "t"}],
    )
    session.commit()
    assert _version(session) == before + 1


def test_bookkeeping_leaves_it_alone(session, make_article, make_key):
    article = make_article()
    make_key("partner")
    before = _version(session)
    changes.record(session, "article", article.id)  # the change log and public states
    key = session.query(ApiKey).one()
    key.last_used_at = None
    touch_key(key)
    session.commit()
    assert _version(session) == before


def test_saving_what_is_stored_leaves_it_alone(session, make_article):
    article = make_article()
    before = _version(session)
    article.title = article.title  # set, but unchanged
    session.commit()
    assert _version(session) == before


def test_a_rolled_back_write_bumps_again_when_made_again(session, make_article):
    article = make_article()
    before = _version(session)
    savepoint = session.begin_nested()
    session.get(Article, article.id).subtitle = "Annulé"
    session.flush()
    savepoint.rollback()
    assert _version(session) == before
    session.get(Article, article.id).subtitle = "Gardé"
    session.commit()
    assert _version(session) == before + 1
