"""Behind a reverse proxy: trust its X-Forwarded-* headers, and only as many hops as configured."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

# ProxyFix argument → the setting that says how many proxies in front set that header
HOPS = {
    "x_for": "PROXY_FIX_X_FOR",
    "x_proto": "PROXY_FIX_X_PROTO",
    "x_host": "PROXY_FIX_X_HOST",
    "x_port": "PROXY_FIX_X_PORT",
    "x_prefix": "PROXY_FIX_X_PREFIX",
}


def init_app(app: Flask) -> None:
    """Wrap the app in werkzeug's ProxyFix when a setting trusts at least one hop.

    Off by default: without a proxy that overwrites them, X-Forwarded-* headers come from the
    client, which could then pick its own address (and so its rate-limit bucket) or scheme.
    """
    hops = {argument: int(app.config[setting]) for argument, setting in HOPS.items()}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)
