"""`make bench`: Newsdesk under gunicorn against a bare-Flask baseline, driven by wrk.

    .venv/bin/python benchmarks/bench.py                      # SQLite, 10,000 articles
    .venv/bin/python benchmarks/bench.py --articles 1000,10000,100000 --shapes list,cursor,search
    NEWSDESK_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python benchmarks/bench.py --database postgresql

For each article count: the generated data set (benchmarks/generate.py, cached under
benchmarks/.data/) imported once into its own database (`flask import`), then three servers
under the same gunicorn configuration (benchmarks/gunicorn.conf.py: two sync workers): the
baseline (benchmarks/baseline_app.py), Newsdesk with its response cache off ("no cache") and
Newsdesk with it on ("cache"). Each endpoint shape is driven by `wrk -t2 -c32` on loopback: a
warm-up run is discarded, then several runs, interleaved with the baseline's; the table shows
medians (req/s, p50, p99) and the ratio to the baseline's median. Rate limits are off for the
benchmark (NEWSDESK_RATELIMIT_ENABLED=false): one client address sends everything.

This is a benchmark, not a test: run it on a quiet machine, and read the load it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"
BIN = Path(sys.executable).parent
SECRET_KEY = "newsdesk-bench-secret"
PORTS = {"baseline": 8310, "nocache": 8311, "cache": 8312}
MODES = ("nocache", "cache")
MIN_ARTICLES, MAX_ARTICLES = 1_000, 1_000_000
DEEP_PAGE = 400
# A name of the data set's long tail (generate.RARE_NAMES), as readers search for one: in
# about 0.5 % of the articles, so its matches grow with the data set
SEARCH_RANK = 150
# Readers' searches, most of them a text not searched just before: a thousand names of the
# long tail in turn (ranks 100 to 1,099, each about as rare as its rank says)
SEARCH_RANKS = range(100, 1_100)
TAG = "climat"
SLUGS_ROTATED = 100

sys.path[:0] = [str(REPO), str(BENCH_DIR)]


@dataclass
class Shape:
    name: str
    label: str
    paths: list[str]
    expect: int = 200  # 304: sent with the ETag of its path, read from the server measured

    def headers(self, server: Server) -> dict[str, str]:
        if self.expect != 304:
            return {}
        _, headers, _ = get(server.base + self.paths[0])
        return {"If-None-Match": headers["ETag"]}


@dataclass
class Run:
    rps: float
    p50: float  # milliseconds
    p99: float
    bad: int  # responses other than the expected status, and socket errors


@dataclass
class Result:
    shape: str
    label: str
    mode: str
    runs: list[Run]
    alone: list[Run] = field(default_factory=list)  # one client at a time: the latency itself

    @property
    def rps(self) -> float:
        return statistics.median(r.rps for r in self.runs)

    @property
    def p50(self) -> float:
        return statistics.median(r.p50 for r in self.runs)

    @property
    def p99(self) -> float:
        return statistics.median(r.p99 for r in self.runs)


# --- Data and databases


def data_file(count: int) -> Path:
    """The generated file of `count` articles: cut from a bigger one when there is one (article
    i is the same in every file), generated otherwise."""
    import generate

    path = DATA_DIR / f"articles-{count}.jsonl"
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    bigger = sorted(
        (int(m.group(1)), p)
        for p in DATA_DIR.glob("articles-*.jsonl")
        if (m := re.fullmatch(r"articles-(\d+)\.jsonl", p.name)) and int(m.group(1)) > count
    )
    if bigger:
        lines = generate.TAG_COUNT + generate.AUTHOR_COUNT + count
        partial = path.with_suffix(".jsonl.partial")
        with bigger[0][1].open("rb") as source, partial.open("wb") as out:
            for _ in range(lines):
                out.write(source.readline())
        partial.replace(path)
        return path
    say(f"generating {count:,} articles into {path.relative_to(REPO)}")
    return generate.write(path, count, jobs=os.cpu_count() or 1)


def database_url(backend: str, count: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{DATA_DIR / f'newsdesk-{count}.sqlite3'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ.get("NEWSDESK_BENCH_DATABASE_URL")
    if not base:
        sys.exit("--database postgresql needs NEWSDESK_BENCH_DATABASE_URL (a PostgreSQL URL).")
    schema = f"newsdesk_bench_{count}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    engine.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def newsdesk_env(url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(
        NEWSDESK_DATABASE_URL=url,
        NEWSDESK_SECRET_KEY=SECRET_KEY,
        NEWSDESK_RATELIMIT_ENABLED="false",
        PYTHONPATH=str(REPO),
    )
    env.update({f"NEWSDESK_{k}": v for k, v in settings.items()})
    return env


def flask(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "api", *args], cwd=REPO, env=newsdesk_env(url), check=check
    )


def article_count(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM articles")).scalar_one()
    except Exception:  # not migrated yet
        return -1
    finally:
        engine.dispose()


def prepare_database(backend: str, count: int) -> tuple[str, float | None]:
    """The database of `count` articles, migrated and imported (once): its URL, and how long
    the import took when it ran now."""
    url = database_url(backend, count)
    path = data_file(count)
    flask(url, "db", "upgrade")
    if article_count(url) == count:
        analyze(url)  # a migration may have rewritten rows since
        return url, None
    say(f"importing {path.name} into {backend}")
    started = time.perf_counter()
    flask(url, "import", str(path))
    elapsed = time.perf_counter() - started
    analyze(url)
    return url, elapsed


def analyze(url: str) -> None:
    """Planner statistics and PostgreSQL's visibility map, as a production database has them
    (autovacuum), so that index-only scans are possible."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        postgresql = connection.dialect.name == "postgresql"
        connection.execute(text("VACUUM ANALYZE" if postgresql else "ANALYZE"))
    engine.dispose()


