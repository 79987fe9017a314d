"""Delivering events: signed bodies of the change feed's shape, to the endpoints that want
them, in order, retried with backoff, logged, replayable, and never to a refused address."""

import functools
import json
import ssl
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook

from api.db import utcnow
from api.models import WebhookDelivery, WebhookEndpoint
from api.services import webhooks
from api.worker import Worker, deliver_webhooks, run_tick
from tests.conftest import assert_problem
from tests.webhooks.conftest import Receiver, event_ids_in_order


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def verified(request, secret: str) -> dict:
    """The event a request carries, once its signature is verified as a receiver would."""
    return Webhook(secret).verify(request.body, request.headers)


def deliveries(client, admin, webhook_id: str, **query) -> list[dict]:
    response = client.get(
        f"/v1/webhooks/{webhook_id}/deliveries", query_string=query, headers=admin
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


@pytest.fixture
def publish(client, editor):
    """A published article, made through the API; returns its id."""

    def make(title: str = "Séoul, suite") -> str:
        created = client.post(
            "/v1/articles", json={"title": title, "body": "Texte."}, headers=editor
        )
        article_id = created.get_json()["data"]["id"]
        published = client.post(f"/v1/articles/{article_id}/publish", json={}, headers=editor)
        assert published.status_code == 200, published.get_json()
        return article_id

    return make


def test_an_event_is_signed_per_standard_webhooks(receiver, register, editor, client, deliver):
    webhook = register(receiver.url)
    client.post("/v1/tags", json={"name": "Corée"}, headers=editor)
    assert deliver() == 1
    [request] = receiver.requests
    event = verified(request, webhook["secret"])
    assert request.path == "/hooks"
    assert request.headers["webhook-id"] == event["id"]
    assert abs(int(request.headers["webhook-timestamp"]) - utcnow().timestamp()) < 60
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("Newsdesk-Webhooks")
    with pytest.raises(Exception, match="signature"):
        Webhook(webhooks.new_secret()).verify(request.body, request.headers)
    tampered = request.body.replace(b"Cor", b"Kor")
    with pytest.raises(Exception, match="signature"):
        Webhook(webhook["secret"]).verify(tampered, request.headers)


def test_the_body_is_the_change_feed_event_in_utf8(
    receiver, register, editor, admin, client, deliver
):
    webhook = register(receiver.url)
    client.post("/v1/tags", json={"name": "Séoul"}, headers=editor)
    deliver()
    [request] = receiver.requests
    assert "Séoul".encode() in request.body  # raw UTF-8, not \\u00e9
    event = verified(request, webhook["secret"])
    assert set(event) == {
        "id",
        "type",
        "occurred_at",
        "resource",
        "resource_id",
        "data",
        "surrogate_keys",
        "urls",
    }
    assert event["occurred_at"].endswith("Z")
    [delivery] = deliveries(client, admin, webhook["id"])
    assert delivery["event_id"] == event["id"] and delivery["event_type"] == "tag.created"


def test_article_events_carry_current_previous_keys_and_urls(
    receiver, register, editor, client, publish, deliver
):
    webhook = register(receiver.url, ["article.*"])
    article_id = publish("Séoul accueille le sommet")
    one = f"/v1/articles/{article_id}"
    patched = client.patch(
        one, json={"title": "Séoul, second sommet"}, headers={**editor, "If-Match": "*"}
    )
    assert patched.status_code == 200
    deliver()
    published, updated = [verified(request, webhook["secret"]) for request in receiver.requests]
    assert (published["type"], updated["type"]) == ("article.published", "article.updated")
    assert published["data"]["previous"] is None  # a first publication
    assert published["data"]["current"]["title"] == "Séoul accueille le sommet"
    assert updated["data"]["current"]["title"] == "Séoul, second sommet"
    assert updated["data"]["previous"]["title"] == "Séoul accueille le sommet"
    assert updated["data"]["current"]["body"]  # the full article, as a public read shows it
    assert updated["urls"] == [
        f"https://www.example.org/articles/{updated['data']['current']['slug']}"
    ]

    assert client.post(f"{one}/unpublish", headers=editor).status_code == 200
    deliver()
    assert client.post(f"{one}/publish", json={}, headers=editor).status_code == 200
    assert client.delete(one, headers={**editor, "If-Match": "*"}).status_code == 204
    deliver()
    events = [verified(request, webhook["secret"]) for request in receiver.requests]
    assert [event["type"] for event in events] == [
        "article.published",
        "article.updated",
        "article.unpublished",
        "article.published",
        "article.deleted",
    ]
    unpublished, republished, deleted = events[2:]
    for event in events:
        assert (event["resource"], event["resource_id"]) == ("article", article_id)
        assert event["surrogate_keys"] == ["articles", f"article:{article_id}"]
        assert event["urls"] == updated["urls"]
    # tombstones: nothing current, only the id and slug of what was
    tombstone = {
        "current": None,
        "previous": {"id": article_id, "slug": "seoul-accueille-le-sommet"},
    }
    assert unpublished["data"] == deleted["data"] == tombstone
    # the republication was still pending when the article was deleted: its content, taken
    # down since, is not sent (retracted content is erased from earlier events)
    assert republished["data"] == {"current": None, "previous": None}


@pytest.mark.parametrize("resource", ["tags", "authors"])
def test_tag_and_author_events(receiver, register, editor, client, deliver, resource):
    webhook = register(receiver.url, [f"{resource.removesuffix('s')}.*"])
    created = client.post(f"/v1/{resource}", json={"name": "Corée du Sud"}, headers=editor)
    item_id = created.get_json()["data"]["id"]
    one = f"/v1/{resource}/{item_id}"
    assert client.patch(one, json={"slug": "coree"}, headers=editor).status_code == 200
    deliver()  # before the deletion retracts their content
    assert client.delete(one, headers=editor).status_code == 204
    deliver()
    events = [verified(request, webhook["secret"]) for request in receiver.requests]
    kind = resource.removesuffix("s")
    assert [event["type"] for event in events] == [
        f"{kind}.created",
        f"{kind}.updated",
        f"{kind}.deleted",
    ]
    created_event, updated_event, deleted_event = events
    assert created_event["data"]["current"]["name"] == "Corée du Sud"
    assert created_event["data"]["previous"] is None
    assert "article_count" not in created_event["data"]["current"]
    assert updated_event["data"]["previous"]["slug"] != updated_event["data"]["current"]["slug"]
    assert f"https://www.example.org/{resource}/coree" in updated_event["urls"]
    assert deleted_event["data"] == {
        "current": None,
        "previous": {"id": item_id, "slug": "coree"},
    }
    assert all(event["surrogate_keys"] == [resource, f"{kind}:{item_id}"] for event in events)


def test_each_endpoint_gets_only_the_events_it_chose(
    register, editor, client, publish, deliver, receiver, canary
):
    tags_only = register(receiver.url, ["tag.created"])
    articles = register(canary.url, ["article.published", "author.*"])
    publish()
    tag = client.post("/v1/tags", json={"name": "Corée"}, headers=editor).get_json()["data"]
    client.patch(f"/v1/tags/{tag['id']}", json={"name": "Corée du Sud"}, headers=editor)
    client.post("/v1/authors", json={"name": "Min-jun"}, headers=editor)
    deliver()
    assert [verified(r, tags_only["secret"])["type"] for r in receiver.requests] == ["tag.created"]
    assert [verified(r, articles["secret"])["type"] for r in canary.requests] == [
        "article.published",
        "author.created",
    ]


def test_drafts_send_nothing(register, receiver, client, editor, deliver):
    register(receiver.url)
    client.post("/v1/articles", json={"title": "Brouillon", "body": "x"}, headers=editor)
    assert deliver() == 0 and receiver.requests == []


def test_a_failing_receiver_is_retried_with_backoff_and_order_is_kept(
    app, register, receiver, client, editor, admin, deliver, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_BASE", 60.0)
    receiver.script = [500, 503]  # then 200
    webhook = register(receiver.url, ["tag.*"])
    for name in ("Un", "Deux", "Trois"):
        client.post("/v1/tags", json={"name": name}, headers=editor)
    expected = event_ids_in_order(webhook["id"])
    now = utcnow()

    assert deliver(now) == 1  # the head fails: the others wait behind it
    first, second, third = reversed(deliveries(client, admin, webhook["id"]))
    assert (first["status"], first["attempts"], first["response_status"]) == ("pending", 1, 500)
    assert first["error"] == "HTTP 500."
    wait = _parse(first["next_attempt_at"]) - now
    assert timedelta(seconds=30) <= wait <= timedelta(seconds=60)  # base 60 s, jittered
    assert (second["attempts"], third["attempts"]) == (0, 0)

    assert deliver(now + timedelta(seconds=29)) == 0  # not yet due
    assert deliver(now + timedelta(seconds=61)) == 1  # fails again (503): now up to 120 s
    first = deliveries(client, admin, webhook["id"])[-1]
    assert (first["attempts"], first["response_status"]) == (2, 503)
    assert _parse(first["next_attempt_at"]) - (now + timedelta(seconds=61)) >= timedelta(seconds=60)

    assert deliver(now + timedelta(hours=1)) == 3  # succeeds, and the others follow
    assert receiver.answered == [500, 503, 200, 200, 200]
    assert receiver.event_ids() == [expected[0]] * 3 + expected[1:]
    log = deliveries(client, admin, webhook["id"])
    assert [d["status"] for d in log] == ["delivered"] * 3
    assert [d["attempts"] for d in reversed(log)] == [3, 1, 1]
    assert all(d["error"] is None and d["response_status"] == 200 for d in log)


def test_after_its_last_attempt_a_delivery_fails_the_next_goes_and_a_replay_delivers_it(
    app, register, receiver, client, editor, admin, deliver, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    receiver.script = [500, 500]
    webhook = register(receiver.url, ["tag.*"])
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    client.post("/v1/tags", json={"name": "Deux"}, headers=editor)
    first_event, second_event = event_ids_in_order(webhook["id"])
    now = utcnow()
    deliver(now)
    deliver(now + timedelta(hours=1))  # the second and last attempt fails; the next goes
    assert receiver.event_ids() == [first_event, first_event, second_event]

    failed = deliveries(client, admin, webhook["id"], status="failed")
    assert [(d["event_id"], d["attempts"]) for d in failed] == [(first_event, 2)]
    assert [
        d["event_id"] for d in deliveries(client, admin, webhook["id"], status="delivered")
    ] == [second_event]
    one = f"/v1/webhooks/{webhook['id']}/deliveries/{failed[0]['id']}"
    assert client.get(one, headers=admin).get_json()["data"] == failed[0]

    response = client.post(f"{one}/replay", headers=admin)
    assert response.status_code == 201
    replay = response.get_json()["data"]
    assert (replay["status"], replay["attempts"], replay["event_id"]) == ("pending", 0, first_event)
    assert client.get(response.headers["Location"], headers=admin).get_json()["data"] == replay
    deliver()
    assert receiver.event_ids()[-1] == first_event  # the same webhook-id: receivers de-duplicate
    assert (
        client.get(response.headers["Location"], headers=admin).get_json()["data"]["status"]
        == "delivered"
    )


def test_a_delivered_event_can_be_replayed_too(register, receiver, client, editor, admin, deliver):
    webhook = register(receiver.url, ["tag.*"])
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    deliver()
    [delivered] = deliveries(client, admin, webhook["id"])
    replay = f"/v1/webhooks/{webhook['id']}/deliveries/{delivered['id']}/replay"
    assert client.post(replay, headers=admin).status_code == 201
    deliver()
    assert receiver.event_ids() == [delivered["event_id"]] * 2
    assert [d["status"] for d in deliveries(client, admin, webhook["id"])] == ["delivered"] * 2


def test_a_delivery_of_another_webhook_is_a_404(register, receiver, client, editor, admin, deliver):
    mine, other = register(receiver.url, ["tag.*"]), register(receiver.url, ["tag.*"])
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    [delivery] = deliveries(client, admin, other["id"])
    path = f"/v1/webhooks/{mine['id']}/deliveries/{delivery['id']}"
    assert_problem(client.get(path, headers=admin), 404)
    assert_problem(client.post(f"{path}/replay", headers=admin), 404)
    too_big = f"/v1/webhooks/{mine['id']}/deliveries/{2**63}"
    assert_problem(client.get(too_big, headers=admin), 404)


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    register, receiver, canary, client, editor, admin, deliver
):
    receiver.default, receiver.location = 302, canary.url
    webhook = register(receiver.url, ["tag.*"])
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    deliver()
    [delivery] = deliveries(client, admin, webhook["id"])
    assert (delivery["status"], delivery["response_status"]) == ("pending", 302)
    assert "redirects are not followed" in delivery["error"]
    assert canary.requests == []


def test_a_slow_receiver_times_out(
    app, register, receiver, client, editor, admin, deliver, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT", 0.2)
    receiver.delay = 1.0
    webhook = register(receiver.url, ["tag.*"])
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    deliver()
    [delivery] = deliveries(client, admin, webhook["id"])
    assert delivery["status"] == "pending" and delivery["response_status"] is None
    assert "No answer within 0.2 s" in delivery["error"]


def test_a_receiver_that_is_down_is_retried(register, client, editor, admin, deliver):
    webhook = register("http://127.0.0.1:9/hooks", ["tag.*"])  # discard port: nothing listens
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    deliver()
    [delivery] = deliveries(client, admin, webhook["id"])
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert "Could not connect to 127.0.0.1" in delivery["error"]


def test_the_address_is_checked_again_at_delivery(
    app, register, canary, client, editor, admin, deliver, monkeypatch
):
    """Registered while loopback was allowed, then not: the worker refuses to send (as it
    would when a name's DNS answer turns private after registration)."""
    webhook = register(canary.url, ["tag.*"])
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "")
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    deliver()
    [delivery] = deliveries(client, admin, webhook["id"])
    assert delivery["status"] == "pending"
    assert delivery["error"].startswith("Refused: 127.0.0.1 is loopback")
    assert canary.requests == []


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "127.1",
        "[::127.0.0.1]",
        "[64:ff9b::7f00:1]",
    ],
)
def test_stored_urls_in_odd_forms_are_never_contacted(
    session, canary, client, editor, admin, deliver, host
):
    """Whatever a stored URL says (written before a rule existed, or by hand), the worker sends
    only to addresses it vetted: numeric tricks, and IPv4 addresses compatible with or
    translated into IPv6, are refused even with loopback allowed (only IPv4-mapped ones count
    as the IPv4 address they map)."""
    endpoint = WebhookEndpoint(
        url=f"http://{host}:{canary.port}/hooks", events=["*"], secret=webhooks.new_secret()
    )
    session.add(endpoint)
    session.commit()
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    deliver()
    [delivery] = deliveries(client, admin, str(endpoint.id))
    assert delivery["error"].startswith("Refused:"), delivery["error"]
    assert canary.requests == []


