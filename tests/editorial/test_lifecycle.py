"""The publishing lifecycle, revisions and previews, through the API."""

from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import assert_problem


@pytest.fixture
def draft(client, editor):
    response = client.post(
        "/v1/articles", json={"title": "Brouillon", "body": "Premier jet."}, headers=editor
    )
    return response.get_json()["data"]


def _public_ids(client):
    return [a["id"] for a in client.get("/v1/articles?per_page=100").get_json()["data"]]


def _etag(client, editor, article_id):
    return client.get(f"/v1/articles/{article_id}", headers=editor).headers["ETag"]


def test_publish_makes_a_draft_public_now(client, editor, draft):
    before = datetime.now(UTC)
    data = client.post(f"/v1/articles/{draft['id']}/publish", headers=editor).get_json()["data"]
    assert data["status"] == "published"
    assert datetime.fromisoformat(data["published_at"]) >= before.replace(microsecond=0)
    assert draft["id"] in _public_ids(client)


def test_publish_at_a_given_past_time(client, editor, draft):
    response = client.post(
        f"/v1/articles/{draft['id']}/publish",
        json={"published_at": "2024-05-21T08:00:00Z"},
        headers=editor,
    )
    assert response.get_json()["data"]["published_at"] == "2024-05-21T08:00:00Z"


def test_schedule_keeps_the_article_hidden_until_its_time(client, editor, draft, session):
    at = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    data = client.post(
        f"/v1/articles/{draft['id']}/schedule", json={"published_at": at}, headers=editor
    ).get_json()["data"]
    assert data["status"] == "scheduled"
    assert draft["id"] not in _public_ids(client)
    assert client.get(f"/v1/articles/{draft['id']}").status_code == 404


def test_a_scheduled_article_becomes_public_when_its_time_comes(client, make_article):
    due = make_article(status="scheduled", published_at=datetime.now(UTC) - timedelta(seconds=1))
    assert str(due.id) in _public_ids(client)


def test_schedule_in_the_past_is_a_422(client, editor, draft):
    response = client.post(
        f"/v1/articles/{draft['id']}/schedule",
        json={"published_at": "2020-01-01T00:00:00Z"},
        headers=editor,
    )
    assert_problem(response, 422, "published_at")


def test_unpublish_hides_the_article(client, editor, make_article):
    article = make_article()
    response = client.post(f"/v1/articles/{article.id}/unpublish", headers=editor)
    assert response.get_json()["data"]["status"] == "draft"
    assert client.get(f"/v1/articles/{article.id}").status_code == 404


def test_archive_hides_the_article(client, editor, make_article):
    article = make_article()
    response = client.post(f"/v1/articles/{article.id}/archive", headers=editor)
    assert response.get_json()["data"]["status"] == "archived"
    assert str(article.id) not in _public_ids(client)


def test_delete_is_soft_public_reads_answer_410(client, editor, make_article):
    article = make_article()
    response = client.delete(
        f"/v1/articles/{article.id}",
        headers={**editor, "If-Match": _etag(client, editor, article.id)},
    )
    assert response.status_code == 204
    assert_problem(client.get(f"/v1/articles/{article.id}"), 410)
    assert_problem(client.get(f"/v1/articles/slug/{article.slug}"), 410)
    assert str(article.id) not in _public_ids(client)


def test_restore_brings_a_deleted_article_back(client, editor, make_article):
    article = make_article()
    client.delete(
        f"/v1/articles/{article.id}",
        headers={**editor, "If-Match": _etag(client, editor, article.id)},
    )
    response = client.post(f"/v1/articles/{article.id}/restore", headers=editor)
    assert response.status_code == 200
    assert client.get(f"/v1/articles/{article.id}").status_code == 200


def test_a_deleted_articles_history_reads_as_absent_until_restored(client, editor, draft):
    url = f"/v1/articles/{draft['id']}"
    client.delete(url, headers={**editor, "If-Match": _etag(client, editor, draft["id"])})
    for path in (f"{url}/revisions", f"{url}/revisions/1"):
        assert_problem(client.get(path, headers=editor), 404)
    assert_problem(client.get(url, headers=editor), 404)
    client.post(f"{url}/restore", headers=editor)
    for path in (f"{url}/revisions", f"{url}/revisions/1"):
        assert client.get(path, headers=editor).status_code == 200


def test_restore_of_an_article_not_deleted_is_a_409(client, editor, make_article):
    article = make_article()
    assert_problem(client.post(f"/v1/articles/{article.id}/restore", headers=editor), 409)


@pytest.mark.parametrize("change", ["edit", "revert"])
def test_a_deleted_article_changes_only_once_restored(client, editor, draft, change):
    url = f"/v1/articles/{draft['id']}"
    client.delete(url, headers={**editor, "If-Match": _etag(client, editor, draft["id"])})
    if change == "edit":
        response = client.patch(
            url, json={"title": "Retouché"}, headers={**editor, "If-Match": "*"}
        )
    else:
        response = client.post(f"{url}/revisions/1/revert", headers=editor)
    assert_problem(response, 409)
    client.post(f"{url}/restore", headers=editor)
    assert client.get(url, headers=editor).get_json()["data"]["title"] == "Brouillon"


def test_purge_needs_a_deleted_article(client, admin, make_article):
    article = make_article()
    assert_problem(client.post(f"/v1/articles/{article.id}/purge", headers=admin), 409)


