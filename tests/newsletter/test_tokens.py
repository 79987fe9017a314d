"""The tokens of mailed links: signed, expiring, single-use, and each good for its own purpose."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer

from api.services import newsletter
from tests.conftest import assert_problem
from tests.newsletter.conftest import subscriber_of

ADDRESS = "claire.martin@exemple.fr"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def mailed(sign_up, smtp, send_mails):
    """A pending subscriber's confirmation mail, as received."""
    sign_up(ADDRESS)
    send_mails()
    [received] = smtp.mailbox.to(ADDRESS)
    return received


def confirm(client, token: str):
    return client.post("/v1/newsletter/confirmations", json={"token": token})


@pytest.fixture
def later(monkeypatch):
    """Move the newsletter's clock `seconds` ahead."""

    def move(seconds: int) -> None:
        moment = newsletter.utcnow() + timedelta(seconds=seconds)
        monkeypatch.setattr(newsletter, "utcnow", lambda: moment)

    return move


def test_a_confirmation_token_works_once(client, mailed):
    token = mailed.token("/newsletter/confirm")
    assert confirm(client, token).status_code == 200
    body = assert_problem(confirm(client, token), 401)
    assert "used" in body["detail"]


def test_a_confirmation_token_expires(app, client, session, mailed, later):
    later(app.config["NEWSLETTER_TOKEN_TTL"] + 1)
    body = assert_problem(confirm(client, mailed.token("/newsletter/confirm")), 401)
    assert "expired" in body["detail"]
    assert subscriber_of(session, ADDRESS).status == "pending"


def test_a_confirmation_token_works_until_it_expires(app, client, mailed, later):
    later(app.config["NEWSLETTER_TOKEN_TTL"] - 60)
    assert confirm(client, mailed.token("/newsletter/confirm")).status_code == 200


def test_an_unsubscribe_token_works_once(client, mailed):
    assert client.post(mailed.one_click_url, data=ONE_CLICK).status_code == 200
    assert_problem(client.post(mailed.one_click_url, data=ONE_CLICK), 401)


def test_an_unsubscribe_token_expires(app, client, session, mailed, later):
    later(app.config["NEWSLETTER_UNSUBSCRIBE_TTL"] + 1)
    assert_problem(client.post(mailed.one_click_url, data=ONE_CLICK), 401)
    assert subscriber_of(session, ADDRESS).status == "pending"


def test_unsubscribing_spends_the_confirmation_token_too(client, session, mailed):
    assert client.post(mailed.one_click_url, data=ONE_CLICK).status_code == 200
    assert_problem(confirm(client, mailed.token("/newsletter/confirm")), 401)
    assert subscriber_of(session, ADDRESS).status == "unsubscribed"


def test_the_unsubscribe_link_of_the_confirmation_mail_still_works_once_confirmed(
    client, session, mailed
):
    assert confirm(client, mailed.token("/newsletter/confirm")).status_code == 200
    assert client.post(mailed.one_click_url, data=ONE_CLICK).status_code == 200
    assert subscriber_of(session, ADDRESS).status == "unsubscribed"


def test_a_token_is_good_only_for_its_purpose(client, session, mailed):
    unsubscribe_token = mailed.token("/newsletter/unsubscribe")
    assert_problem(confirm(client, unsubscribe_token), 401)
    confirm_token = mailed.token("/newsletter/confirm")
    response = client.post(f"/v1/newsletter/unsubscribe?token={confirm_token}", data=ONE_CLICK)
    assert_problem(response, 401)
    assert subscriber_of(session, ADDRESS).status == "pending"


def _tamper(token: str) -> str:
    """Another signature: its first character changed (the last one's low bits are base64
    padding, which decoding ignores: changing it may leave the same signature)."""
    payload, signature = token.rsplit(".", 1)
    first = "A" if signature[0] != "A" else "B"
    return f"{payload}.{first}{signature[1:]}"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(_tamper, id="tampered-signature"),
        pytest.param(
            lambda token: URLSafeSerializer(
                "not the secret", salt="newsdesk.newsletter.confirm"
            ).dumps(URLSafeSerializer("x").loads_unsafe(token)[1]),
            id="signed-with-another-secret",
        ),
        pytest.param(lambda token: "not-a-token", id="garbage"),
        pytest.param(lambda token: token.split(".")[0], id="payload-only"),
    ],
)
def test_a_forged_token_is_refused(client, session, mailed, forge):
    body = assert_problem(confirm(client, forge(mailed.token("/newsletter/confirm"))), 401)
    assert "not valid" in body["detail"]
    assert subscriber_of(session, ADDRESS).status == "pending"


def test_a_token_names_a_subscriber_not_an_address(mailed):
    token = mailed.token("/newsletter/confirm")
    _valid, payload = URLSafeSerializer("x").loads_unsafe(token)
    assert set(payload) == {"s", "n", "e"}
    assert ADDRESS not in token and "exemple" not in str(payload)


def test_an_erased_subscribers_tokens_name_nobody(client, session, mailed, admin):
    subscriber = subscriber_of(session, ADDRESS)
    response = client.delete(f"/v1/newsletter/subscribers/{subscriber.id}", headers=admin)
    assert response.status_code == 204
    assert_problem(confirm(client, mailed.token("/newsletter/confirm")), 401)
    assert_problem(client.post(mailed.one_click_url, data=ONE_CLICK), 401)


def test_unsubscribe_without_a_token_is_refused(client):
    assert_problem(client.post("/v1/newsletter/unsubscribe", data=ONE_CLICK), 401)
    assert_problem(client.post("/v1/newsletter/unsubscribe"), 401)


def test_a_malformed_confirmation_body_is_a_422(client):
    assert_problem(client.post("/v1/newsletter/confirmations", json={}), 422, "token")
    assert_problem(client.post("/v1/newsletter/confirmations", json={"token": 1}), 422, "token")
