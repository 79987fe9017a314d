"""Admins list subscribers, export them as CSV and erase one for good; nobody else may."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from sqlalchemy import func, select

from api.models import DigestRecipient, Mail, Subscriber
from api.services.newsletter import subscribe
from tests.conftest import assert_problem
from tests.newsletter.conftest import mails_to, subscriber_of

OPERATIONS = [
    ("GET", "/v1/newsletter/subscribers"),
    ("GET", "/v1/newsletter/subscribers.csv"),
    ("DELETE", "/v1/newsletter/subscribers/{id}"),
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize(("role", "status"), [(None, 401), ("partner", 403), ("editor", 403)])
def test_only_admins_manage_subscribers(
    client, session, sign_up, make_key, method, path, role, status
):
    sign_up("jean.dupont@exemple.fr")
    subscriber = subscriber_of(session, "jean.dupont@exemple.fr")
    headers = make_key(role) if role else {}
    response = client.open(path.format(id=subscriber.id), method=method, headers=headers)
    body = assert_problem(response, status)
    assert "jean.dupont" not in str(body)
    assert subscriber_of(session, "jean.dupont@exemple.fr") is not None


def test_admins_list_subscribers_page_by_page(client, sign_up, confirmed, admin):
    confirmed("un@exemple.fr")
    sign_up("deux@exemple.fr")
    sign_up("trois@exemple.fr")
    body = client.get("/v1/newsletter/subscribers?per_page=2", headers=admin).get_json()
    assert body["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert [s["email"] for s in body["data"]] == ["trois@exemple.fr", "deux@exemple.fr"]
    assert body["links"]["next"].endswith("page=2")
    second = client.get(body["links"]["next"], headers=admin).get_json()
    assert [s["email"] for s in second["data"]] == ["un@exemple.fr"]
    entry = second["data"][0]
    assert entry["status"] == "confirmed" and entry["source"] == "article-footer"
    assert entry["consent_at"].endswith("Z") and entry["confirmed_at"].endswith("Z")
    assert set(entry) == {
        "id", "email", "status", "source", "consent_at", "created_at", "confirmed_at",
        "unsubscribed_at",
    }  # fmt: skip


def test_admins_filter_subscribers_by_status(client, sign_up, confirmed, admin):
    confirmed("un@exemple.fr")
    sign_up("deux@exemple.fr")
    body = client.get("/v1/newsletter/subscribers?status=confirmed", headers=admin).get_json()
    assert [s["email"] for s in body["data"]] == ["un@exemple.fr"]
    response = client.get("/v1/newsletter/subscribers?status=gone", headers=admin)
    assert_problem(response, 400, "status")
    assert_problem(client.get("/v1/newsletter/subscribers?colour=red", headers=admin), 400)


def test_the_list_is_never_cached(client, sign_up, admin):
    sign_up("un@exemple.fr")
    response = client.get("/v1/newsletter/subscribers", headers=admin)
    assert response.headers["Cache-Control"] == "private, no-store"


def test_admins_export_subscribers_as_csv(client, sign_up, confirmed, admin):
    confirmed("un@exemple.fr")
    sign_up("Élodie@bücher.example", source="page-accueil")
    response = client.get("/v1/newsletter/subscribers.csv", headers=admin)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["email"] for row in rows] == ["un@exemple.fr", "élodie@bücher.example"]
    assert rows[0]["status"] == "confirmed" and rows[0]["confirmed_at"].endswith("Z")
    assert rows[1]["source"] == "page-accueil" and rows[1]["confirmed_at"] == ""
    only = client.get("/v1/newsletter/subscribers.csv?status=pending", headers=admin)
    assert "un@exemple.fr" not in only.get_data(as_text=True)


def test_the_csv_export_defuses_formulas(client, sign_up, admin):
    sign_up("=cmd@exemple.fr", source="+SUM(A1)")
    text = client.get("/v1/newsletter/subscribers.csv", headers=admin).get_data(as_text=True)
    row = list(csv.DictReader(io.StringIO(text)))[0]
    assert row["email"] == "'=cmd@exemple.fr" and row["source"] == "'+SUM(A1)"


def test_admins_erase_a_subscriber_for_good(
    client, session, seeded, confirmed, sign_up, runner, admin
):
    subscriber = confirmed("un@exemple.fr")
    keep = confirmed("deux@exemple.fr")
    assert runner.invoke(args=["newsletter", "digest", "--date", "2024-05-21"]).exit_code == 0
    assert len(mails_to(session, "un@exemple.fr")) == 2  # confirmation and digest
    response = client.delete(f"/v1/newsletter/subscribers/{subscriber.id}", headers=admin)
    assert response.status_code == 204
    session.expire_all()
    assert session.get(Subscriber, subscriber.id) is None
    assert mails_to(session, "un@exemple.fr") == []
    assert (
        session.scalar(select(func.count()).where(DigestRecipient.subscriber_id == subscriber.id))
        == 0
    )
    assert session.scalar(select(func.count()).select_from(Mail).where(
        Mail.recipient.like("%un@exemple.fr%")
    )) == 0  # fmt: skip
    assert session.get(Subscriber, keep.id) is not None
    assert len(mails_to(session, "deux@exemple.fr")) == 2


def test_erasing_an_unknown_subscriber_is_a_404(client, admin):
    response = client.delete(f"/v1/newsletter/subscribers/{uuid.uuid4()}", headers=admin)
    assert_problem(response, 404)


def test_an_erased_address_can_subscribe_again_from_scratch(client, session, sign_up, admin):
    sign_up("un@exemple.fr")
    subscriber = subscriber_of(session, "un@exemple.fr")
    client.delete(f"/v1/newsletter/subscribers/{subscriber.id}", headers=admin)
    assert sign_up("un@exemple.fr").status_code == 202
    assert subscriber_of(session, "un@exemple.fr").id != subscriber.id


def _cost(client, count_statements, url: str, headers: dict) -> int:
    before = count_statements.count
    assert client.get(url, headers=headers).status_code == 200
    return count_statements.count - before


def test_reading_subscribers_costs_the_same_for_few_and_many(
    client, session, admin, count_statements
):
    reads = ("/v1/newsletter/subscribers?per_page=1", "/v1/newsletter/subscribers.csv")
    subscribe(session, email="un@exemple.fr", source="footer")
    session.commit()
    client.get(reads[0], headers=admin)  # a key's first use is recorded: not the read's cost
    few = [_cost(client, count_statements, url, admin) for url in reads]
    for number in range(30):
        subscribe(session, email=f"lecteur{number}@exemple.fr", source="footer")
    session.commit()
    many_reads = ("/v1/newsletter/subscribers?per_page=50", "/v1/newsletter/subscribers.csv")
    many = [_cost(client, count_statements, url, admin) for url in many_reads]
    assert few == many