def test_purge_removes_a_deleted_article_for_good(client, admin, make_article):
    article = make_article()
    client.delete(
        f"/v1/articles/{article.id}",
        headers={**admin, "If-Match": _etag(client, admin, article.id)},
    )
    assert client.post(f"/v1/articles/{article.id}/purge", headers=admin).status_code == 204
    assert_problem(client.get(f"/v1/articles/{article.id}"), 404)
    assert client.post(f"/v1/articles/{article.id}/restore", headers=admin).status_code == 404


def test_every_change_stores_a_revision(client, editor, draft):
    client.patch(
        f"/v1/articles/{draft['id']}",
        json={"title": "Révisé"},
        headers={**editor, "If-Match": _etag(client, editor, draft["id"])},
    )
    client.post(f"/v1/articles/{draft['id']}/publish", headers=editor)
    revisions = client.get(f"/v1/articles/{draft['id']}/revisions", headers=editor).get_json()[
        "data"
    ]
    assert [(r["number"], r["action"]) for r in revisions] == [
        (3, "publish"),
        (2, "update"),
        (1, "create"),
    ]
    assert revisions[1]["changed_fields"] == ["title"]
    assert revisions[1]["snapshot"]["title"] == "Révisé"
    assert all(r["key_id"] for r in revisions)


def test_a_patch_that_changes_nothing_stores_no_revision(client, editor, draft):
    client.patch(
        f"/v1/articles/{draft['id']}",
        json={"title": "Brouillon"},
        headers={**editor, "If-Match": _etag(client, editor, draft["id"])},
    )
    meta = client.get(f"/v1/articles/{draft['id']}/revisions", headers=editor).get_json()["meta"]
    assert meta["total"] == 1


def test_one_revision_by_number(client, editor, draft):
    data = client.get(f"/v1/articles/{draft['id']}/revisions/1", headers=editor).get_json()
    assert data["data"]["action"] == "create"
    assert_problem(client.get(f"/v1/articles/{draft['id']}/revisions/9", headers=editor), 404)


def test_revert_restores_content_as_a_new_change(client, editor, draft):
    client.patch(
        f"/v1/articles/{draft['id']}",
        json={"title": "Mauvais", "body": "Erreur."},
        headers={**editor, "If-Match": _etag(client, editor, draft["id"])},
    )
    response = client.post(f"/v1/articles/{draft['id']}/revisions/1/revert", headers=editor)
    data = response.get_json()["data"]
    assert (data["title"], data["body"]) == ("Brouillon", "Premier jet.")
    latest = client.get(f"/v1/articles/{draft['id']}/revisions", headers=editor).get_json()
    assert latest["data"][0]["action"] == "revert" and latest["meta"]["total"] == 3


def test_preview_serves_a_draft_privately(client, editor, draft):
    link = client.post(f"/v1/articles/{draft['id']}/preview", headers=editor).get_json()["data"]
    response = client.get(f"/v1/preview/{link['token']}")
    assert response.get_json()["data"]["id"] == draft["id"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_a_tampered_preview_token_is_a_401(client, editor, draft):
    link = client.post(f"/v1/articles/{draft['id']}/preview", headers=editor).get_json()["data"]
    signed, signature = link["token"].rsplit(".", 1)
    other = ("A" if signature[0] != "A" else "B") + signature[1:]  # all of its bits count
    response = client.get(f"/v1/preview/{signed}.{other}")
    body = assert_problem(response, 401)
    assert draft["title"] not in response.get_data(as_text=True) and "data" not in body


def test_an_expired_preview_token_is_a_401(app, client, editor, draft):
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="newsdesk.preview")
    old = serializer.dumps({"article": draft["id"]})
    app.config["PREVIEW_TTL"], ttl = -1, app.config["PREVIEW_TTL"]
    try:
        assert_problem(client.get(f"/v1/preview/{old}"), 401)
    finally:
        app.config["PREVIEW_TTL"] = ttl


def test_a_preview_of_a_deleted_article_is_a_404(client, editor, draft):
    link = client.post(f"/v1/articles/{draft['id']}/preview", headers=editor).get_json()["data"]
    client.delete(
        f"/v1/articles/{draft['id']}",
        headers={**editor, "If-Match": _etag(client, editor, draft["id"])},
    )
    assert_problem(client.get(f"/v1/preview/{link['token']}"), 404)


def test_editors_list_drafts_with_status(client, editor, draft, make_article):
    make_article()
    data = client.get("/v1/articles?status=draft", headers=editor).get_json()["data"]
    assert [a["id"] for a in data] == [draft["id"]]


def test_authenticated_responses_are_never_cached(client, editor):
    response = client.get("/v1/articles", headers=editor)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Authorization" in response.headers["Vary"]


def test_editors_list_deleted_articles_to_restore_them(client, editor, make_article):
    kept, binned = make_article(), make_article()
    client.delete(
        f"/v1/articles/{binned.id}",
        headers={**editor, "If-Match": _etag(client, editor, binned.id)},
    )
    data = client.get("/v1/articles?deleted=true", headers=editor).get_json()["data"]
    assert [a["id"] for a in data] == [str(binned.id)]
    assert str(kept.id) not in [a["id"] for a in data]


@pytest.mark.parametrize("role", [None, "partner", "author"])
def test_only_editors_list_deleted_articles(client, make_key, make_article, role):
    headers = make_key(role) if role else {}
    response = client.get("/v1/articles?deleted=true", headers=headers)
    assert_problem(response, 401 if role is None else 403)
