"""Filter and sort oracles: no public read lets a caller without an editorial key filter,
sort or select by a hidden field (status, deletion, who created it, an e-mail, a key…), which
would reveal hidden values through what is listed or in which order. Each such parameter is
refused (400 naming it, or 401/403 for the editorial listing), or, where a read shows no
content (the probes), changes nothing."""

from __future__ import annotations

import pytest

from tests.conftest import assert_problem
from tests.security.conftest import PUBLIC_READS, filled_paths, params, readers, snapshot

# Hidden fields, as a filter, a sort key, a sparse field or an unknown parameter
HIDDEN_FIELDS = (
    "status",
    "deleted_at",
    "created_by",
    "created_by_id",
    "version_id",
    "email",
    "digest",
    "secret",
    "api_key",
    "key_id",
)
ORACLES = [
    *({"sort": key} for field in HIDDEN_FIELDS for key in (field, f"-{field}")),
    {"sort": "published_at,-deleted_at"},
    *({"fields": field} for field in HIDDEN_FIELDS if field != "status"),
    {"fields": "title,deleted_at"},
    {"status": "draft"},
    {"status": "archived,scheduled"},
    {"deleted": "true"},
    {"deleted": "1"},
    *({field: "x"} for field in HIDDEN_FIELDS if field != "status"),
    {"filter[status]": "draft"},
    {"filter": "status:draft"},
    {"include_drafts": "true"},
    {"include_deleted": "true"},
    {"preview": "true"},
    {"visibility": "all"},
    {"where": "1=1"},
]
# The editorial listing is refused for want of a key, before its values are read
EDITORIAL = {"status", "deleted"}


@pytest.mark.parametrize("op", params([op for op in PUBLIC_READS if op.names("path") == []]))
def test_hidden_fields_are_refused_as_filters_and_sorts(client, newsroom, op):
    [path] = filled_paths(newsroom, op)
    for reader, headers in readers(newsroom).items():
        plain = snapshot(client.get(path, headers=headers))
        for oracle in ORACLES:
            if reader != "anonymous" and not EDITORIAL & oracle.keys():
                continue  # a partner key widens nothing but the editorial listing's answer
            response = client.get(path, query_string=oracle, headers=headers)
            [(name, _value)] = oracle.items()
            if response.status_code == 200 and not op.names("query"):
                assert snapshot(response) == plain, (reader, op.id, oracle)  # ignored, wholly
            elif name in EDITORIAL and name in op.names("query"):
                assert_problem(response, 401 if reader == "anonymous" else 403)
            else:
                assert response.status_code == 400, (reader, op.id, oracle, response.status_code)
                assert_problem(response, 400, name)


@pytest.mark.parametrize(
    "op", params([op for op in PUBLIC_READS if op.names("path") and op.names("query")])
)
def test_hidden_fields_are_refused_on_reads_of_one_object(client, newsroom, op):
    path = filled_paths(newsroom, op)[0]
    for oracle in ORACLES:
        response = client.get(path, query_string=oracle)
        [(name, _value)] = oracle.items()
        assert_problem(response, 400, name)


def test_the_oracles_reach_every_kind_of_public_list():
    """The lists the oracles run against: articles, tags, authors, the change feed."""
    swept = {op.path for op in PUBLIC_READS if op.names("query")}
    assert {"/v1/articles", "/v1/tags", "/v1/authors", "/v1/changes"} <= swept
