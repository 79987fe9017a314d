"""Two writes of the same version at the same time: exactly one wins, the other gets a 412."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from api.db import db
from api.models import Article, ArticleRevision
from tests.reliability.conftest import key_header, new_article

ROUNDS = 20


def race(app, requests: list[dict]) -> list:
    """Send each request from its own thread (own session, own connection), all at once."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def send(index: int, request: dict) -> None:
        client = app.test_client()
        barrier.wait()
        responses[index] = client.open(**request)

    threads = [
        threading.Thread(target=send, args=(index, request))
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def test_two_patches_with_the_same_if_match_give_one_200_and_one_412(live_app):
    app, client = live_app, live_app.test_client()
    editor = key_header(app, "editor")
    article_id = new_article(app)
    url = f"/v1/articles/{article_id}"
    for round_ in range(ROUNDS):
        etag = client.get(url, headers=editor).headers["ETag"]
        subtitles = [f"Version A{round_}", f"Version B{round_}"]
        responses = race(
            app,
            [
                {
                    "path": url,
                    "method": "PATCH",
                    "json": {"subtitle": subtitle},
                    "headers": {**editor, "If-Match": etag},
                }
                for subtitle in subtitles
            ],
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200, 412], [r.get_data(as_text=True) for r in responses]
        winner = next(r for r in responses if r.status_code == 200).get_json()["data"]
        assert client.get(url, headers=editor).get_json()["data"]["subtitle"] == winner["subtitle"]
    with app.app_context():
        version = db.session.scalar(select(Article.version_id).where(Article.id == article_id))
        revisions = db.session.scalar(
            select(func.count()).where(ArticleRevision.article_id == article_id)
        )
    assert version == 1 + ROUNDS  # one update per round, none lost, none doubled
    assert revisions == ROUNDS  # new_article records no creation revision
