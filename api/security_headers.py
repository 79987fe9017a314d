"""Security headers on every response: no sniffing, no framing, no referrer, and a content
security policy (nothing at all for the API; for the docs pages, their own local assets).

Set from an after-request hook, so they are part of every response Flask finishes (errors,
304s, preflights) and of what the response cache stores and replays in front of Flask.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, request

# JSON, feeds and sitemaps are data: nothing in them may load, run or be framed
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI and ReDoc: scripts, styles, fonts and images from this server, the page's own
# start-up script (by its nonce), inline styles (both render with them), ReDoc's blob: worker,
# and requests ("Try it out", the spec) to this server only
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'{nonce}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
DOCS_BLUEPRINT = "docs"

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


NONCE = "newsdesk.csp_nonce"


def csp_nonce() -> str:
    """The nonce this response's inline scripts carry (made on first use, per request)."""
    return request.environ.setdefault(NONCE, secrets.token_urlsafe(16))


def add_security_headers(response: Response) -> Response:
    response.headers.update(HEADERS)
    if request.blueprint == DOCS_BLUEPRINT:
        nonce = request.environ.get(NONCE)
        policy = DOCS_POLICY.format(nonce=f" 'nonce-{nonce}'" if nonce else "")
    else:
        policy = API_POLICY
    response.headers["Content-Security-Policy"] = policy
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.add_template_global(csp_nonce)