# --- Servers


class Server:
    def __init__(self, name: str, app: str, env: dict[str, str], extra: list[str]):
        self.name, self.port = name, PORTS[name]
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)
        env = {**env, "BENCH_BIND": f"127.0.0.1:{self.port}", "BENCH_ERRORLOG": self.log.name}
        command = [str(BIN / "gunicorn"), "-c", str(BENCH_DIR / "gunicorn.conf.py"), *extra, app]
        if port_open(self.port):
            sys.exit(f"Port {self.port} is taken: stop what listens there first.")
        self.process = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True)
        self.wait_until_up()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"{self.name} did not start:\n{Path(self.log.name).read_text()}")
            try:
                with urllib.request.urlopen(f"{self.base}/health", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        sys.exit(f"{self.name} did not answer within 60 s")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (the master's children)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split() if children.exists() else []:
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --- Shapes: what each endpoint shape requests, read from the database being measured


def shapes(url: str, names: list[str]) -> list[Shape]:
    from sqlalchemy import create_engine, select

    from api.models import Article
    from api.services.pagination import write_cursor
    from api.services.visibility import article_is_public

    engine = create_engine(url)
    with engine.connect() as connection:
        public = connection.execute(
            select(Article.published_at, Article.id, Article.slug)
            .where(article_is_public())
            .order_by(Article.published_at.desc(), Article.id.desc())
        ).all()
    engine.dispose()
    pages = max(1, (len(public) + 19) // 20)
    deep = min(DEEP_PAGE, pages)
    position = public[(deep - 1) * 20 - 1] if deep > 1 else None
    cursor = write_cursor(SECRET_KEY, (position[0], position[1])) if position else "start"
    step = max(1, len(public) // SLUGS_ROTATED)
    slugs = [row.slug for row in public[::step][:SLUGS_ROTATED]]
    import generate

    search = generate.RARE_NAMES[SEARCH_RANK]
    every = {
        "list": Shape("list", "article list, page 1", ["/v1/articles"]),
        "offset": Shape(
            "offset", f"deep page, offset (page {deep})", [f"/v1/articles?page={deep}"]
        ),
        "cursor": Shape(
            "cursor", f"deep page, cursor (page {deep})", [f"/v1/articles?cursor={cursor}"]
        ),
        "tag": Shape("tag", f"tag-filtered list (tag={TAG})", [f"/v1/articles?tag={TAG}"]),
        "slug": Shape(
            "slug",
            f"one article by slug, with body ({len(slugs)} slugs)",
            [f"/v1/articles/slug/{slug}" for slug in slugs],
        ),
        "304": Shape(
            "304",
            "conditional GET of the list (304)",
            ["/v1/articles"],
            expect=304,
        ),
        "search": Shape(
            "search", f"search (q={search})", [f"/v1/articles?q={urllib.parse.quote(search)}"]
        ),
        "searches": Shape(
            "searches",
            f"search, {len(SEARCH_RANKS):,} texts in turn",
            [
                f"/v1/articles?q={urllib.parse.quote(generate.RARE_NAMES[rank])}"
                for rank in SEARCH_RANKS
            ],
        ),
        "feed": Shape("feed", "RSS feed", ["/v1/feeds/articles.rss"]),
    }
    return [every[name] for name in names]


# --- wrk

LUA = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1], headers)
end
local bad = 0
response = function(status, headers, body)
  if status ~= %(expect)d then bad = bad + 1 end
end
done = function(summary, latency, requests)
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(server: Server, shape: Shape, seconds: float, connections: int, threads: int) -> Run:
    script = LUA % {
        "paths": ", ".join(lua_string(p) for p in shape.paths),
        "headers": ", ".join(
            f"[{lua_string(k)}] = {lua_string(v)}" for k, v in shape.headers(server).items()
        ),
        "expect": shape.expect,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(seconds)}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        file.name,
        server.base + shape.paths[0],
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(file.name)
    return parse_wrk(output, shape.expect)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(output: str, expect: int) -> Run:
    if int(re.search(r"(\d+) requests in", output).group(1)) == 0:
        return Run(rps=0.0, p50=float("nan"), p99=float("nan"), bad=1)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    bad = 0
    if expect == 200:
        match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
        bad += int(match.group(1)) if match else 0
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if errors:
        bad += sum(int(g) for g in errors.groups())
    return Run(rps=rps, p50=p50, p99=p99, bad=bad)


# --- The run


def say(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


def check(server: Server, shape: Shape) -> None:
    """Each shape answers what it should before it is timed."""
    for path in shape.paths[:3]:
        status, _, body = get(server.base + path, shape.headers(server))
        if status != shape.expect:
            sys.exit(f"{server.name} {path}: {status} instead of {shape.expect}\n{body[:500]!r}")
        if shape.expect == 200 and shape.name not in ("feed", "slug"):
            if not json.loads(body)["data"]:
                sys.exit(f"{server.name} {path}: an empty list")


def measure(args, backend: str, count: int) -> dict:
    url, import_seconds = prepare_database(backend, count)
    env = newsdesk_env(url, REDIS_URL=args.redis or "")
    servers = {
        "baseline": Server("baseline", "baseline_app:app", env, ["--pythonpath", str(BENCH_DIR)]),
        "nocache": Server(
            "nocache", "api:create_app()", {**env, "NEWSDESK_RESPONSE_CACHE": "false"}, []
        ),
        "cache": Server(
            "cache", "api:create_app()", {**env, "NEWSDESK_RESPONSE_CACHE": "true"}, []
        ),
    }
    try:
        chosen = shapes(url, args.shapes)
        for shape in chosen:
            for mode in MODES:
                check(servers[mode], shape)
        load_before = os.getloadavg()
        baseline: list[Run] = []
        results = {(s.name, m): Result(s.name, s.label, m, []) for s in chosen for m in MODES}
        go = lambda server, shape, seconds: wrk(  # noqa: E731
            server, shape, seconds, args.connections, args.threads
        )
        base_shape = Shape("baseline", "baseline", ["/v1/articles"])
        go(servers["baseline"], base_shape, args.warmup)
        for shape in chosen:
            for mode in MODES:
                go(servers[mode], shape, args.warmup)  # warms caches, JIT-free Python: discarded
        for round_ in range(args.repeat):
            say(f"{backend}, {count:,} articles: round {round_ + 1} of {args.repeat}")
            baseline.append(go(servers["baseline"], base_shape, args.duration))
            for shape in chosen:
                for mode in MODES:
                    results[(shape.name, mode)].runs.append(go(servers[mode], shape, args.duration))
                    if shape.name in args.alone:
                        alone = wrk(servers[mode], shape, args.duration, 1, 1)
                        results[(shape.name, mode)].alone.append(alone)
        memory = {name: server.worker_rss_mb() for name, server in servers.items()}
        load_after = os.getloadavg()
    finally:
        for server in servers.values():
            server.stop()
    base = Result("baseline", "bare Flask, fixed JSON body", "baseline", baseline)
    return {
        "backend": backend,
        "articles": count,
        "import_seconds": import_seconds,
        "baseline": {
            "rps": base.rps,
            "p50": base.p50,
            "p99": base.p99,
            "runs": [asdict(r) for r in baseline],
        },
        "results": [
            {
                "shape": r.shape,
                "label": r.label,
                "mode": r.mode,
                "rps": r.rps,
                "p50": r.p50,
                "p99": r.p99,
                "ratio": r.rps / base.rps,
                "bad": sum(run.bad for run in r.runs),
                "alone_p50": statistics.median(a.p50 for a in r.alone) if r.alone else None,
                "runs": [asdict(run) for run in r.runs],
                "alone": [asdict(run) for run in r.alone],
            }
            for r in results.values()
        ],
        "worker_rss_mb": memory,
        "load": {"before": load_before, "after": load_after},
    }


# --- Report

TARGETS = [
    # (description, shape, mode, ratio to the baseline, or to list page 1 in the same mode)
    ("list page 1, no cache ≥ 15 % of baseline", "list", "nocache", 0.15, "baseline"),
    ("list page 1, cached ≥ 60 % of baseline", "list", "cache", 0.60, "baseline"),
    ("304 ≥ 70 % of baseline", "304", "cache", 0.70, "baseline"),
    ("article by slug, no cache ≥ 20 % of baseline", "slug", "nocache", 0.20, "baseline"),
    ("article by slug, cached ≥ 60 % of baseline", "slug", "cache", 0.60, "baseline"),
    ("cursor page at depth ≥ 90 % of list page 1 (no cache)", "cursor", "nocache", 0.90, "list"),
    ("tag-filtered list ≥ 90 % of list page 1 (no cache)", "tag", "nocache", 0.90, "list"),
]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"model name\s*:\s*(.*)", info).group(1).strip()
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()}"


def table(report: dict, args) -> str:
    by = {(r["shape"], r["mode"]): r for r in report["results"]}
    base = report["baseline"]
    lines = [
        f"Newsdesk on {report['backend']}, {report['articles']:,} articles — "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}",
        f"gunicorn: 2 sync workers each; wrk -t{args.threads} -c{args.connections}, "
        f"{args.repeat} × {args.duration} s after a {args.warmup} s warm-up, medians; "
        "rate limits off",
        "load average before/after: "
        + " / ".join(", ".join(f"{x:.2f}" for x in report["load"][k]) for k in ("before", "after")),
        "",
        "| endpoint shape | no cache: req/s | p50 ms | p99 ms | × baseline "
        "| cache: req/s | p50 ms | p99 ms | × baseline |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
        f"| baseline: bare Flask, fixed JSON | {base['rps']:,.0f} | {base['p50']:.2f} | "
        f"{base['p99']:.2f} | 1.00 | | | | |",
    ]
    for shape in args.shapes:
        cells = []
        for mode in MODES:
            r = by.get((shape, mode))
            if r is None:
                cells.append(" | | | ")
                continue
            flag = " (!)" if r["bad"] else ""
            cells.append(
                f"{r['rps']:,.0f}{flag} | {r['p50']:.2f} | {r['p99']:.2f} | {r['ratio']:.2f}"
            )
        label = by.get((shape, MODES[0]), {}).get("label", shape)
        lines.append(f"| {label} | {' | '.join(cells)} |")
    if any(r["bad"] for r in report["results"]):
        lines.append("(!) some responses had another status than expected, or socket errors")
    lines.append("")
    for description, shape, mode, target, against in TARGETS:
        r = by.get((shape, mode))
        reference = base if against == "baseline" else by.get((against, mode))
        if r is None or reference is None:
            continue
        ratio = r["rps"] / reference["rps"]
        mark = "met" if ratio >= target else "NOT met"
        lines.append(f"- {description}: {ratio:.2f} — {mark}")
    alone = [r for r in report["results"] if r["alone_p50"] is not None]
    if alone:
        labels = {r["shape"]: r["label"] for r in alone}
        cells = {(r["shape"], r["mode"]): f"{r['alone_p50']:.2f}" for r in alone}
        lines.append(
            "- one client at a time (wrk -t1 -c1), p50 ms, no cache / cache: "
            + "; ".join(
                f"{label} {cells.get((shape, 'nocache'), '–')} / {cells.get((shape, 'cache'), '–')}"
                for shape, label in labels.items()
            )
        )
    rss = report["worker_rss_mb"]
    lines.append(
        "- worker memory (RSS, MB): "
        + "; ".join(f"{name} {', '.join(f'{m:.0f}' for m in sizes)}" for name, sizes in rss.items())
    )
    if report["import_seconds"] is not None:
        lines.append(f"- import of the data set: {report['import_seconds']:.0f} s")
    return "\n".join(lines)


