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
SEED_TITLE = "Séoul accueille la seconde édition du AI Safety Summit"
# ReDoc 2.x renders its logo from cdn.redoc.ly whatever its options; redoc.html's
# Content-Security-Policy blocks that image inside the browser, which reports the block.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


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
    """Whether `request` went to another host (the page's own policy blocking it is fine)."""
    url = urlsplit(request.url)
    if url.scheme in ("data", "blob") or url[:2] == urlsplit(base_url)[:2]:
        return False
    return request.failure != "csp"


def _errors_that_matter(console_errors: list[str]) -> list[str]:
    return [
        text
        for text in console_errors
        if not (REDOC_LOGO in text and "Content Security Policy" in text)
    ]


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


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_page_requests_nothing_from_other_hosts(page, page_log, live_server, path):
    page.goto(path)
    page.get_by_text("List published articles").first.wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    assert [r.url for r in page_log.requests if _left_the_browser(r, live_server)] == []
    assert page_log.page_errors == []
    assert _errors_that_matter(page_log.console_errors) == []


def test_redoc_shows_the_title_and_every_operation_summary(page):
    spec = _spec(page)
    page.goto("/redoc")
    expect(page.locator("h1")).to_have_text(f"{spec['info']['title']} ({spec['info']['version']})")
    for operation in _operations(spec):
        expect(page.locator("h2").get_by_text(operation["summary"], exact=True)).to_be_visible()
