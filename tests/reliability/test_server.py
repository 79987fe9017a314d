"""The production server: gunicorn's settings, a real start/reload/stop, and trusted proxy hops."""

from __future__ import annotations

import os
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask import request

from tests.reliability.conftest import app_config

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def gunicorn_settings(**environ) -> dict:
    previous = {name: os.environ.get(name) for name in environ}
    os.environ.update(environ)
    try:
        return runpy.run_path(str(REPO / "gunicorn.conf.py"))
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_gunicorn_runs_threaded_workers_that_are_recycled_with_jitter():
    settings = gunicorn_settings()
    assert settings["wsgi_app"] == "wsgi:app"
    assert settings["worker_class"] == "gthread" and settings["threads"] >= 2
    assert settings["max_requests"] > 0 and 0 < settings["max_requests_jitter"]
    assert settings["preload_app"] is False
    # a slow query ends as a 503 (statement timeout, 15 s) before its worker is killed
    assert settings["timeout"] > 15 and settings["graceful_timeout"] > 0
    assert settings["forwarded_allow_ips"] == ""  # proxy headers are the app's (ProxyFix)


def test_gunicorn_settings_come_from_the_environment():
    settings = gunicorn_settings(
        NEWSDESK_BIND="0.0.0.0:9000,unix:/run/newsdesk.sock",
        NEWSDESK_WORKERS="3",
        NEWSDESK_THREADS="8",
        NEWSDESK_WORKER_TIMEOUT="45",
        NEWSDESK_MAX_REQUESTS="500",
    )
    assert settings["bind"] == ["0.0.0.0:9000", "unix:/run/newsdesk.sock"]
    assert (settings["workers"], settings["threads"], settings["timeout"]) == (3, 8, 45)
    assert settings["max_requests"] == 500


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status


def wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"gunicorn did not answer {url} within {seconds} s")


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this venv")
def test_gunicorn_serves_reloads_gracefully_and_stops(migrated_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    migrated_app(url)
    port = free_port()
    environ = {
        **os.environ,
        "NEWSDESK_DATABASE_URL": url,
        "NEWSDESK_SECRET_KEY": "served",
        "NEWSDESK_BIND": f"127.0.0.1:{port}",
        "NEWSDESK_WORKERS": "1",
        "NEWSDESK_THREADS": "2",
        "NEWSDESK_RATELIMIT_ENABLED": "false",
    }
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [str(GUNICORN)], cwd=REPO, env=environ, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/health", process)
        assert get(f"{base}/ready") == 200
        assert get(f"{base}/v1/articles") == 200
        process.send_signal(signal.SIGHUP)  # new workers, then the old ones leave
        time.sleep(0.5)
        wait_until_serving(f"{base}/health", process)
        assert get(f"{base}/v1/articles") == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=35) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert "Booting worker" in text and "Handling signal: hup" in text
    assert "request_id=" in text  # access log lines carry the request id


# --- Trusted proxy hops (werkzeug's ProxyFix)


def whoami_app(make_app, **config):
    app = make_app(**config)
    app.add_url_rule(
        "/_whoami",
        "whoami",
        lambda: {"address": request.remote_addr, "scheme": request.scheme, "host": request.host},
    )
    return app


FORWARDED = {
    "X-Forwarded-For": "198.51.100.66, 203.0.113.9",  # a forged entry, then the proxy's own
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "forged.example",
}


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(make_app):
    seen = whoami_app(make_app).test_client().get("/_whoami", headers=FORWARDED).get_json()
    assert seen == {"address": "127.0.0.1", "scheme": "http", "host": "localhost"}


def test_one_trusted_hop_takes_only_what_that_proxy_added(make_app):
    app = whoami_app(make_app, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    seen = app.test_client().get("/_whoami", headers=FORWARDED).get_json()
    # the proxy appended the client's address; whatever the client sent before it is ignored
    assert seen == {"address": "203.0.113.9", "scheme": "https", "host": "localhost"}


def test_the_proxy_settings_come_from_the_environment(monkeypatch, shared_url):
    from api import create_app

    monkeypatch.setenv("NEWSDESK_PROXY_FIX_X_FOR", "2")
    app = create_app(app_config(shared_url))
    assert type(app.wsgi_app).__name__ == "ProxyFix" and app.wsgi_app.x_for == 2
