"""API keys: random, stored as a digest, shown once, revocable, with a last-used time."""

import hashlib
import uuid

from sqlalchemy import select

from api.models import ApiKey
from tests.conftest import assert_problem


def test_admin_creates_a_key_shown_once(client, admin, session):
    response = client.post(
        "/v1/keys", json={"name": "Partenaire", "role": "partner"}, headers=admin
    )
    assert response.status_code == 201
    data = response.get_json()["data"]
    secret = data["key"]
    assert secret.startswith("nd_") and len(secret) >= 40
    stored = session.scalar(select(ApiKey).where(ApiKey.id == uuid.UUID(data["id"])))
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(vars(stored).values())
    listed = client.get(f"/v1/keys/{data['id']}", headers=admin).get_json()["data"]
    assert "key" not in listed and listed["prefix"] == secret[:10]


def test_a_new_key_works_and_records_its_last_use(client, admin):
    data = client.post(
        "/v1/keys", json={"name": "Éditrice", "role": "editor"}, headers=admin
    ).get_json()["data"]
    assert data["last_used_at"] is None
    headers = {"Authorization": f"Bearer {data['key']}"}
    assert client.get("/v1/articles?status=draft", headers=headers).status_code == 200
    listed = client.get(f"/v1/keys/{data['id']}", headers=admin).get_json()["data"]
    assert listed["last_used_at"] is not None


def test_a_revoked_key_stops_working_at_once(client, admin):
    data = client.post("/v1/keys", json={"name": "x", "role": "editor"}, headers=admin).get_json()[
        "data"
    ]
    assert client.delete(f"/v1/keys/{data['id']}", headers=admin).status_code == 204
    response = client.get("/v1/articles", headers={"Authorization": f"Bearer {data['key']}"})
    assert_problem(response, 401)
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_keys_are_listed_without_secrets(client, admin):
    body = client.get("/v1/keys", headers=admin).get_json()
    assert body["meta"]["total"] >= 1
    assert all("key" not in key and "digest" not in key for key in body["data"])


def test_unknown_author_for_a_key_is_a_422(client, admin):
    response = client.post(
        "/v1/keys", json={"name": "x", "role": "author", "author": "nobody"}, headers=admin
    )
    assert_problem(response, 422, "author")


def test_cli_creates_lists_and_revokes_keys(client, runner):
    result = runner.invoke(args=["keys", "create", "--name", "Rédaction", "--role", "editor"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    key_id = result.output.split()[3]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/articles?status=draft", headers=headers).status_code == 200
    assert "Rédaction" in runner.invoke(args=["keys", "list"]).output
    assert secret not in runner.invoke(args=["keys", "list"]).output
    assert runner.invoke(args=["keys", "revoke", key_id]).exit_code == 0
    assert client.get("/v1/articles", headers=headers).status_code == 401


def test_cli_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["keys", "create", "--name", "x", "--role", "god"])
    assert result.exit_code != 0
