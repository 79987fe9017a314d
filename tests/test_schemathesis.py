"""Schemathesis: every operation of the committed spec, fuzzed in-process on the seed data.

Each example runs Schemathesis's default checks, among them: no 5xx, a documented status and
content type, a body matching the documented schema, schema-valid input accepted and invalid
input rejected with a 4xx; plus `status_is_listed`, as `default` documents every status.
Hypothesis runs all examples of an operation in one test, hence in the one transaction the
test rolls back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from api.models import Article, Author, Tag

SNAPSHOT = Path(__file__).resolve().parent.parent / "openapi.yaml"

schema = schemathesis.openapi.from_path(SNAPSHOT)


def status_is_listed(ctx, response, case):
    """`default` would make any status conform: demand the operation's own list."""
    if response.request.method.upper() != case.operation.method.upper():
        return None  # an unsupported-method probe: `unsupported_method` checks its 405
    listed = set(case.operation.definition.raw["responses"]) - {"default"}
    assert str(response.status_code) in listed, (
        f"{response.status_code} is not among the statuses {case.operation.label} lists "
        f"({', '.join(sorted(listed))}): document it or answer one of them"
    )


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible, never flaky
    # `seeded` is loaded once per operation; every example reads the same, unchanged data
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_operation_honours_the_spec(case, app, seeded):
    case.call_and_validate(app=app, additional_checks=[status_is_listed])


SEED_RECORDS = {
    "articles": (Article, "seoul-accueille-la-seconde-edition-du-ai-safety-summit"),
    "tags": (Tag, "intelligence-artificielle"),
    "authors": (Author, "la-redaction"),
}


@pytest.mark.parametrize("resource", SEED_RECORDS)
@pytest.mark.parametrize("by", ["id", "slug"])
def test_seed_records_answer_as_documented(app, session, seeded, resource, by):
    """Generated ids never name a record: check each lookup's 200 body with the seed's own."""
    model, slug = SEED_RECORDS[resource]
    if by == "slug":
        label, path_parameters = f"GET /v1/{resource}/slug/{{slug}}", {"slug": slug}
    else:
        record = session.scalars(select(model).filter_by(slug=slug)).one()
        name = f"{resource.removesuffix('s')}_id"
        label, path_parameters = f"GET /v1/{resource}/{{{name}}}", {name: str(record.id)}
    case = schema.find_operation_by_label(label).Case(path_parameters=path_parameters)
    response = case.call_and_validate(app=app, additional_checks=[status_is_listed])
    assert response.status_code == 200


# Inputs that once broke the contract (a 500, or a spec allowing what the app refuses), kept
# as fixed cases: random generation reaches them rarely
@pytest.mark.parametrize(
    ("label", "path_parameters", "query", "status"),
    [
        # PostgreSQL refuses a NUL byte in text
        ("GET /v1/articles/slug/{slug}", {"slug": "a\x00b"}, None, 404),
        ("GET /v1/tags/slug/{slug}", {"slug": "a\x00b"}, None, 404),
        ("GET /v1/authors/slug/{slug}", {"slug": "a\x00b"}, None, 404),
        # Longer than any slug
        ("GET /v1/articles/slug/{slug}", {"slug": "a" * 201}, None, 404),
        # Past the last or before the first UTC datetime once the offset is applied
        ("GET /v1/articles", None, {"published_after": "9999-12-31T23:59:59-12:00"}, 400),
        ("GET /v1/articles", None, {"published_before": "0001-01-01T00:00:00+12:00"}, 400),
        # A key given twice once made the app refuse what the spec allows
        ("GET /v1/articles", None, {"sort": "title,-published_at,title"}, 200),
    ],
)
def test_input_that_once_failed_answers_as_documented(
    app, seeded, label, path_parameters, query, status
):
    case = schema.find_operation_by_label(label).Case(path_parameters=path_parameters, query=query)
    response = case.call_and_validate(app=app, additional_checks=[status_is_listed])
    assert response.status_code == status
    expected = "application/json" if status < 400 else "application/problem+json"
    assert response.headers["content-type"] == [expected]


@pytest.mark.parametrize(
    "moment",
    [
        "2024-05-21T08:00:00Z",
        "2024-05-21t08:00:00z",
        "2024-05-21T10:00:00+02:00",
        "2024-05-21T08:00:00.000000000Z",
    ],
)
def test_every_rfc3339_form_of_a_date_time_is_accepted(app, seeded, moment):
    """`format: date-time` promises RFC 3339, lowercase `t` and `z` and nanoseconds included."""
    case = schema.find_operation_by_label("GET /v1/articles").Case(
        query={"published_after": moment}
    )
    response = case.call_and_validate(app=app, additional_checks=[status_is_listed])
    assert response.json()["meta"]["total"] == 1  # the seed article, published at that instant
