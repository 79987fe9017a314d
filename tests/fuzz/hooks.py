"""Schemathesis hooks of `make fuzz` (SCHEMATHESIS_HOOKS=tests.fuzz.hooks): the in-suite run's
mapping of drawn values to genuine ones (tests/test_schemathesis.py) and its `status_is_listed`
check, plus what a live server needs on top: here ids found in earlier responses name real
records, so a schema-valid write reaches the checks a drawn id's 404 stops in the suite."""

import os
import uuid

import requests
import schemathesis

from tests import test_schemathesis as suite

BASE_URL = os.environ["NEWSDESK_FUZZ_URL"]
KEY = os.environ["NEWSDESK_FUZZ_KEY"]
AUTHORIZATION = {"Authorization": f"Bearer {KEY}"}
# Unlike the suite's, this run's writes stay: no write may revoke the run's own key, nor rename
# or delete the seed records schema-valid cases name. Aimed at one of these, it is sent to an
# id that names nothing (a 404) instead
NOBODY = "00000000-0000-0000-0000-000000000000"


def _seed_ids() -> set[str]:
    ids = {os.environ["NEWSDESK_FUZZ_KEY_ID"]}
    for field, slug in suite.SEED_REFERENCES.items():
        resource = f"{field.removesuffix('s')}s"
        url = f"{BASE_URL}/v1/{resource}/slug/{slug}"
        response = requests.get(url, headers=AUTHORIZATION, timeout=30)
        response.raise_for_status()
        ids.add(response.json()["data"]["id"])
    return ids


PROTECTED = _seed_ids()

# Drawn keys recur (the same few short strings): a POST with the key and body of an earlier
# one replays that one's response, naming an article a case in between may have purged, which
# the stateful checks take for a created resource gone (ST302, seen once). Each schema-valid
# case is a request of its own here; replays are tests/reliability/test_idempotency.py's
IDEMPOTENCY_KEY = "Idempotency-Key"

# A drawn schedule is mostly in the past, which the API refuses (422), as it refuses a drawn
# slug: schema-valid cases schedule for this moment instead
FUTURE = "2999-05-21T08:00:00Z"


@schemathesis.hook
def map_case(_ctx, case):
    """Schema-valid cases of the fuzzing phase name the seed records, as in the suite."""
    if suite.is_positive(case):
        suite.name_seed_records(case)
    return case


@schemathesis.hook
def before_call(_ctx, case, _kwargs):
    """Every schema-valid case, of every phase (coverage and stateful ones skip `map_case`),
    follows a genuine cursor, schedules in the future and sends the current `If-Match`."""
    if case.method.upper() != "GET" and isinstance(case.path_parameters, dict):
        for name, value in case.path_parameters.items():
            if str(value).lower() in PROTECTED:
                case.path_parameters[name] = NOBODY
    if not suite.is_positive(case):
        return
    suite.fix_before_sending(case)
    if case.headers and IDEMPOTENCY_KEY in case.headers:
        case.headers[IDEMPOTENCY_KEY] = uuid.uuid4().hex
    if case.path.endswith("/schedule") and isinstance(case.body, dict):
        case.body["published_at"] = FUTURE
    for parameter in case.operation.headers:
        if parameter.name == "If-Match":
            _send_current_etag(case, required=parameter.is_required)


def _send_current_etag(case, *, required: bool) -> None:
    """A drawn `If-Match` names no version (412): send the ETag of the resource the path names
    now (an action's, `/v1/articles/{article_id}/publish`, is its article's), as a client
    that read it first would. When it cannot be read (404, or deleted), a required one is `*`
    (any version), which lets the request answer for the resource itself (404, 409)."""
    template = case.path.split("/")
    depth = next((i + 1 for i, part in enumerate(template) if part.startswith("{")), None)
    path = "/".join(case.formatted_path.split("/")[:depth])
    response = requests.get(BASE_URL + path, headers=AUTHORIZATION, timeout=30)
    etag = response.headers.get("ETag") if response.status_code == 200 else None
    if etag or required:
        case.headers = {**(case.headers or {}), "If-Match": etag or "*"}


schemathesis.check(suite.status_is_listed)