def test_a_paused_endpoint_gets_nothing_new_and_holds_what_is_pending(
    register, receiver, client, editor, admin, deliver
):
    webhook = register(receiver.url, ["tag.*"])
    one = f"/v1/webhooks/{webhook['id']}"
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    client.patch(one, json={"active": False}, headers=admin)
    client.post("/v1/tags", json={"name": "Deux"}, headers=editor)  # not queued
    assert deliver() == 0
    client.patch(one, json={"active": True}, headers=admin)
    assert deliver() == 1
    assert [
        verified(r, webhook["secret"])["data"]["current"]["name"] for r in receiver.requests
    ] == ["Un"]


def test_a_rotated_secret_signs_what_follows(register, receiver, client, editor, admin, deliver):
    webhook = register(receiver.url, ["tag.*"])
    rotated = client.post(f"/v1/webhooks/{webhook['id']}/rotate-secret", headers=admin)
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    deliver()
    [request] = receiver.requests
    assert verified(request, rotated.get_json()["data"]["secret"])["type"] == "tag.created"
    with pytest.raises(Exception, match="signature"):
        verified(request, webhook["secret"])


def test_deleting_a_webhook_drops_its_pending_deliveries(
    register, receiver, client, editor, admin, deliver, session
):
    webhook = register(receiver.url, ["tag.*"])
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    assert client.delete(f"/v1/webhooks/{webhook['id']}", headers=admin).status_code == 204
    assert deliver() == 0 and receiver.requests == []
    left = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == uuid.UUID(webhook["id"]))
    assert session.scalars(left).all() == []


