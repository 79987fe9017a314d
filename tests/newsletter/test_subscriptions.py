"""Sign-up, confirmation and one-click unsubscription, end to end against a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.services import mailer, newsletter
from api.worker import JOBS, run_tick
from tests.conftest import assert_problem
from tests.newsletter.conftest import mails_to, subscriber_of

ADDRESS = "jean.dupont@exemple.fr"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def test_a_reader_subscribes_confirms_and_unsubscribes_in_one_click(
    client, session, sign_up, smtp, send_mails
):
    response = sign_up(ADDRESS)
    assert response.status_code == 202
    assert subscriber_of(session, ADDRESS).status == "pending"
    assert smtp.mailbox.messages == []  # queued in the request, sent by the worker

    assert send_mails() == 1
    [received] = smtp.mailbox.to(ADDRESS)
    token = received.token("/newsletter/confirm")
    response = client.post("/v1/newsletter/confirmations", json={"token": token})
    assert response.status_code == 200
    assert response.get_json() == {"data": {"status": "confirmed"}}
    subscriber = subscriber_of(session, ADDRESS)
    session.refresh(subscriber)
    assert subscriber.status == "confirmed" and subscriber.confirmed_at is not None

    # RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` to the header's URL
    response = client.post(received.one_click_url, data=ONE_CLICK)
    assert response.status_code == 200
    assert response.get_json() == {"data": {"status": "unsubscribed"}}
    session.refresh(subscriber)
    assert subscriber.status == "unsubscribed" and subscriber.unsubscribed_at is not None


def test_the_confirmation_mail_is_french_text_and_html_with_one_click_headers(
    app, sign_up, smtp, send_mails
):
    sign_up(ADDRESS)
    send_mails()
    [received] = smtp.mailbox.to(ADDRESS)
    message = received.message
    assert message["Subject"] == "Confirmez votre inscription à la newsletter Newsdesk"
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["To"] == ADDRESS
    assert message["Content-Language"] == "fr"
    assert message.get_content_type() == "multipart/alternative"
    assert "Pour confirmer votre inscription" in received.text
    assert "Confirmer mon inscription" in received.html
    assert '<html lang="fr">' in received.html
    for part in ("plain", "html"):
        assert received.message.get_body((part,)).get_content_charset() == "utf-8"
    confirm = received.link("/newsletter/confirm")
    assert confirm.startswith(app.config["SITE_URL"] + "/newsletter/confirm?token=")
    assert confirm.replace("&", "&amp;") in received.html
    unsubscribe_page = received.link("/newsletter/unsubscribe")
    assert unsubscribe_page.startswith(app.config["SITE_URL"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.one_click_url.startswith("/v1/newsletter/unsubscribe?token=")


def test_the_one_click_url_is_the_configured_public_api_url(
    app, sign_up, smtp, send_mails, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_API_URL", "https://api.example.org/")
    monkeypatch.setitem(app.config, "NEWSLETTER_UNSUBSCRIBE_MAILTO", "desinscription@example.org")
    sign_up(ADDRESS)
    send_mails()
    header = smtp.mailbox.to(ADDRESS)[0].message["List-Unsubscribe"]
    https, mailto = header.split(", ")
    assert https.startswith("<https://api.example.org/v1/newsletter/unsubscribe?token=")
    assert mailto.startswith("<mailto:desinscription@example.org?subject=unsubscribe%20")


def test_the_worker_sends_queued_mails(app, sign_up, smtp):
    assert mailer.deliver_mails in JOBS
    sign_up(ADDRESS)
    done = run_tick(app, jobs=(mailer.deliver_mails,))
    assert done == {"deliver_mails": 1}
    assert len(smtp.mailbox.to(ADDRESS)) == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"data": ONE_CLICK}, id="rfc-8058-form"),
        pytest.param({}, id="empty-body"),
        pytest.param(
            {"data": "", "content_type": "application/x-www-form-urlencoded"}, id="empty-form"
        ),
    ],
)
def test_unsubscribe_takes_the_one_click_form_or_no_body(
    client, session, sign_up, smtp, send_mails, body
):
    sign_up(ADDRESS)
    send_mails()
    url = smtp.mailbox.to(ADDRESS)[0].one_click_url
    assert client.post(url, **body).status_code == 200
    assert subscriber_of(session, ADDRESS).status == "unsubscribed"


def test_unsubscribe_takes_a_json_token(client, session, sign_up, smtp, send_mails):
    sign_up(ADDRESS)
    send_mails()
    token = smtp.mailbox.to(ADDRESS)[0].token("/newsletter/unsubscribe")
    response = client.post("/v1/newsletter/unsubscribe", json={"token": token})
    assert response.status_code == 200
    assert subscriber_of(session, ADDRESS).status == "unsubscribed"


def test_unsubscribe_refuses_other_bodies(client, sign_up, smtp, send_mails):
    sign_up(ADDRESS)
    send_mails()
    url = smtp.mailbox.to(ADDRESS)[0].one_click_url
    assert_problem(client.post(url, data="unsubscribe", content_type="text/plain"), 415)


def test_unsubscribing_drops_the_mails_still_queued(client, session, sign_up, confirmed):
    confirmed(ADDRESS)
    sign_up("autre@exemple.fr")  # queued, not sent
    pending = mails_to(session, "autre@exemple.fr")[0]
    url = pending.headers["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    assert client.post(url, data=ONE_CLICK).status_code == 200
    assert mails_to(session, "autre@exemple.fr") == []
    assert mails_to(session, ADDRESS)[0].status == "sent"


def test_an_unsubscribed_reader_can_subscribe_again(client, session, sign_up, confirmed, smtp):
    subscriber = confirmed(ADDRESS)
    smtp_url = smtp.mailbox.to(ADDRESS)[0].one_click_url
    assert client.post(smtp_url, data=ONE_CLICK).status_code == 200
    assert sign_up(ADDRESS).status_code == 202
    session.refresh(subscriber)
    assert subscriber.status == "pending"
    assert mails_to(session, ADDRESS)[-1].kind == "confirmation"


def test_consent_time_and_source_are_stored(session, sign_up):
    sign_up(ADDRESS, source="page-accueil")
    subscriber = subscriber_of(session, ADDRESS)
    assert subscriber.source == "page-accueil"
    assert subscriber.consent_at is not None and subscriber.consent_at.tzinfo is not None


@pytest.mark.parametrize("consent", [False, "true", 1, None, "yes"])
def test_consent_must_be_literally_true(sign_up, session, consent):
    assert_problem(sign_up(ADDRESS, consent=consent), 422, "consent")
    assert subscriber_of(session, ADDRESS) is None


@pytest.mark.parametrize("missing", ["email", "consent", "source"])
def test_email_consent_and_source_are_required(client, missing):
    body = {"email": ADDRESS, "consent": True, "source": "footer"}
    del body[missing]
    assert_problem(client.post("/v1/newsletter/subscriptions", json=body), 422, missing)


def test_sign_ups_are_json(client, session):
    response = client.post(
        "/v1/newsletter/subscriptions", data={"email": ADDRESS, "consent": "true", "source": "x"}
    )
    assert_problem(response, 415)
    assert subscriber_of(session, ADDRESS) is None


def test_markup_in_the_source_is_refused(sign_up):
    assert_problem(sign_up(ADDRESS, source="<script>x</script>"), 422, "source")


def test_sign_ups_are_rate_limited_per_client_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_SIGNUP", "3 per minute")
    body = {"consent": True, "source": "footer"}
    for number in range(3):
        response = client.post(
            "/v1/newsletter/subscriptions", json={**body, "email": f"a{number}@exemple.fr"}
        )
        assert response.status_code == 202
        assert response.headers["RateLimit-Limit"] == "3"
    response = client.post("/v1/newsletter/subscriptions", json={**body, "email": "a9@exemple.fr"})
    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    other = client.post(
        "/v1/newsletter/subscriptions",
        json={**body, "email": "a9@exemple.fr"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code == 202


def test_a_pending_address_is_not_flooded_with_confirmations(session, sign_up, smtp, send_mails):
    for _ in range(4):
        assert sign_up(ADDRESS).status_code == 202
    send_mails()
    assert len(smtp.mailbox.to(ADDRESS)) == 1


def test_a_pending_address_is_mailed_again_after_the_resend_interval(
    app, session, sign_up, monkeypatch
):
    sign_up(ADDRESS)
    later = newsletter.utcnow() + timedelta(seconds=app.config["NEWSLETTER_RESEND_INTERVAL"] + 1)
    monkeypatch.setattr(newsletter, "utcnow", lambda: later)
    sign_up(ADDRESS)
    assert [mail.kind for mail in mails_to(session, ADDRESS)] == ["confirmation"] * 2


def test_a_confirmed_address_gets_a_neutral_notice_at_most_once_an_interval(
    app, session, sign_up, confirmed, smtp, send_mails, monkeypatch
):
    subscriber = confirmed(ADDRESS)
    later = newsletter.utcnow() + timedelta(seconds=app.config["NEWSLETTER_RESEND_INTERVAL"] + 1)
    monkeypatch.setattr(newsletter, "utcnow", lambda: later)
    for _ in range(3):
        assert sign_up(ADDRESS).status_code == 202
    assert [mail.kind for mail in mails_to(session, ADDRESS)] == ["confirmation", "notice"]
    send_mails(later)
    notice = smtp.mailbox.to(ADDRESS)[-1]
    assert notice.message["Subject"] == "Vous êtes déjà inscrit à la newsletter Newsdesk"
    assert "rien ne change" in notice.text and "rien ne change" in notice.html
    assert "/newsletter/confirm" not in notice.text
    assert notice.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    session.refresh(subscriber)
    assert subscriber.status == "confirmed"


def test_unsubscribing_then_subscribing_again_mails_a_confirmation_at_once(
    client, session, sign_up, confirmed, smtp
):
    confirmed(ADDRESS)
    url = smtp.mailbox.to(ADDRESS)[0].one_click_url
    assert client.post(url, data=ONE_CLICK).status_code == 200
    sign_up(ADDRESS)
    assert [mail.kind for mail in mails_to(session, ADDRESS)] == ["confirmation"] * 2
