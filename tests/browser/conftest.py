"""Fixtures for real-browser tests: the app on a live server, and Debian's Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Request, expect, sync_playwright
from werkzeug.serving import make_server

from api.db import db
from api.services.keys import create_key
from tests.conftest import make_seeded_app

CHROMIUM = Path("/usr/bin/chromium")
# No network here: Playwright must not download a browser, and Chromium must not phone home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
# expect()'s own default is 5 s; a loaded CI machine gets the page's 10 s for assertions too
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def live_app(fresh_database) -> Iterator[Flask]:
    """The app the live server serves, migrated and seeded, on a database of its own."""
    app = make_seeded_app(fresh_database.url("browser"))
    yield app
    db.engine(app).dispose()


@pytest.fixture(scope="module")
def live_server(live_app) -> Iterator[str]:
    """The app served on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture(scope="module")
def make_live_key(live_app):
    """A new API key with `role` in the live server's database; returns its secret."""

    def make(role: str, name: str) -> str:
        with live_app.app_context():
            _key, secret = create_key(db.session, name=name, role=role)
            db.session.commit()
        return secret

    return make


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageLog:
    """What a page did besides rendering: its requests, console errors and uncaught errors."""

    requests: list[Request] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        self.requests.append(request)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(live_server, browser, page_log):
    """A page of its own browser context, on the live server, logging into `page_log`."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    context.on("request", page_log.on_request)
    page = context.new_page()
    page.on("console", page_log.on_console)
    page.on("pageerror", lambda error: page_log.page_errors.append(str(error)))
    yield page
    context.close()
