"""A closed-loop load client: threads with keep-alive sessions, mixed reads and idempotent
writes, every request and every acknowledged id recorded."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import requests

# What a response problem+json is sent as
PROBLEM = "application/problem+json"
# Writes are retried (same Idempotency-Key) after a network error, a 503 or a 409 with
# Retry-After, waiting what the server asks but at most this long; a 409 at most so often
RETRY_PAUSE_CAP = 0.5
CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class Record:
    """One HTTP exchange as the client saw it (`status` None: no response, see `error`)."""

    started: float  # time.monotonic()
    latency: float
    method: str
    path: str
    status: int | None
    error: str | None = None
    problem: bool = False
    retry_after: str | None = None
    detail: str | None = None
    replayed: bool = False
    key: str | None = None  # the Idempotency-Key of a write: its tries are one operation
    client: int = 0  # which of the load's threads sent it

    @property
    def ended(self) -> float:
        return self.started + self.latency

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def outcome(self) -> str:
        """The status, or the name of the network error."""
        return str(self.status) if self.status is not None else (self.error or "error")


@dataclass
class Write:
    """One article the client wants created, under one Idempotency-Key, however many tries."""

    title: str
    key: str
    id: str | None = None  # set once a 2xx acknowledged it
    attempts: int = 0
    rejected: str | None = None  # a final answer other than 2xx (or retries given up)


@dataclass
class Load:
    """`threads` clients, each looping over reads of `read_paths` and, one time in
    `1 / write_share`, a POST of a new article until `stop()`."""

    base_url: str
    write_headers: dict
    read_paths: tuple[str, ...]
    prefix: str = field(default_factory=lambda: f"faults-{uuid.uuid4().hex[:8]}")
    threads: int = 6
    write_share: float = 0.25
    timeout: float = 30.0
    # Seconds a write keeps being retried before the client gives up on it
    retry_for: float = 30.0
    think: float = 0.005
    read_headers: dict = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._crashes: list[BaseException] = []

    # --- running

    def start(self) -> Load:
        self.started = time.monotonic()
        for number in range(self.threads):
            thread = threading.Thread(target=self._client, args=(number,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + self.retry_for + 5)
        self.stopped = time.monotonic()
        assert not any(thread.is_alive() for thread in self._threads), "a load thread hangs"
        assert not self._crashes, f"load threads failed: {self._crashes!r}"

    def __enter__(self) -> Load:
        return self.start()

    def __exit__(self, *_exc) -> None:
        if not self._stop.is_set():
            self.stop()

    def _client(self, number: int) -> None:
        pick = random.Random(number)
        session = requests.Session()
        try:
            count = 0
            while not self._stop.is_set():
                count += 1
                if pick.random() < self.write_share:
                    self._write(session, number, f"{self.prefix} {number}-{count}")
                else:
                    self._read(session, number, pick.choice(self.read_paths))
                time.sleep(self.think)
        except Exception as error:  # noqa: BLE001 - the client's own bug: `stop()` says so
            self._crashes.append(error)
        finally:
            session.close()

    def _send(self, session, client: int, method: str, path: str, key=None, **kwargs):
        started = time.monotonic()
        try:
            response = session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            latency = time.monotonic() - started
            record = Record(
                started, latency, method, path, None, _name(error), key=key, client=client
            )
            self._keep(record)
            return record, None
        problem = response.headers.get("Content-Type", "").startswith(PROBLEM)
        try:
            detail = response.json().get("detail") if problem else None
        except ValueError:
            detail = "(not JSON)"
        record = Record(
            started,
            time.monotonic() - started,
            method,
            path,
            response.status_code,
            problem=problem,
            retry_after=response.headers.get("Retry-After"),
            detail=detail,
            replayed=response.headers.get("Idempotent-Replayed") == "true",
            key=key,
            client=client,
        )
        self._keep(record)
        return record, response

    def _keep(self, record: Record) -> None:
        with self._lock:
            self.records.append(record)

    def _read(self, session: requests.Session, client: int, path: str) -> None:
        record, _ = self._send(session, client, "GET", path, headers=self.read_headers)
        if not record.ok:
            time.sleep(_pause(record))

    def _write(self, session: requests.Session, client: int, title: str) -> None:
        write = Write(title=title, key=str(uuid.uuid4()))
        with self._lock:
            self.writes.append(write)
        body = {"title": title, "body": "Un paragraphe sous charge.", "language": "fr"}
        headers = {**self.write_headers, "Idempotency-Key": write.key}
        give_up, conflicts = time.monotonic() + self.retry_for, 0
        while True:
            write.attempts += 1
            record, response = self._send(
                session, client, "POST", "/v1/articles", key=write.key, json=body, headers=headers
            )
            if record.ok:
                write.id = response.json()["data"]["id"]
                return
            conflicts += record.status == 409
            retryable = record.status in (None, 503) or (
                record.status == 409 and record.retry_after and conflicts <= CONFLICT_RETRIES
            )
            if not retryable or time.monotonic() > give_up:
                write.rejected = record.outcome
                return
            time.sleep(_pause(record))

    # --- figures

    def between(self, start: float, end: float) -> list[Record]:
        """The exchanges that overlapped [start, end]."""
        return [r for r in self.records if r.ended >= start and r.started <= end]

    @staticmethod
    def operations(records: list[Record]) -> int:
        """How many operations these exchanges are: a write's tries count once."""
        return len({r.key if r.key is not None else id(r) for r in records})

    @property
    def acknowledged(self) -> dict[str, str]:
        """Acknowledged article ids → their titles."""
        return {w.id: w.title for w in self.writes if w.id is not None}

    def figures(self) -> dict:
        latencies = sorted(r.latency for r in self.records)
        errors = Counter(r.outcome for r in self.records if not r.ok)
        return {
            "requests": len(self.records),
            "seconds": round(getattr(self, "stopped", time.monotonic()) - self.started, 1),
            "statuses": dict(sorted(Counter(r.outcome for r in self.records).items())),
            "errors": sum(errors.values()),
            "errors_by_status": dict(sorted(errors.items())),
            "writes": len(self.writes),
            "acknowledged": len(self.acknowledged),
            "retried_writes": sum(w.attempts > 1 for w in self.writes),
            "replayed": sum(r.replayed for r in self.records),
            "unacknowledged": sum(w.id is None for w in self.writes),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "max_ms": round((latencies[-1] if latencies else 0) * 1000, 1),
        }


def percentile(sorted_values: list[float], rank: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(rank / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def _pause(record: Record) -> float:
    try:
        asked = float(record.retry_after) if record.retry_after else 0.2
    except ValueError:
        asked = 0.2
    return min(asked, RETRY_PAUSE_CAP)


def _name(error: BaseException) -> str:
    """What went wrong underneath requests' and urllib3's wrappers: RemoteDisconnected,
    ConnectionResetError, ReadTimeout…"""
    inner = next((arg for arg in error.args if isinstance(arg, BaseException)), None)
    inner = inner or error.__cause__ or error.__context__
    return _name(inner) if inner is not None else type(error).__name__
