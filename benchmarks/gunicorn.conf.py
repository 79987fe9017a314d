"""gunicorn settings `make bench` serves both Newsdesk and the bare-Flask baseline with: two
sync workers (the set-up of the peers' published figures), no access log."""

import os

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8100")
workers = int(os.environ.get("BENCH_WORKERS", "2"))
worker_class = "sync"
timeout = 120
accesslog = None
errorlog = os.environ.get("BENCH_ERRORLOG", "-")
loglevel = "warning"
