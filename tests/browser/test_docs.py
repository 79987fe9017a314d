"""The interactive docs in a real Chromium: Swagger UI at /docs and ReDoc at /redoc, offline."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian's Chromium at {CHROMIUM}"),
    pytest.mark.browser,
    pytest.mark.no_transaction,  # the live server has its own app and database
]

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
RENDER_TIMEOUT_MS = 30_000
SEED_TITLE = "Séoul accueille la seconde édition du AI Safety Summit"


def _spec(page: Page) -> dict:
    return page.request.get("/openapi.json").json()


def _operations(spec: dict) -> list[dict]:
    return [
        {"method": method.upper(), "path": path, **operation}
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def _left_the_browser(request, base_url: str) -> bool:
    """Whether `request` was meant for another host (even one the page's policy blocked)."""
    url = urlsplit(request.url)
    return url.scheme not in ("data", "blob") and url[:2] != urlsplit(base_url)[:2]


def test_swagger_ui_shows_one_block_per_operation(page):
    expected = sorted((op["method"], op["path"]) for op in _operations(_spec(page)))
    page.goto("/docs")
    tags = page.locator(".opblock-tag")
    tags.first.wait_for()
    for tag in tags.all():
        if tag.get_attribute("data-is-open") == "false":
            tag.click()
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(len(expected))
    shown = blocks.evaluate_all(
        """blocks => blocks.map(block => [
            block.querySelector('.opblock-summary-method').textContent,
            block.querySelector('.opblock-summary-path').dataset.path,
        ])"""
    )
    assert sorted(map(tuple, shown)) == expected


def test_swagger_ui_try_it_out_lists_the_seed_article(page):
    page.goto("/docs")
    path = page.locator('.opblock-summary-path[data-path="/v1/articles"]')
    operation = page.locator(".opblock-get").filter(has=path)
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    response = operation.locator(".live-responses-table .response")
    expect(response.locator(".response-col_status")).to_have_text("200")
    expect(response.locator(".highlight-code")).to_contain_text(SEED_TITLE)


def _open_operation(page: Page, method: str, path: str):
    """The operation's block in Swagger UI, expanded."""
    summary = page.locator(f'.opblock-summary-path[data-path="{path}"]')
    operation = page.locator(f".opblock-{method}").filter(has=summary)
    operation.locator(".opblock-summary-control").click()
    return operation


def _authorize(page: Page, secret: str) -> None:
    """Swagger UI's Authorize dialog, filled with a key for the bearer scheme."""
    page.locator(".auth-wrapper").get_by_role("button", name="Authorize").click()
    dialog = page.locator(".modal-ux")
    expect(dialog).to_contain_text("bearerAuth")
    dialog.get_by_label("auth-bearer-value").fill(secret)
    dialog.get_by_role("button", name="Apply credentials").click()
    expect(dialog).to_contain_text("Authorized")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)


def _try_it_out(operation, **query: str):
    operation.get_by_role("button", name="Try it out").click()
    for name, value in query.items():
        field = operation.locator(f'tr[data-param-name="{name}"]').locator("input, select")
        if field.evaluate("element => element.tagName") == "SELECT":  # an enum
            field.select_option(value)
        else:
            field.fill(value)
    operation.get_by_role("button", name="Execute").click()
    return operation.locator(".live-responses-table .response")


def test_swagger_ui_without_a_key_a_protected_operation_answers_401(page):
    page.goto("/docs")
    response = _try_it_out(_open_operation(page, "get", "/v1/keys"))
    expect(response.locator(".response-col_status")).to_have_text("401")


def test_swagger_ui_authorize_with_an_admin_key_lists_keys(page, make_live_key):
    secret = make_live_key("admin", name="Clé d’essai Swagger UI")
    page.goto("/docs")
    _authorize(page, secret)
    operation = _open_operation(page, "get", "/v1/keys")
    response = _try_it_out(operation)
    expect(response.locator(".response-col_status")).to_have_text("200")
    expect(response.locator(".highlight-code")).to_contain_text("Clé d’essai Swagger UI")
    expect(response.locator(".highlight-code")).not_to_contain_text(secret)  # shown once only
    expect(operation.locator(".curl-command")).to_contain_text("Authorization: Bearer")


def test_swagger_ui_authorize_with_an_editor_key_lists_drafts(page, make_live_key):
    secret = make_live_key("editor", name="Swagger UI editor")
    draft = {"title": "Un brouillon que seule la rédaction voit"}
    created = page.request.post(
        "/v1/articles", data=draft, headers={"Authorization": f"Bearer {secret}"}
    )
    assert created.status == 201, created.text()
    page.goto("/docs")
    _authorize(page, secret)
    response = _try_it_out(_open_operation(page, "get", "/v1/articles"), status="draft")
    expect(response.locator(".response-col_status")).to_have_text("200")
    expect(response.locator(".highlight-code")).to_contain_text(draft["title"])


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_page_requests_nothing_from_other_hosts(page, page_log, live_server, path):
    page.goto(path)
    page.get_by_text("List published articles").first.wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    assert [r.url for r in page_log.requests if _left_the_browser(r, live_server)] == []
    assert page_log.page_errors == []
    assert page_log.console_errors == []


def test_redoc_shows_the_title_and_every_operation_summary(page):
    spec = _spec(page)
    summaries = {operation["summary"] for operation in _operations(spec)}
    page.goto("/redoc")
    # ReDoc heads each tag and each operation with an h2; wait until all are drawn (a loaded
    # machine may take longer than one expectation's timeout), then read the title and name any
    # summary not shown. The title waits as long: CI's PostgreSQL run failed once on its 5 s
    # default, printing the whole page's aria tree (Playwright does when the element it found is
    # not visible yet)
    headings = page.locator("h2")
    expect(headings).to_have_count(len(spec["tags"]) + len(summaries), timeout=RENDER_TIMEOUT_MS)
    expect(page.locator("h1")).to_have_text(
        f"{spec['info']['title']} ({spec['info']['version']})", timeout=RENDER_TIMEOUT_MS
    )
    shown = {text.strip() for text in headings.filter(visible=True).all_text_contents()}
    assert summaries - shown == set()