def curve(reports: list[dict]) -> str:
    """p50 latency with one client at a time of each shape timed so, at each size, and its
    ratio to the 10,000-article one (the first size without one)."""
    if len(reports) < 2:
        return ""
    sizes = [r["articles"] for r in reports]
    reference = next((r for r in reports if r["articles"] == 10_000), reports[0])
    ref = {(x["shape"], x["mode"]): x for x in reference["results"] if x["alone_p50"]}
    lines = [
        "",
        f"Scale ({reports[0]['backend']}): p50 ms with one client at a time "
        f"(× the {reference['articles']:,}-article p50)",
        "",
        "| shape | mode | " + " | ".join(f"{n:,}" for n in sizes) + " |",
        "|---|---|" + "--:|" * len(sizes),
    ]
    for key, first in ref.items():
        cells = []
        for report in reports:
            x = next((y for y in report["results"] if (y["shape"], y["mode"]) == key), None)
            p50 = x and x["alone_p50"]
            cells.append(f"{p50:.2f} ({p50 / first['alone_p50']:.2f}×)" if p50 else "")
        mode = "no cache" if key[1] == "nocache" else "cache"
        lines.append(f"| {first['label']} | {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--articles",
        default="10000",
        help=f"article counts, comma-separated ({MIN_ARTICLES:,} to {MAX_ARTICLES:,})",
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument("--shapes", default="list,offset,cursor,tag,slug,304,search,searches,feed")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--alone",
        default="list,cursor,search",
        help="shapes also timed with one client (wrk -t1 -c1): their latency without queueing",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--redis", default="", help="a Redis URL for the shared cache")
    parser.add_argument("--json", type=Path, help="also write the results there")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.articles.split(",")]
    if any(not MIN_ARTICLES <= n <= MAX_ARTICLES for n in counts):
        parser.error(f"--articles: from {MIN_ARTICLES:,} to {MAX_ARTICLES:,}")
    args.shapes = args.shapes.split(",")
    args.alone = args.alone.split(",") if args.alone else []
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `apt-get install wrk` (make bench does it).")
    backends = [args.database] if args.database else ["sqlite"]
    if args.database is None and os.environ.get("NEWSDESK_BENCH_DATABASE_URL"):
        backends.append("postgresql")
    reports = []
    for backend in backends:
        per_backend = []
        for count in counts:
            report = measure(args, backend, count)
            per_backend.append(report)
            print(table(report, args), flush=True)
            print(flush=True)
        print(curve(per_backend), flush=True)
        reports += per_backend
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
