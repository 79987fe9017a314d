"""No enumeration (every sign-up answers alike), no address anywhere but in admins' answers, and
one subscriber per mailbox however the address is spelled."""

from __future__ import annotations

import pytest

from api.limits import reset_counters
from api.services import digests
from tests.conftest import assert_problem
from tests.newsletter.conftest import mails_to, subscriber_of

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
# Set per response: the request's own id
PER_REQUEST_HEADERS = {"X-Request-ID"}


def _signature(response) -> tuple:
    headers = tuple(
        sorted((name, value) for name, value in response.headers if name not in PER_REQUEST_HEADERS)
    )
    return response.status_code, response.get_data(), headers


def test_new_pending_confirmed_and_unsubscribed_addresses_answer_alike(
    app, client, sign_up, confirmed, smtp, session
):
    confirmed("confirmee@exemple.fr")
    unsubscribed = confirmed("partie@exemple.fr")
    url = smtp.mailbox.to("partie@exemple.fr")[0].one_click_url
    assert client.post(url, data=ONE_CLICK).status_code == 200
    session.refresh(unsubscribed)
    assert unsubscribed.status == "unsubscribed"
    sign_up("en-attente@exemple.fr")
    states = {
        "new": "nouvelle@exemple.fr",
        "pending": "en-attente@exemple.fr",
        "confirmed": "confirmee@exemple.fr",
        "unsubscribed": "partie@exemple.fr",
    }
    answers = {}
    for state, address in states.items():
        reset_counters(app)  # each from whole quotas, so RateLimit-Remaining is alike too
        answers[state] = _signature(sign_up(address))
    assert answers["new"][0] == 202
    assert len(set(answers.values())) == 1, answers
    # …and the spelling of a known address changes nothing either
    reset_counters(app)
    assert _signature(sign_up("CONFIRMEE@Exemple.FR")) == answers["new"]


def test_a_sign_up_answer_names_no_address_and_no_subscriber(sign_up, session):
    response = sign_up("nouvelle@exemple.fr")
    text = response.get_data(as_text=True) + str(response.headers)
    assert "nouvelle" not in text
    assert str(subscriber_of(session, "nouvelle@exemple.fr").id) not in text
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    "address",
    [
        "jean.dupont@",
        "@exemple.fr",
        "jean dupont@exemple.fr",
        "jean<script>@exemple.fr",
        "jean@exemple",
        "jean@@exemple.fr",
        "x" * 250 + "@exemple.fr",
    ],
)
def test_an_invalid_address_is_a_422_that_does_not_repeat_it(sign_up, app_logs, address):
    response = sign_up(address)
    body = assert_problem(response, 422, "email")
    text = response.get_data(as_text=True)
    local = address.split("@")[0]
    for trace in {address, local, "exemple"} - {""}:
        assert trace not in text, body
    assert address not in app_logs()


def test_no_address_in_any_public_answer_or_log_line(
    client, session, sign_up, confirmed, smtp, send_mails, seeded, runner, app_logs
):
    """The whole life of a subscription, digest included, then an erasure: the address is in
    no answer but the admin's, and in no log line."""
    address, spelled = "elodie.secret@exemple.fr", "Elodie.Secret@EXEMPLE.fr"
    answers = [sign_up(spelled), sign_up(address)]
    send_mails()
    received = smtp.mailbox.to(address)[0]
    token = received.token("/newsletter/confirm")
    answers.append(client.post("/v1/newsletter/confirmations", json={"token": token}))
    answers.append(client.post("/v1/newsletter/confirmations", json={"token": token}))  # used
    answers.append(client.post("/v1/newsletter/confirmations", json={"token": token + "x"}))
    answers.append(sign_up(address, consent=False))
    answers.append(sign_up(address + ">"))
    result = runner.invoke(args=["newsletter", "digest", "--date", "2024-05-21"])
    assert result.exit_code == 0, result.output
    answers.append(client.get("/v1/newsletter/digests/2024-05-21"))
    answers.append(client.post(received.one_click_url, data=ONE_CLICK))
    answers.append(client.post(received.one_click_url, data=ONE_CLICK))  # used
    traces = (address, spelled, "elodie.secret", "Elodie.Secret")
    for response in answers:
        text = response.get_data(as_text=True) + str(response.headers)
        for trace in traces:
            assert trace not in text, (response.request.path, text)
    for trace in traces:
        assert trace not in result.output
        assert trace not in app_logs()
    assert "subscriber" in app_logs()  # the log names subscribers, by id


def test_a_refusing_server_quoting_the_address_leaks_it_nowhere(
    session, sign_up, smtp, send_mails, app_logs
):
    address = "refusee@exemple.fr"
    smtp.mailbox.refuse[address] = f"550 5.1.1 <{address}>: Recipient address rejected"
    sign_up(address)
    assert send_mails() == 0
    [mail] = mails_to(session, address)
    assert mail.status == "failed"  # a 5xx refusal is for good
    assert "550" in mail.last_error and address not in mail.last_error
    assert "<recipient>" in mail.last_error
    assert address not in app_logs()
    assert str(mail.id) in app_logs()


def test_the_digest_shown_to_the_public_names_no_subscriber(
    client, seeded, confirmed, runner, session
):
    confirmed("lecteur@exemple.fr")
    runner.invoke(args=["newsletter", "digest", "--date", "2024-05-21"])
    text = client.get("/v1/newsletter/digests/2024-05-21").get_data(as_text=True)
    assert "lecteur" not in text and "token=" not in text
    assert digests.FOOTER_MARK not in text


# --- Normalisation: one subscriber per mailbox


def test_case_differences_are_one_subscriber(session, sign_up):
    assert sign_up("Jean.Dupont@EXEMPLE.fr").status_code == 202
    assert sign_up("jean.dupont@exemple.fr").status_code == 202
    subscriber = subscriber_of(session, "jean.dupont@exemple.fr")
    assert subscriber.email == "jean.dupont@exemple.fr"
    assert len(mails_to(session, "jean.dupont@exemple.fr")) == 1


def test_a_unicode_local_part_is_accepted_and_delivered(session, sign_up, smtp, send_mails):
    assert sign_up("Élodie@exemple.fr").status_code == 202
    assert subscriber_of(session, "élodie@exemple.fr").email == "élodie@exemple.fr"
    assert send_mails() == 1
    [received] = smtp.mailbox.to("élodie@exemple.fr")  # over SMTPUTF8
    assert received.message["To"] == "élodie@exemple.fr"


@pytest.mark.parametrize(
    "spelling", ["lea@bücher.example", "Lea@BÜCHER.example", "lea@xn--bcher-kva.example"]
)
def test_a_unicode_domain_is_stored_in_unicode_and_sent_in_ascii(
    session, sign_up, smtp, send_mails, spelling
):
    assert sign_up(spelling).status_code == 202
    assert subscriber_of(session, spelling).email == "lea@bücher.example"
    assert send_mails() == 1
    [received] = smtp.mailbox.messages
    assert received.rcpt_tos == ["lea@xn--bcher-kva.example"]


def test_every_spelling_of_a_unicode_domain_is_one_subscriber(session, sign_up):
    for spelling in ("lea@bücher.example", "LEA@BÜCHER.EXAMPLE", "lea@xn--bcher-kva.example"):
        assert sign_up(spelling).status_code == 202
    assert len(mails_to(session, "lea@bücher.example")) == 1
