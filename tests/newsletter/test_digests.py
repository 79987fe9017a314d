"""The daily digest: built from the day's public articles, sent once to each confirmed
subscriber in resumable batches, and readable by a website."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from api.models import Digest, DigestRecipient
from api.services import digests, mailer
from api.services.links import article_url
from tests.conftest import assert_problem
from tests.newsletter.conftest import subscriber_of

SEED_TITLE = "Séoul accueille la seconde édition du AI Safety Summit"
DAY = "2024-05-21"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def run_digest(runner, *args: str):
    return runner.invoke(args=["newsletter", "digest", "--date", DAY, *args])


@pytest.fixture
def readers(confirmed, sign_up, smtp, client):
    """Three confirmed subscribers, a pending one and an unsubscribed one; the mailbox emptied
    of their confirmation mails."""
    addresses = [f"lecteur{number}@exemple.fr" for number in range(3)]
    for address in addresses:
        confirmed(address)
    sign_up("en-attente@exemple.fr")
    confirmed("parti@exemple.fr")
    url = smtp.mailbox.to("parti@exemple.fr")[0].one_click_url
    assert client.post(url, data=ONE_CLICK).status_code == 200
    smtp.mailbox.clear()
    return addresses


def digests_received(smtp) -> dict[str, int]:
    counts: dict[str, int] = {}
    for received in smtp.mailbox.messages:
        if "l'essentiel" in received.message["Subject"]:
            for address in received.rcpt_tos:
                counts[address] = counts.get(address, 0) + 1
    return counts


def test_the_digest_of_21_may_2024_holds_the_seed_article(app, seeded, readers, runner, smtp):
    result = run_digest(runner)
    assert result.exit_code == 0, result.output
    assert "1 article(s), 3 subscriber(s) to serve" in result.output
    [received, *_] = smtp.mailbox.to(readers[0])
    message = received.message
    assert message["Subject"] == "Newsdesk — l'essentiel du mardi 21 mai 2024"
    link = article_url(seeded)
    for part in (received.text, received.html):
        assert SEED_TITLE in part
        assert link in part
        assert seeded.excerpt[:60] in part
    assert "C’est finalement à Séoul" in received.text
    assert '<html lang="fr">' in received.html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.one_click_url.startswith("/v1/newsletter/unsubscribe?token=")
    assert "Se désinscrire en un clic" in received.text


def test_the_digest_goes_once_to_each_confirmed_subscriber(seeded, readers, runner, smtp):
    assert run_digest(runner, "--batch-size", "2").exit_code == 0
    assert digests_received(smtp) == dict.fromkeys(readers, 1)
    result = run_digest(runner)  # again: nobody is left
    assert result.exit_code == 0, result.output
    assert "0 subscriber(s) to serve" in result.output
    assert digests_received(smtp) == dict.fromkeys(readers, 1)


def test_an_interrupted_run_resumes_and_serves_each_subscriber_once(
    seeded, confirmed, runner, smtp, monkeypatch, session
):
    addresses = [f"abonne{number}@exemple.fr" for number in range(5)]
    for address in addresses:
        confirmed(address)
    smtp.mailbox.clear()
    real_batch, calls = digests.queue_digest_batch, []

    def failing_after_the_first_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("the machine went down")
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(digests, "queue_digest_batch", failing_after_the_first_batch)
    result = run_digest(runner, "--batch-size", "2")
    assert isinstance(result.exception, RuntimeError)
    assert sum(digests_received(smtp).values()) == 2
    monkeypatch.setattr(digests, "queue_digest_batch", real_batch)

    result = run_digest(runner, "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert "3 subscriber(s) to serve" in result.output
    assert digests_received(smtp) == dict.fromkeys(addresses, 1)
    assert session.scalar(select(func.count()).select_from(DigestRecipient)) == 5


def test_mails_queued_by_a_run_stopped_before_sending_go_on_the_next(
    seeded, readers, runner, smtp, monkeypatch
):
    with monkeypatch.context() as patch:  # the run stops before sending
        patch.setattr("api.cli.send_due_mails", lambda *a, **k: 0)
        assert run_digest(runner).exit_code == 0
    assert digests_received(smtp) == {}
    assert run_digest(runner).exit_code == 0
    assert digests_received(smtp) == dict.fromkeys(readers, 1)


def test_without_smtp_the_worker_sends_the_digest(
    app, seeded, readers, runner, smtp, session, monkeypatch
):
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    result = run_digest(runner)
    assert result.exit_code == 0 and "Queued 3 mail(s); 0 sent now" in result.output
    monkeypatch.setitem(app.config, "SMTP_URL", smtp.url)
    assert mailer.send_due_mails(session) == 3
    assert digests_received(smtp) == dict.fromkeys(readers, 1)


def test_each_digest_mail_unsubscribes_its_own_reader(
    client, session, seeded, readers, runner, smtp
):
    run_digest(runner)
    received = smtp.mailbox.to(readers[1])[0]
    assert client.post(received.one_click_url, data=ONE_CLICK).status_code == 200
    assert [subscriber_of(session, a).status for a in readers] == [
        "confirmed",
        "unsubscribed",
        "confirmed",
    ]


def test_a_day_without_articles_has_no_digest(client, seeded, runner, session):
    result = runner.invoke(args=["newsletter", "digest", "--date", "2024-05-22"])
    assert result.exit_code == 0
    assert "No article was published on 2024-05-22" in result.output
    assert session.scalar(select(func.count()).select_from(Digest)) == 0
    assert_problem(client.get("/v1/newsletter/digests/2024-05-22"), 404)


def test_the_day_is_the_sites_day(session, make_article):
    paris_evening = make_article(published_at=datetime(2024, 5, 21, 21, 30, tzinfo=UTC))
    paris_next_day = make_article(published_at=datetime(2024, 5, 21, 22, 30, tzinfo=UTC))
    paris_early = make_article(published_at=datetime(2024, 5, 20, 22, 30, tzinfo=UTC))
    found = digests.digest_articles(session, date(2024, 5, 21))
    assert [article.id for article in found] == [paris_early.id, paris_evening.id]
    assert paris_next_day.id not in {article.id for article in found}


@pytest.mark.parametrize(
    ("status", "published_at", "deleted"),
    [
        ("draft", None, False),
        ("draft", datetime(2024, 5, 21, 9, tzinfo=UTC), False),  # unpublished
        ("archived", datetime(2024, 5, 21, 9, tzinfo=UTC), False),
        ("published", datetime(2024, 5, 21, 9, tzinfo=UTC), True),
        ("scheduled", datetime.now(UTC) + timedelta(days=1), False),
    ],
)
def test_a_hidden_article_is_never_in_a_digest(
    client, session, seeded, make_article, status, published_at, deleted
):
    hidden = make_article(status=status, published_at=published_at, title="Caché zqhidden")
    if deleted:
        hidden.deleted_at = datetime.now(UTC)
        session.commit()
    day = (published_at or datetime(2024, 5, 21, tzinfo=UTC)).astimezone(UTC).date()
    digest = digests.build_digest(session, day)
    session.commit()
    assert digest is None or str(hidden.id) not in digest.article_ids
    for text in (digest.html, digest.text) if digest else ():
        assert "zqhidden" not in text
    response = client.get(f"/v1/newsletter/digests/{day.isoformat()}")
    assert "zqhidden" not in response.get_data(as_text=True)


def test_an_article_hidden_after_the_build_leaves_the_digest(
    client, session, seeded, make_article, readers, runner, smtp
):
    other = make_article(
        title="Retiré zqretracted", published_at=datetime(2024, 5, 21, 12, tzinfo=UTC)
    )
    digest = digests.build_digest(session, date(2024, 5, 21))
    session.commit()
    assert str(other.id) in digest.article_ids
    other.status = "draft"
    session.commit()
    body = client.get(f"/v1/newsletter/digests/{DAY}").get_data(as_text=True)
    assert "zqretracted" not in body and SEED_TITLE in body
    assert run_digest(runner).exit_code == 0  # a run after it mails the digest without it
    received = smtp.mailbox.to(readers[0])[0]
    assert "zqretracted" not in received.text and "zqretracted" not in received.html


def test_a_website_reads_the_digest(client, seeded, readers, runner):
    run_digest(runner)
    response = client.get(f"/v1/newsletter/digests/{DAY}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")
    assert response.headers["ETag"]
    data = response.get_json()["data"]
    assert data["date"] == DAY
    assert data["subject"] == "Newsdesk — l'essentiel du mardi 21 mai 2024"
    [article] = data["articles"]
    assert article["title"] == SEED_TITLE
    assert article["url"] == article_url(seeded)
    assert article["excerpt"] == seeded.excerpt
    assert article["published_at"] == "2024-05-21T08:00:00Z"
    assert SEED_TITLE in data["html"] and article["url"] in data["html"]
    assert SEED_TITLE in data["text"]
    assert "désinscrire" not in data["text"]  # no recipient's footer
    etag = response.headers["ETag"]
    assert (
        client.get(f"/v1/newsletter/digests/{DAY}", headers={"If-None-Match": etag}).status_code
        == 304
    )


@pytest.mark.parametrize("day", ["2024-05-20", "2024-13-45", "not-a-day", "20240521xx"])
def test_an_unknown_or_malformed_day_is_a_404(client, seeded, runner, day):
    run_digest(runner)
    assert_problem(client.get(f"/v1/newsletter/digests/{day}"), 404)


def test_the_digest_takes_no_query_parameter(client, seeded, runner):
    run_digest(runner)
    assert_problem(client.get(f"/v1/newsletter/digests/{DAY}?x=1"), 400)


def test_today_is_the_default_day(runner, make_article, monkeypatch):
    make_article(published_at=datetime.now(UTC) - timedelta(minutes=1))
    result = runner.invoke(args=["newsletter", "digest"])
    assert result.exit_code == 0, result.output
    today = digests.site_today()
    assert f"Digest of {today.isoformat()}: 1 article(s)" in result.output


def test_reading_a_digest_costs_the_same_for_few_and_many_articles(
    client, session, make_article, count_statements
):
    costs = []
    for day, count in ((date(2024, 5, 21), 1), (date(2024, 5, 22), 20)):
        for hour in range(count):
            make_article(
                published_at=datetime(day.year, day.month, day.day, 6 + hour % 12, tzinfo=UTC)
            )
        digests.build_digest(session, day)
        session.commit()
        before = count_statements.count
        response = client.get(f"/v1/newsletter/digests/{day.isoformat()}")
        assert len(response.get_json()["data"]["articles"]) == count
        costs.append(count_statements.count - before)
    assert costs[0] == costs[1], costs
