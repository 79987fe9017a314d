"""One error shape: RFC 9457 problem+json with the request id, and a 500 that shows no trace."""

import pytest

from api import create_app
from tests.conftest import assert_problem


def test_unknown_url_is_a_problem_404(client):
    assert_problem(client.get("/v2/nothing"), 404)


def test_request_id_is_echoed_when_sane(client):
    response = client.get("/v1/nothing", headers={"X-Request-ID": "edge-1234abcd"})
    assert response.headers["X-Request-ID"] == "edge-1234abcd"
    assert response.get_json()["request_id"] == "edge-1234abcd"


def test_request_id_is_replaced_when_hostile(client):
    response = client.get("/v1/nothing", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert "<" not in response.headers["X-Request-ID"]
    assert response.get_json()["request_id"] == response.headers["X-Request-ID"]


def test_successful_responses_carry_a_request_id(client):
    assert len(client.get("/health").headers["X-Request-ID"]) >= 8


@pytest.fixture
def failing_client(fresh_database):
    app = create_app({"DATABASE_URL": fresh_database.url("errors"), "TESTING": False})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail: password=hunter2")

    return app.test_client()


@pytest.mark.no_transaction
def test_unhandled_error_is_a_problem_500_without_trace(failing_client, caplog):
    response = failing_client.get("/boom")
    body = assert_problem(response, 500)
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert body["request_id"] in caplog.text


def test_body_on_a_read_only_endpoint_is_ignored_not_a_500(client):
    response = client.get("/v1/articles", data="{not json", content_type="application/json")
    assert response.status_code == 200