def test_a_claim_left_by_a_dead_worker_is_retried_once_its_lease_ends(
    app, register, receiver, client, editor, admin, deliver, session
):
    """A worker that died between sending and recording: the head is sent again once the
    lease runs out (at least once, the same webhook-id), and nothing overtakes it."""
    webhook = register(receiver.url, ["tag.*"])
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    client.post("/v1/tags", json={"name": "Deux"}, headers=editor)
    first, second = event_ids_in_order(webhook["id"])
    settings = webhooks.DeliverySettings.from_config(app.config)
    now = utcnow()
    [(head, endpoint_id), *_] = session.execute(webhooks.due_heads(now)).all()
    attempt = webhooks.claim(session, head, endpoint_id, now, settings)
    webhooks.send(attempt, settings)  # ... and the worker dies here, recording nothing
    assert deliver(now + timedelta(seconds=5)) == 0  # leased: no one else sends it, nor the next
    assert deliver(now + settings.lease + timedelta(seconds=1)) == 2
    assert receiver.event_ids() == [first, first, second]
    assert [d["attempts"] for d in reversed(deliveries(client, admin, webhook["id"]))] == [2, 1]


def test_the_worker_tick_announces_scheduled_articles_and_delivers(
    app, register, receiver, make_article, session
):
    webhook = register(receiver.url, ["article.published"])
    article = make_article(status="scheduled", published_at=utcnow() - timedelta(minutes=1))
    assert run_tick(app).items() >= {"announce_scheduled": 1, "deliver_webhooks": 1}.items()
    event = verified(receiver.requests[0], webhook["secret"])
    assert (event["type"], event["resource_id"]) == ("article.published", str(article.id))
    assert run_tick(app).items() >= {"announce_scheduled": 0, "deliver_webhooks": 0}.items()


