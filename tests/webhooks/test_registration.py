"""Registering webhooks: admins only, a secret shown once, URLs and events validated, and no
address but a public one accepted unless the configuration allows its network."""

import base64
import uuid

import pytest
from sqlalchemy import select

from api.models import WebhookEndpoint
from tests.conftest import assert_problem

BODY = {"url": "http://127.0.0.1:9/hooks", "events": ["article.*"]}


def test_admin_registers_a_webhook_and_sees_its_secret_once(client, admin, session):
    body = {**BODY, "description": "Partenaire"}
    response = client.post("/v1/webhooks", json=body, headers=admin)
    assert response.status_code == 201
    data = response.get_json()["data"]
    assert response.headers["Location"].endswith(f"/v1/webhooks/{data['id']}")
    assert data["url"] == BODY["url"] and data["events"] == ["article.*"]
    assert data["description"] == "Partenaire" and data["active"] is True
    secret = data["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    stored = session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.id == uuid.UUID(data["id"]))
    )
    assert stored.secret == secret  # HMAC needs the secret itself: kept, never shown again
    shown = client.get(f"/v1/webhooks/{data['id']}", headers=admin).get_json()["data"]
    listed = client.get("/v1/webhooks", headers=admin).get_json()["data"]
    assert "secret" not in shown and all("secret" not in item for item in listed)
    assert secret not in client.get("/v1/webhooks", headers=admin).get_data(as_text=True)


def test_every_registration_gets_its_own_secret(register):
    assert register(BODY["url"])["secret"] != register(BODY["url"])["secret"]


def test_rotating_the_secret_shows_a_new_one_once(client, admin, register):
    created = register(BODY["url"])
    response = client.post(f"/v1/webhooks/{created['id']}/rotate-secret", headers=admin)
    assert response.status_code == 200
    rotated = response.get_json()["data"]["secret"]
    assert rotated.startswith("whsec_") and rotated != created["secret"]
    assert "secret" not in client.get(f"/v1/webhooks/{created['id']}", headers=admin).get_json()


@pytest.mark.parametrize("role", ["partner", "author", "editor"])
def test_only_admins_manage_webhooks(client, make_key, register, role):
    webhook_id = register(BODY["url"])["id"]
    key = make_key(role)
    one = f"/v1/webhooks/{webhook_id}"
    for method, path in [
        ("get", "/v1/webhooks"),
        ("post", "/v1/webhooks"),
        ("get", one),
        ("patch", one),
        ("delete", one),
        ("post", f"{one}/rotate-secret"),
        ("get", f"{one}/deliveries"),
    ]:
        response = getattr(client, method)(
            path, json=BODY if method != "get" else None, headers=key
        )
        assert_problem(response, 403)


def test_anonymous_callers_get_a_401(client):
    response = client.post("/v1/webhooks", json=BODY)
    assert_problem(response, 401)
    assert "Bearer" in response.headers["WWW-Authenticate"]
    assert_problem(client.get("/v1/webhooks"), 401)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/hooks",
        "javascript:alert(1)",
        "127.0.0.1/hooks",
        "http://user:password@127.0.0.1/hooks",
        "http://127.0.0.1/hooks with spaces",
        "",
    ],
)
def test_a_url_that_is_not_plain_http_is_a_422(client, admin, url):
    response = client.post("/v1/webhooks", json={**BODY, "url": url}, headers=admin)
    assert_problem(response, 422, "url")


@pytest.mark.parametrize(
    ("events", "field"),
    [
        (["article.read"], "events.0"),
        (["article"], "events.0"),
        (["tag.*", "**"], "events.1"),
        ([], "events"),
        ("article.*", "events"),
    ],
)
def test_unknown_events_are_a_422(client, admin, events, field):
    response = client.post("/v1/webhooks", json={**BODY, "events": events}, headers=admin)
    assert_problem(response, 422, field)


def test_url_and_events_are_required(client, admin):
    assert_problem(client.post("/v1/webhooks", json={}, headers=admin), 422, "url", "events")


def test_repeated_events_are_kept_once(register):
    assert register(BODY["url"], ["tag.*", "tag.*", "*"])["events"] == ["tag.*", "*"]


def test_a_host_that_does_not_resolve_is_a_422(client, admin):
    response = client.post(
        "/v1/webhooks", json={**BODY, "url": "https://nowhere.invalid/hooks"}, headers=admin
    )
    body = assert_problem(response, 422, "url")
    assert "resolve" in body["errors"]["url"][0]


def test_changing_a_webhook(client, admin, register):
    created = register(BODY["url"])
    one = f"/v1/webhooks/{created['id']}"
    changes = {"events": ["tag.created"], "description": "Balises", "active": False}
    response = client.patch(one, json=changes, headers=admin)
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert (data["events"], data["description"], data["active"]) == (
        ["tag.created"],
        "Balises",
        False,
    )
    assert data["url"] == BODY["url"] and "secret" not in data
    assert client.get(one, headers=admin).get_json()["data"] == data


