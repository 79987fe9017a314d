"""Idempotency-Key: a retried POST answers the original response and creates nothing twice."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from api import idempotency
from api.db import db, utcnow
from api.models import ApiKey, Article, Author, IdempotencyKey, Tag
from api.worker import purge_idempotency_keys, run_tick
from tests.conftest import assert_problem
from tests.reliability.conftest import key_header
from tests.reliability.test_concurrency import race

CREATES = [
    pytest.param("/v1/articles", "title", Article, id="article"),
    pytest.param("/v1/tags", "name", Tag, id="tag"),
    pytest.param("/v1/authors", "name", Author, id="author"),
    pytest.param("/v1/keys", "name", ApiKey, id="key"),
]


def body_for(path: str, name_field: str) -> dict:
    body = {name_field: f"Idempotent {uuid.uuid4().hex[:10]}"}
    if path == "/v1/keys":
        body["role"] = "partner"
    return body


def count(app, model, field: str, value: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(model).where(getattr(model, field) == value)
        )


def new_key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture
def admin(live_app) -> dict:
    return key_header(live_app, "admin")


@pytest.mark.parametrize(("path", "name_field", "model"), CREATES)
def test_a_retried_create_answers_the_original_response_and_creates_once(
    live_app, admin, path, name_field, model
):
    client, body, headers = live_app.test_client(), body_for(path, name_field), new_key()
    first = client.post(path, json=body, headers={**admin, **headers})
    again = client.post(path, json=body, headers={**admin, **headers})
    assert first.status_code == again.status_code == 201, first.get_data(as_text=True)
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers.get("ETag") == first.headers.get("ETag")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(live_app, model, name_field, body[name_field]) == 1


def test_the_work_and_its_stored_response_commit_together(live_app, admin, monkeypatch):
    """A request that fails between its view and the storing of its response (a worker
    killed there, as the fault suite does; a database gone) leaves nothing: the retry
    creates, once, where a claim committed without its response would answer 409s."""
    client, body = live_app.test_client(), body_for("/v1/tags", "name")
    headers = {**admin, **new_key()}

    def database_gone(_response):
        raise OperationalError("UPDATE idempotency_keys", {}, ConnectionError("gone"))

    monkeypatch.setattr(idempotency, "_kept_headers", database_gone)
    assert_problem(client.post("/v1/tags", json=body, headers=headers), 503)
    assert count(live_app, Tag, "name", body["name"]) == 0
    monkeypatch.undo()
    assert client.post("/v1/tags", json=body, headers=headers).status_code == 201
    assert count(live_app, Tag, "name", body["name"]) == 1


def test_the_same_key_with_another_body_is_a_409_and_creates_nothing(live_app, admin):
    client, headers = live_app.test_client(), {**admin, **new_key()}
    first = body_for("/v1/tags", "name")
    assert client.post("/v1/tags", json=first, headers=headers).status_code == 201
    other = body_for("/v1/tags", "name")
    response = client.post("/v1/tags", json=other, headers=headers)
    assert_problem(response, 409, "Idempotency-Key")
    assert "Retry-After" not in response.headers
    assert count(live_app, Tag, "name", other["name"]) == 0


def test_the_same_key_on_another_path_is_another_request(live_app, admin):
    client, headers = live_app.test_client(), {**admin, **new_key()}
    tag = client.post("/v1/tags", json=body_for("/v1/tags", "name"), headers=headers)
    author = client.post("/v1/authors", json=body_for("/v1/authors", "name"), headers=headers)
    assert tag.status_code == author.status_code == 201
    assert "Idempotent-Replayed" not in author.headers


def test_keys_of_different_credentials_are_not_shared(live_app):
    client, headers, body = live_app.test_client(), new_key(), body_for("/v1/keys", "name")
    first = client.post("/v1/keys", json=body, headers={**key_header(live_app, "admin"), **headers})
    other = client.post("/v1/keys", json=body, headers={**key_header(live_app, "admin"), **headers})
    assert first.status_code == other.status_code == 201
    assert "Idempotent-Replayed" not in other.headers
    assert other.get_json()["data"]["id"] != first.get_json()["data"]["id"]
    assert count(live_app, ApiKey, "name", body["name"]) == 2


def test_a_request_that_failed_does_not_keep_its_key(live_app, admin):
    client, headers = live_app.test_client(), {**admin, **new_key()}
    invalid = client.post("/v1/tags", json={"name": ""}, headers=headers)
    assert_problem(invalid, 422, "name")
    valid = client.post("/v1/tags", json=body_for("/v1/tags", "name"), headers=headers)
    assert valid.status_code == 201
    assert "Idempotent-Replayed" not in valid.headers


def test_an_anonymous_retry_is_refused_before_any_replay(live_app, admin):
    client, headers, body = live_app.test_client(), new_key(), body_for("/v1/tags", "name")
    assert client.post("/v1/tags", json=body, headers={**admin, **headers}).status_code == 201
    assert_problem(client.post("/v1/tags", json=body, headers=headers), 401)


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "a b", '"'])
def test_a_malformed_key_is_a_400(live_app, admin, key):
    response = live_app.test_client().post(
        "/v1/tags", json=body_for("/v1/tags", "name"), headers={**admin, "Idempotency-Key": key}
    )
    assert_problem(response, 400, "Idempotency-Key")


def test_a_quoted_key_is_the_same_key(live_app, admin):
    client, key, body = live_app.test_client(), str(uuid.uuid4()), body_for("/v1/tags", "name")
    client.post("/v1/tags", json=body, headers={**admin, "Idempotency-Key": key})
    again = client.post("/v1/tags", json=body, headers={**admin, "Idempotency-Key": f'"{key}"'})
    assert again.headers["Idempotent-Replayed"] == "true"


def test_an_expired_key_runs_the_request_again(make_app):
    app = make_app(IDEMPOTENCY_TTL=0)
    client, headers = app.test_client(), {**key_header(app, "admin"), **new_key()}
    body = body_for("/v1/keys", "name")
    first = client.post("/v1/keys", json=body, headers=headers)
    again = client.post("/v1/keys", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert count(app, ApiKey, "name", body["name"]) == 2


def test_a_new_keys_secret_is_stored_only_encrypted(live_app, admin):
    client, headers = live_app.test_client(), {**admin, **new_key()}
    body = body_for("/v1/keys", "name")
    first = client.post("/v1/keys", json=body, headers=headers)
    secret = first.get_json()["data"]["key"]
    with live_app.app_context():
        stored = db.session.scalars(select(IdempotencyKey)).all()
    assert stored and all(secret.encode() not in (record.body or b"") for record in stored)
    assert all(headers["Idempotency-Key"] not in record.id for record in stored)
    replay = client.post("/v1/keys", json=body, headers=headers)
    assert replay.get_json()["data"]["key"] == secret


def test_concurrent_retries_create_once(live_app, admin):
    headers, body = {**admin, **new_key()}, body_for("/v1/tags", "name")
    request = {"path": "/v1/tags", "method": "POST", "json": body, "headers": headers}
    responses = race(live_app, [request] * 4)
    statuses = [response.status_code for response in responses]
    assert set(statuses) <= {201, 409}, [r.get_data(as_text=True) for r in responses]
    originals = [
        r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    ]
    assert len(originals) == 1
    for response in responses:
        if response.status_code == 201:
            assert response.get_json() == originals[0].get_json()
        else:
            assert_problem(response, 409)
            assert response.headers["Retry-After"] == "1"
    assert count(live_app, Tag, "name", body["name"]) == 1


def test_purge_deletes_expired_keys(make_app):
    app = make_app(IDEMPOTENCY_TTL=0)
    client, headers = app.test_client(), {**key_header(app, "admin"), **new_key()}
    client.post("/v1/tags", json=body_for("/v1/tags", "name"), headers=headers)
    result = app.test_cli_runner().invoke(args=["idempotency", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Deleted ")
    with app.app_context():
        expired = select(func.count()).where(IdempotencyKey.expires_at <= utcnow())
        assert db.session.scalar(expired) == 0


def test_the_worker_purges_expired_keys(make_app):
    app = make_app(IDEMPOTENCY_TTL=0)
    client, headers = app.test_client(), {**key_header(app, "admin"), **new_key()}
    client.post("/v1/tags", json=body_for("/v1/tags", "name"), headers=headers)
    expired = select(func.count()).where(IdempotencyKey.expires_at <= utcnow())
    with app.app_context():
        assert db.session.scalar(expired) >= 1
    done = run_tick(app, jobs=(purge_idempotency_keys,))
    assert done["purge_idempotency_keys"] >= 1
    with app.app_context():
        assert db.session.scalar(expired) == 0


def test_every_post_documents_the_header(live_app):
    spec = live_app.test_client().get("/openapi.json").get_json()
    posts = {path: item["post"] for path, item in spec["paths"].items() if "post" in item}
    assert posts
    for path, operation in posts.items():
        names = [parameter.get("name") for parameter in operation.get("parameters", [])]
        assert "Idempotency-Key" in names, path
        assert {"400", "409"} <= set(operation["responses"]), path
