"""`make fuzz`: the Schemathesis CLI against Newsdesk under gunicorn, every phase, every check.

    .venv/bin/python tests/fuzz/run.py --seed 1 --max-examples 50 --max-time 120

A throwaway SQLite database in a temporary directory, migrated and seeded; an admin key made
by `flask --app api keys create`; gunicorn (gunicorn.conf.py) on a free loopback port; then
`schemathesis run` on the app's own /openapi.json with the examples, coverage, fuzzing and
stateful phases and `--checks all`. The key goes through Schemathesis's OpenAPI-aware auth
(tests/fuzz/schemathesis.toml); the hooks (tests/fuzz/hooks.py) map drawn values to genuine
ones as the in-suite run does, send current `If-Match` values, and keep writes off the run's
key and the seed records its cases name. The server and the directory are gone at the end,
however the run ends (--keep keeps the directory). Exits with Schemathesis's status: 0 when
every check held.

Rate limits are off (one client address sends everything), and webhook receivers may be on
loopback (schema-valid cases register http://127.0.0.1:9/hooks; no worker runs, so nothing is
sent). With --max-time, Schemathesis repeats the fuzzing and stateful phases until the time is
spent: the run takes about that long.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent
REPO = FUZZ_DIR.parent.parent
BIN = Path(sys.executable).parent
CONFIG = FUZZ_DIR / "schemathesis.toml"
PHASES = "examples,coverage,fuzzing,stateful"

# Every check runs (`--checks all`, none excluded), with the suite's `status_is_listed`; the
# one setting is in schemathesis.toml: a missing `If-Match` may answer 428


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-examples", type=int, default=50, help="per operation and phase")
    parser.add_argument("--max-time", type=int, help="seconds for the whole Schemathesis run")
    parser.add_argument("--workers", type=int, default=1, help="Schemathesis's workers")
    parser.add_argument(
        "--keep", action="store_true", help="keep the directory (database, server logs)"
    )
    args = parser.parse_args()

    # SIGTERM (CI's timeout, a killed make) ends the run through the `finally` below
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="newsdesk-fuzz-"))
    server = None
    try:
        port = free_port()
        env = newsdesk_env(workdir, port)
        flask(env, "db", "upgrade")
        flask(env, "seed")
        key_id, key = create_key(env)
        server = start_server(env, workdir, port)
        status = schemathesis(args, workdir, port, key_id, key)
        if status != 0:
            print_server_errors(workdir)
        return status
    finally:
        if server is not None:
            stop_server(server)
        if args.keep:
            print(f"make fuzz: the database and server logs are in {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
        print(f"make fuzz: {time.monotonic() - started:.0f} s in all", flush=True)


def newsdesk_env(workdir: Path, port: int) -> dict[str, str]:
    """The app's settings for the run, and none of the caller's NEWSDESK_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(
        NEWSDESK_DATABASE_URL=f"sqlite:///{workdir / 'fuzz.sqlite3'}",
        NEWSDESK_SECRET_KEY=secrets.token_urlsafe(32),
        NEWSDESK_RATELIMIT_ENABLED="false",
        NEWSDESK_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8,::1/128",
        NEWSDESK_BACKUP_DIR=str(workdir / "backups"),
        NEWSDESK_BIND=f"127.0.0.1:{port}",
        NEWSDESK_WORKERS="2",
        NEWSDESK_ACCESS_LOG=str(workdir / "access.log"),
        NEWSDESK_ERROR_LOG=str(workdir / "error.log"),
        PYTHONPATH=str(REPO),
    )
    return env


def flask(env: dict[str, str], *args: str) -> str:
    command = [str(BIN / "flask"), "--app", "api", *args]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"`flask {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def create_key(env: dict[str, str]) -> tuple[str, str]:
    """An admin key (every operation is allowed, so every one is reached past its 401/403):
    its id and its secret."""
    output = flask(env, "keys", "create", "--name", "make fuzz", "--role", "admin")
    lines = output.strip().splitlines()
    key_id = re.search(r"key ([0-9a-f-]{36}) ", lines[0]).group(1)
    return key_id, lines[-1]  # the secret, printed last


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], workdir: Path, port: int) -> subprocess.Popen:
    # gunicorn.conf.py, but for its request-line and header-size limits: past them gunicorn
    # answers 414/431 in HTML before the app sees the request, a limit of the server (behind
    # the proxy, the proxy's), not the API's. Lifted, drawn long paths and headers reach the app
    command = [
        str(BIN / "gunicorn"),
        "-c",
        str(REPO / "gunicorn.conf.py"),
        "--limit-request-line",
        "0",
        "--limit-request-field_size",
        "0",
    ]
    server = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            print_server_errors(workdir)
            sys.exit(f"gunicorn exited with status {server.returncode} before answering")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    stop_server(server)
    sys.exit("gunicorn did not answer /health within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's process group (master and workers), SIGKILL if it lingers."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=35)  # above gunicorn's graceful_timeout
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def schemathesis(args: argparse.Namespace, workdir: Path, port: int, key_id: str, key: str) -> int:
    base = f"http://127.0.0.1:{port}"
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base}/openapi.json",
        "--phases",
        PHASES,
        "--checks",
        "all",
        "--seed",
        str(args.seed),
        "--max-examples",
        str(args.max_examples),
        "--workers",
        str(args.workers),
        "--continue-on-failure",
        "--no-color",
    ]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    env = {
        **os.environ,
        "NEWSDESK_FUZZ_URL": base,
        "NEWSDESK_FUZZ_KEY": key,
        "NEWSDESK_FUZZ_KEY_ID": key_id,
        "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
        "PYTHONPATH": str(REPO),
    }
    print("+", " ".join(command), flush=True)
    # Run from the temporary directory: Schemathesis keeps its crash files (`st replay`) there
    return subprocess.run(command, cwd=workdir, env=env).returncode


def print_server_errors(workdir: Path) -> None:
    """gunicorn's error log (tracebacks of any 500) after a failed run."""
    log = workdir / "error.log"
    if log.exists():
        lines = log.read_text(errors="replace").splitlines()
        print("\n--- gunicorn error log (last 200 lines)", *lines[-200:], sep="\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())