def test_a_failing_job_does_not_stop_the_others(app, register, receiver, client, editor):
    register(receiver.url, ["tag.*"])
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)

    def broken(_tick):
        raise RuntimeError("boom")

    assert run_tick(app, jobs=(broken, deliver_webhooks)) == {"deliver_webhooks": 1}
    assert len(receiver.requests) == 1


def test_the_cli_worker_runs_one_pass(register, receiver, client, editor, runner):
    register(receiver.url, ["tag.*"])
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    result = runner.invoke(args=["webhooks", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert len(receiver.requests) == 1


def test_the_cli_worker_fails_when_its_loop_does(runner, monkeypatch):
    """The loop runs in a thread of its own (api/cli.py): what ends it still ends the
    command, as if it had run in the command's thread."""

    def broken(self, *, once=False):
        raise RuntimeError("the loop broke")

    monkeypatch.setattr(Worker, "run", broken)
    result = runner.invoke(args=["webhooks", "work", "--once"])
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError) and "Worker stopped." not in result.output


def test_the_cli_worker_refuses_a_bad_network_setting(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/8,intranet")
    result = runner.invoke(args=["webhooks", "work", "--once"])
    assert result.exit_code != 0 and "'intranet'" in result.output


def test_the_log_keeps_the_newest_first_in_pages(
    register, receiver, client, editor, admin, deliver
):
    webhook = register(receiver.url, ["tag.*"])
    for name in ("Un", "Deux", "Trois"):
        client.post("/v1/tags", json={"name": name}, headers=editor)
    deliver()
    path = f"/v1/webhooks/{webhook['id']}/deliveries"
    body = client.get(f"{path}?per_page=2", headers=admin).get_json()
    assert body["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    ids = [d["id"] for d in body["data"]]
    assert ids == sorted(ids, reverse=True)
    assert_problem(client.get(f"{path}?status=lost", headers=admin), 400, "status")


def test_an_endpoint_row_lost_mid_flight_is_harmless(
    app, register, receiver, client, editor, session
):
    webhook = register(receiver.url, ["tag.*"])
    client.post("/v1/tags", json={"name": "Un"}, headers=editor)
    settings = webhooks.DeliverySettings.from_config(app.config)
    now = utcnow()
    [(head, endpoint_id)] = session.execute(webhooks.due_heads(now)).all()
    attempt = webhooks.claim(session, head, endpoint_id, now, settings)
    outcome = webhooks.send(attempt, settings)
    session.execute(update(WebhookDelivery).values(attempts=99))  # another worker took it
    session.commit()
    assert webhooks.record_outcome(session, attempt, outcome, now, settings) is None
    assert json.loads(receiver.requests[0].body)["id"] == attempt.event_id
    assert webhook["id"] == str(endpoint_id)


def _self_signed(tmp_path, name: str) -> tuple[str, str]:
    """A certificate for `name` (and its key), as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(utcnow() - timedelta(minutes=1))
        .not_valid_after(utcnow() + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def test_https_goes_to_the_vetted_address_with_the_name_for_tls_and_host(
    app, tmp_path, register, client, editor, admin, deliver, monkeypatch
):
    """The worker connects to the address it checked, not to a new resolution of the name,
    yet TLS still names the host (SNI) and checks the certificate against it."""
    cert, key = _self_signed(tmp_path, "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    names: list[str] = []
    server_context.sni_callback = lambda _socket, name, _context: names.append(name)
    receiver = Receiver(tls=server_context).start()
    # trust the test certificate as a receiver's real one would be trusted
    trusting = ssl.create_default_context(cafile=cert)
    monkeypatch.setattr(webhooks.httpx, "Client", functools.partial(httpx.Client, verify=trusting))
    try:
        by_name = register(f"https://localhost:{receiver.port}/hooks", ["tag.*"])
        by_address = register(f"https://127.0.0.1:{receiver.port}/hooks", ["tag.*"])
        client.post("/v1/tags", json={"name": "Un"}, headers=editor)
        deliver()
    finally:
        receiver.stop()
    [request] = receiver.requests
    assert names == ["localhost", None]  # no SNI for an address
    assert request.headers["host"] == f"localhost:{receiver.port}"
    assert verified(request, by_name["secret"])["type"] == "tag.created"
    [refused] = deliveries(client, admin, by_address["id"])
    assert "certificate is not valid for '127.0.0.1'" in refused["error"]
