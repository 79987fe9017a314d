"""gunicorn's settings for Newsdesk in production: `.venv/bin/gunicorn` run from the repository
reads this file and serves `wsgi:app`.

Every setting can be overridden by an environment variable (NEWSDESK_BIND, NEWSDESK_WORKERS, …,
listed below). gunicorn is not meant to face clients: it sits behind a buffering reverse proxy
that absorbs slow clients and caps bodies (README, "Running in production").

Reload code and settings without dropping a request: `kill -HUP <master pid>` starts new
workers, then stops the old ones once their requests are done (at most GRACEFUL_TIMEOUT).
"""

import os


def _env(name: str, default, cast=str):
    raw = os.environ.get(f"NEWSDESK_{name}")
    return default if raw is None or raw == "" else cast(raw)


wsgi_app = "wsgi:app"
bind = _env("BIND", "127.0.0.1:8000").split(",")

# Threads in a few processes: a request waiting on the database holds a thread, not a process.
# Keep THREADS at most DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW (5 + 5 by default), and
# WORKERS × that sum under PostgreSQL's max_connections.
worker_class = "gthread"
workers = _env("WORKERS", max(2, os.cpu_count() or 1), int)
threads = _env("THREADS", 4, int)

# A worker silent this long is killed and replaced; above DATABASE_STATEMENT_TIMEOUT (15 s), so
# a slow query ends as a 503 before its worker is killed
timeout = _env("WORKER_TIMEOUT", 30, int)
# On SIGTERM or HUP, requests in flight get this long to finish
graceful_timeout = _env("GRACEFUL_TIMEOUT", 30, int)
# Idle keep-alive connections from the proxy are closed after this long
keepalive = _env("KEEPALIVE", 5, int)

# Each worker is replaced after about this many requests (jittered so that they do not all
# restart at once): whatever a long-lived process accumulates is bounded
max_requests = _env("MAX_REQUESTS", 1000, int)
max_requests_jitter = _env("MAX_REQUESTS_JITTER", 100, int)

# Each worker builds its own app, so database connections are never shared across a fork and
# a HUP loads new code
preload_app = False

# Requests: line and header limits (larger ones answer 400/431 before the app sees them)
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# X-Forwarded-* are the app's to trust (NEWSDESK_PROXY_FIX_*, werkzeug's ProxyFix), counted
# in proxy hops: gunicorn itself honours none of them
forwarded_allow_ips = ""

# gunicorn 25.1+ opens a control socket at one fixed path per user: two servers on a machine
# would share it. Signals (HUP, TERM, TTIN/TTOU) do the same work
control_socket_disable = True

# The heartbeat file on tmpfs: a worker on a slow or full disk is not taken for a stuck one
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = _env("ACCESS_LOG", "-")
errorlog = _env("ERROR_LOG", "-")
loglevel = _env("LOG_LEVEL", "info")
# The request id ties an access log line to the app's own log lines and to the client's report
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms '
    "request_id=%({x-request-id}o)s"
)