def test_a_stale_if_match_is_a_412(client, admin, register):
    one = f"/v1/webhooks/{register(BODY['url'])['id']}"
    etag = client.get(one, headers=admin).headers["ETag"]
    assert client.patch(one, json={"active": False}, headers=admin).status_code == 200
    stale = {**admin, "If-Match": etag}
    assert_problem(client.patch(one, json={"active": True}, headers=stale), 412)
    assert_problem(client.delete(one, headers=stale), 412)


def test_a_new_url_is_checked_like_a_first(client, admin, register, monkeypatch, app):
    one = f"/v1/webhooks/{register(BODY['url'])['id']}"
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "")
    response = client.patch(one, json={"url": "http://10.0.0.1/hooks"}, headers=admin)
    assert_problem(response, 422, "url")
    # an unchanged URL is not checked again: the endpoint stays editable
    assert client.patch(one, json={"url": BODY["url"]}, headers=admin).status_code == 200


def test_deleting_a_webhook(client, admin, register):
    one = f"/v1/webhooks/{register(BODY['url'])['id']}"
    assert client.delete(one, headers=admin).status_code == 204
    assert_problem(client.get(one, headers=admin), 404)
    assert_problem(client.get(f"{one}/deliveries", headers=admin), 404)


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "/rotate-secret"),
        ("get", "/deliveries"),
        ("get", "/deliveries/1"),
        ("post", "/deliveries/1/replay"),
    ],
)
def test_unknown_webhooks_are_a_404(client, admin, method, suffix):
    path = f"/v1/webhooks/{uuid.uuid4()}{suffix}"
    json = {"active": False} if method == "patch" else None
    assert_problem(getattr(client, method)(path, json=json, headers=admin), 404)


def test_webhooks_are_listed_oldest_first_in_pages(client, admin, register):
    first, second = register(BODY["url"]), register(BODY["url"])
    body = client.get("/v1/webhooks?per_page=1", headers=admin).get_json()
    assert body["meta"]["total"] == 2 and body["data"][0]["id"] == first["id"]
    assert body["links"]["next"]
    page_two = client.get("/v1/webhooks?per_page=1&page=2", headers=admin).get_json()
    assert page_two["data"][0]["id"] == second["id"]
    assert_problem(client.get("/v1/webhooks?colour=red", headers=admin), 400, "colour")


# The SSRF guard at registration: with no network allowed, every loopback, private,
# link-local or otherwise non-public destination is refused, however it is written


@pytest.fixture
def nothing_allowed(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "")


def refused_by_the_guard(port: int) -> list[str]:
    """Well-formed URLs whose hosts are not public."""
    return [
        f"http://127.0.0.1:{port}/hooks",
        f"http://localhost:{port}/hooks",
        f"http://127.0.0.2:{port}/hooks",
        f"http://0.0.0.0:{port}/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hooks",
        "http://172.16.0.1/hooks",
        "http://192.168.1.1/hooks",
        "http://100.64.0.1/hooks",
        "http://224.0.0.1/hooks",
    ]


def refused_as_malformed(port: int) -> list[str]:
    """Numeric tricks and IPv6 literals: the URL format refuses them before the guard (which
    refuses them too: tests/webhooks/test_netguard.py)."""
    return [
        f"http://2130706433:{port}/hooks",  # 127.0.0.1 in decimal
        f"http://0x7f000001:{port}/hooks",  # in hexadecimal
        f"http://0177.0.0.1:{port}/hooks",  # in octal
        f"http://127.1:{port}/hooks",
        f"http://0:{port}/hooks",
        f"http://[::1]:{port}/hooks",
        f"http://[::ffff:127.0.0.1]:{port}/hooks",
        f"http://[::ffff:7f00:1]:{port}/hooks",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[fe80::1]/hooks",
    ]


@pytest.mark.usefixtures("nothing_allowed")
def test_non_public_destinations_are_refused_and_never_contacted(
    client, admin, canary, editor, deliver
):
    for url in refused_by_the_guard(canary.port):
        response = client.post("/v1/webhooks", json={**BODY, "url": url}, headers=admin)
        message = assert_problem(response, 422, "url")["errors"]["url"][0]
        assert "only sent to public addresses" in message, message
    for url in refused_as_malformed(canary.port):
        response = client.post("/v1/webhooks", json={**BODY, "url": url}, headers=admin)
        assert_problem(response, 422, "url")
    assert client.get("/v1/webhooks", headers=admin).get_json()["meta"]["total"] == 0
    assert client.post("/v1/tags", json={"name": "Canari"}, headers=editor).status_code == 201
    deliver()
    assert canary.requests == []


def test_loopback_is_accepted_where_the_configuration_allows_it(client, admin, canary):
    for url in (canary.url, f"http://localhost:{canary.port}/"):
        response = client.post("/v1/webhooks", json={**BODY, "url": url}, headers=admin)
        assert response.status_code == 201, response.get_json()


def test_a_network_can_be_allowed_alone(client, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "10.1.0.0/16")
    ok = client.post("/v1/webhooks", json={**BODY, "url": "http://10.1.2.3/"}, headers=admin)
    assert ok.status_code == 201
    refused = client.post("/v1/webhooks", json={**BODY, "url": "http://10.2.0.1/"}, headers=admin)
    assert_problem(refused, 422, "url")
    loopback = client.post("/v1/webhooks", json=BODY, headers=admin)
    assert_problem(loopback, 422, "url")
