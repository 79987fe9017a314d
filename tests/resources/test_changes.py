"""The change feed: every public change, in order, with tombstones, and nothing hidden."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer

from api.models import Change, PublicState
from tests.conftest import assert_problem


def _head(client) -> str:
    """The cursor after every change recorded so far."""
    cursor = None
    while True:
        url = "/v1/changes?per_page=500" + (f"&since={cursor}" if cursor else "")
        body = client.get(url).get_json()
        cursor = body["meta"]["next_cursor"]
        if not body["meta"]["has_more"]:
            return cursor


def _after(client, cursor: str, **params) -> list[dict]:
    query = "".join(f"&{k}={v}" for k, v in params.items())
    response = client.get(f"/v1/changes?since={cursor}{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


@pytest.fixture
def draft(client, editor, make_tag, make_author):
    tag, author = make_tag(name="Sécurité"), make_author(name="Élise Durand")
    response = client.post(
        "/v1/articles",
        json={
            "title": "Séoul accueille le sommet",
            "body": "C’est « finalement » à Séoul.",
            "tags": [tag.slug],
            "authors": [author.slug],
        },
        headers=editor,
    )
    assert response.status_code == 201
    return response.get_json()["data"]


def _etag(client, editor, article_id):
    return client.get(f"/v1/articles/{article_id}", headers=editor).headers["ETag"]


def _publish(client, editor, article_id):
    response = client.post(f"/v1/articles/{article_id}/publish", headers=editor)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_drafts_never_appear(client, editor, draft):
    start = _head(client)
    client.patch(
        f"/v1/articles/{draft['id']}",
        json={"title": "Toujours un brouillon"},
        headers={**editor, "If-Match": _etag(client, editor, draft["id"])},
    )
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    client.post(
        f"/v1/articles/{draft['id']}/schedule", json={"published_at": later}, headers=editor
    )
    assert _after(client, start) == []


def test_the_life_of_an_article_in_order(client, editor, draft):
    start = _head(client)
    _publish(client, editor, draft["id"])
    client.patch(
        f"/v1/articles/{draft['id']}",
        json={"title": "Séoul accueille le second sommet"},
        headers={**editor, "If-Match": _etag(client, editor, draft["id"])},
    )
    client.post(f"/v1/articles/{draft['id']}/unpublish", headers=editor)
    _publish(client, editor, draft["id"])
    client.delete(
        f"/v1/articles/{draft['id']}",
        headers={**editor, "If-Match": _etag(client, editor, draft["id"])},
    )
    events = _after(client, start)
    assert [e["type"] for e in events] == [
        "article.published",
        "article.updated",
        "article.unpublished",
        "article.published",
        "article.deleted",
    ]
    assert {e["resource_id"] for e in events} == {draft["id"]}
    assert len({e["id"] for e in events}) == 5
    deleted = events[-1]
    assert deleted["data"]["current"] is None
    assert deleted["data"]["previous"] == {"id": draft["id"], "slug": draft["slug"]}
    assert deleted["surrogate_keys"] == ["articles", f"article:{draft['id']}"]
    assert deleted["urls"] == [f"https://www.example.org/articles/{draft['slug']}"]
    # Taken down: its content is erased from the earlier changes
    assert all(e["data"] == {"current": None, "previous": None} for e in events[:-1])


def test_an_update_carries_current_and_previous(client, editor, draft):
    _publish(client, editor, draft["id"])
    start = _head(client)
    client.patch(
        f"/v1/articles/{draft['id']}",
        json={"title": "Un titre « neuf »"},
        headers={**editor, "If-Match": _etag(client, editor, draft["id"])},
    )
    [event] = _after(client, start)
    assert event["type"] == "article.updated"
    assert event["data"]["current"]["title"] == "Un titre « neuf »"
    assert event["data"]["previous"]["title"] == "Séoul accueille le sommet"
    assert event["data"]["current"]["body"] == "C’est « finalement » à Séoul."
    assert event["data"]["current"]["tags"][0]["name"] == "Sécurité"


def test_a_save_that_changes_nothing_records_nothing(client, editor, draft):
    _publish(client, editor, draft["id"])
    start = _head(client)
    client.patch(
        f"/v1/articles/{draft['id']}",
        json={"title": "Séoul accueille le sommet"},
        headers={**editor, "If-Match": _etag(client, editor, draft["id"])},
    )
    assert _after(client, start) == []


def test_archiving_is_a_take_down(client, editor, draft):
    _publish(client, editor, draft["id"])
    start = _head(client)
    client.post(f"/v1/articles/{draft['id']}/archive", headers=editor)
    [event] = _after(client, start)
    assert event["type"] == "article.unpublished"
    assert event["data"]["current"] is None


def test_a_scheduled_article_is_announced_when_its_time_comes(client, make_article):
    start = _head(client)
    due = make_article(status="scheduled", published_at=datetime.now(UTC) - timedelta(seconds=1))
    [event] = _after(client, start)
    assert event["type"] == "article.published"
    assert event["resource_id"] == str(due.id)
    assert event["data"]["current"]["published_at"] <= event["occurred_at"]


def test_tags_and_authors(client, editor):
    start = _head(client)
    tag = client.post("/v1/tags", json={"name": "Éthique"}, headers=editor).get_json()["data"]
    client.patch(f"/v1/tags/{tag['id']}", json={"description": "La morale"}, headers=editor)
    created, updated = _after(client, start)
    assert created["data"]["current"]["name"] == "Éthique"
    assert "article_count" not in created["data"]["current"]
    assert updated["data"]["previous"]["description"] is None
    assert updated["data"]["current"]["description"] == "La morale"
    client.delete(f"/v1/tags/{tag['id']}", headers=editor)
    author = client.post("/v1/authors", json={"name": "Zoé"}, headers=editor).get_json()["data"]
    events = _after(client, start)
    assert [e["type"] for e in events] == [
        "tag.created",
        "tag.updated",
        "tag.deleted",
        "author.created",
    ]
    assert events[2]["data"]["previous"] == {"id": tag["id"], "slug": tag["slug"]}
    assert events[3]["urls"] == [f"https://www.example.org/authors/{author['slug']}"]


def test_pages_follow_each_other_without_gaps(client, make_tag):
    start = _head(client)
    names = [f"tag-{i}" for i in range(7)]
    for name in names:
        make_tag(name=name)
    seen, cursor = [], start
    for _ in range(10):
        body = client.get(f"/v1/changes?since={cursor}&per_page=3").get_json()
        seen += [e["data"]["current"]["name"] for e in body["data"]]
        cursor = body["meta"]["next_cursor"]
        assert f"since={cursor}" in body["links"]["next"]
        if not body["meta"]["has_more"]:
            break
    assert seen == names
    # At the head: an empty page that keeps the position
    body = client.get(f"/v1/changes?since={cursor}").get_json()
    assert body["data"] == [] and body["meta"]["next_cursor"] == cursor


def test_without_since_it_starts_at_the_first_change(client, make_tag, session):
    make_tag(name="premier")
    first = session.query(Change).order_by(Change.id).first()
    body = client.get("/v1/changes?per_page=1").get_json()
    assert body["data"][0]["id"] == str(first.event_id)


@pytest.mark.parametrize(
    "since",
    [
        "nope",
        URLSafeSerializer("another secret", salt="newsdesk.changes").dumps({"c": 0}),
        "",
        "x" * 501,
    ],
)
def test_a_forged_or_bad_cursor_is_a_400(client, since):
    assert_problem(client.get(f"/v1/changes?since={since}"), 400, "since")


def test_a_cursor_of_another_kind_is_a_400(client, app):
    with app.app_context():
        other = URLSafeSerializer(app.config["SECRET_KEY"], salt="newsdesk.cursor").dumps({"c": 0})
    assert_problem(client.get(f"/v1/changes?since={other}"), 400, "since")


def test_public_state_follows_the_article(client, editor, draft, session):
    article_id = uuid.UUID(draft["id"])
    _publish(client, editor, draft["id"])
    state = session.get(PublicState, ("article", article_id))
    told = session.get(Change, state.change_id)
    assert (told.type, told.resource_id, told.current["status"]) == (
        "article.published",
        article_id,
        "published",
    )
    client.post(f"/v1/articles/{draft['id']}/unpublish", headers=editor)
    session.expire_all()
    assert session.get(PublicState, ("article", article_id)) is None


def test_the_worker_announces_anything_public_never_announced(app, session, make_article):
    from api.services.changes import announce_due

    article = make_article()  # published directly, as an import or old data might be
    assert str(article.id) not in [c.resource_id for c in announce_due(session)]
    announced = announce_due(session, full=True)
    assert [c.resource_id for c in announced] == [article.id]
    assert announce_due(session, full=True) == []
