"""Download many URLs politely: a global concurrency limit, a per-host limit, timeouts, a size
limit, and retries with exponential backoff.

One thread pool does the transfers; one scheduler (the caller's thread, in :func:`download_all`)
decides what runs next: round-robin over the hosts that are below their limit, so a list that
is mostly one host does not starve the others and no host gets more than ``per_host``
connections. A transient failure (a timeout, a refused or reset connection, HTTP 429 or 5xx) is
put back with a not-before time (exponential backoff with jitter, or the server's
``Retry-After`` when it asks for longer, up to ``max_backoff``); a thread never sleeps.

The body is streamed to a file in chunks while its SHA-256 is computed, so memory does not hold
whole images and the content-addressed name is known when the last byte arrives. A body larger
than ``max_bytes`` is refused from its ``Content-Length`` before reading, or as soon as the
streamed bytes pass it. ``http(s)://`` goes through urllib (no extra package); other URL schemes
in a list (``s3://``) are read through fsspec with the same limits.
"""

from __future__ import annotations

import hashlib
import heapq
import http.client
import os
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from imgeda_ci import __version__
from imgeda_ci.model import ErrorInfo
from imgeda_ci.scan.remote import (
    DEFAULT_MAX_BYTES,
    backoff_delay,
    read_remote,
    remote_locator,
    scrub,
    too_large_error,
)

_CHUNK = 64 << 10
_USER_AGENT = f"imgeda-ci/{__version__} (+image dataset quality gate)"


@dataclass(frozen=True)
class Limits:
    concurrency: int = 16  # transfers at once, all hosts together
    per_host: int = 4  # transfers at once to one host
    timeout: float = 30.0  # seconds for one attempt: connect, headers and the whole body
    max_bytes: int = DEFAULT_MAX_BYTES
    retries: int = 3  # extra attempts after a transient failure
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    max_backoff: float = 30.0

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.per_host < 1:
            raise ValueError("--concurrency and --per-host must be at least 1")
        if self.timeout <= 0:
            raise ValueError("--download-timeout must be positive")
        if self.max_bytes < 1:
            raise ValueError("--max-bytes must be positive")
        if self.retries < 0:
            raise ValueError("--retries must not be negative")


@dataclass
class Fetched:
    """The outcome of one attempt. ``path`` holds the body when it succeeded."""

    path: Path | None = None
    sha256: str | None = None
    size: int = -1
    error: ErrorInfo | None = None
    retry_after: float | None = None  # set on a transient failure: the server's wish, or 0


def _error(code: str, message: str) -> ErrorInfo:
    return {"code": code, "message": message[:300]}


def _retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return 0.0


class _Deadline(Exception):
    pass


def _opener() -> urllib.request.OpenerDirector:
    # the default handlers (proxies from the environment, redirects within http/https)
    return urllib.request.build_opener()


def _fetch_http(url: str, limits: Limits, spool: Path) -> Fetched:
    req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT, "Accept": "image/*"})
    fd, tmp = tempfile.mkstemp(dir=spool, suffix=".part")
    got = Fetched()
    try:
        with os.fdopen(fd, "wb") as out, _opener().open(req, timeout=limits.timeout) as resp:
            got = _stream(resp, out, limits, time.monotonic() + limits.timeout)
    except (_Deadline, OSError, http.client.HTTPException, ValueError) as exc:
        got = _http_failure(exc, limits)
    finally:
        if got.sha256 is None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    if got.sha256 is not None:
        got.path = Path(tmp)
    return got


def _stream(resp: Any, out: IO[bytes], limits: Limits, deadline: float) -> Fetched:
    """Copy a response's body to ``out`` while hashing it, within the size and time limits."""
    length = resp.headers.get("Content-Length")
    declared = int(length) if length and length.isdigit() else None
    if declared is not None and declared > limits.max_bytes:
        return Fetched(size=declared, error=too_large_error(declared, limits.max_bytes))
    sha = hashlib.sha256()
    size = 0
    read = resp.read1 if hasattr(resp, "read1") else resp.read
    while True:
        if time.monotonic() > deadline:
            raise _Deadline
        chunk = read(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limits.max_bytes:
            return Fetched(error=too_large_error(None, limits.max_bytes))
        sha.update(chunk)
        out.write(chunk)
    return Fetched(sha256=sha.hexdigest(), size=size)


def _http_failure(exc: BaseException, limits: Limits) -> Fetched:
    """The outcome of a failed HTTP attempt; ``retry_after`` set when it is worth a retry."""
    if isinstance(exc, urllib.error.HTTPError):
        status = exc.code
        exc.close()
        if status in (404, 410):
            return Fetched(error=_error("not_found", f"HTTP {status} {exc.reason}"))
        err = _error("http_error", f"HTTP {status} {exc.reason}")
        if status == 429 or status >= 500:
            return Fetched(error=err, retry_after=_retry_after(exc.headers.get("Retry-After")))
        return Fetched(error=err)
    if isinstance(exc, _Deadline | TimeoutError):
        return Fetched(error=_timeout(limits), retry_after=0.0)
    if isinstance(exc, urllib.error.URLError):
        if isinstance(exc.reason, TimeoutError):
            return Fetched(error=_timeout(limits), retry_after=0.0)
        msg = scrub(str(exc.reason))
        if isinstance(exc.reason, str) or "unknown url type" in msg:
            return Fetched(error=_error("download_error", msg))  # not worth a retry
        return Fetched(error=_error("download_error", msg), retry_after=0.0)
    if isinstance(exc, OSError | http.client.HTTPException):
        msg = scrub(f"{type(exc).__name__}: {exc}")
        return Fetched(error=_error("download_error", msg), retry_after=0.0)
    return Fetched(error=_error("download_error", scrub(str(exc))))  # a malformed URL


def _timeout(limits: Limits) -> ErrorInfo:
    return _error(
        "download_timeout",
        f"no complete answer within {limits.timeout:g} s; see --download-timeout",
    )


def _fetch_fsspec(url: str, limits: Limits, spool: Path) -> Fetched:
    # fsspec backends retry on their own; one attempt here, so the counts do not multiply
    data, err = read_remote(remote_locator(url, limits.max_bytes), retries=0)
    if data is None:
        assert err is not None
        if err["code"] == "vanished":
            err = _error("not_found", "no such object")
        transient = err["code"] in ("download_error", "download_timeout")
        return Fetched(error=err, retry_after=0.0 if transient else None)
    fd, tmp = tempfile.mkstemp(dir=spool, suffix=".part")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return Fetched(path=Path(tmp), sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def fetch(url: str, limits: Limits, spool: Path) -> Fetched:
    """One attempt at ``url``; the body goes to a new file in ``spool``. Never raises."""
    scheme = url.partition("://")[0].lower()
    if scheme in ("http", "https"):
        return _fetch_http(url, limits, spool)
    return _fetch_fsspec(url, limits, spool)


def host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.hostname or ''}:{parts.port or ''}"


@dataclass
class _Task:
    index: int
    url: str
    host: str
    attempt: int = 0


class _Scheduler:
    """What runs next: tasks queued per host, taken round-robin from the hosts below their
    limit; retries wait in a heap until their not-before time."""

    def __init__(self, urls: Iterable[tuple[int, str]], limits: Limits) -> None:
        self.limits = limits
        self.source = iter(urls)
        self.exhausted = False
        self.queues: dict[str, deque[_Task]] = {}
        self.hosts: deque[str] = deque()  # round-robin order of hosts with queued work
        self.queued = 0
        self.later: list[tuple[float, int, _Task]] = []  # (not before, tie-break, task): retries
        self.seq = 0
        self.busy: dict[str, int] = {}
        self.running: dict[Future[Fetched], _Task] = {}
        self.buffer = max(1024, limits.concurrency * 64)

    def _enqueue(self, task: _Task) -> None:
        q = self.queues.get(task.host)
        if q is None:
            q = self.queues[task.host] = deque()
            self.hosts.append(task.host)
        q.append(task)
        self.queued += 1

    def refill(self) -> None:
        """Queue URLs from the source up to the buffer's size, and the retries now due."""
        while not self.exhausted and self.queued < self.buffer:
            item = next(self.source, None)
            if item is None:
                self.exhausted = True
            else:
                self._enqueue(_Task(item[0], item[1], host_of(item[1])))
        now = time.monotonic()
        while self.later and self.later[0][0] <= now:
            self._enqueue(heapq.heappop(self.later)[2])

    def _next(self) -> _Task | None:
        """The next task of the first host, round-robin, that is below its limit."""
        for _ in range(len(self.hosts)):
            host = self.hosts[0]
            self.hosts.rotate(-1)
            if self.busy.get(host, 0) >= self.limits.per_host:
                continue
            q = self.queues[host]
            task = q.popleft()
            self.queued -= 1
            if not q:
                del self.queues[host]
                self.hosts.remove(host)
            self.busy[host] = self.busy.get(host, 0) + 1
            return task
        return None

    def start(self, pool: ThreadPoolExecutor, spool: Path) -> None:
        """Start transfers up to the global limit."""
        while len(self.running) < self.limits.concurrency:
            task = self._next()
            if task is None:
                return
            self.running[pool.submit(fetch, task.url, self.limits, spool)] = task

    @property
    def finished(self) -> bool:
        return not self.running and not self.later and not self.queued and self.exhausted

    def wait(self) -> set[Future[Fetched]]:
        """Wait for a transfer to end, or until the first retry is due."""
        later = self.later
        wait_for = None if not later else max(0.0, later[0][0] - time.monotonic())
        if self.running:
            done, _ = wait(list(self.running), timeout=wait_for, return_when=FIRST_COMPLETED)
            return done
        time.sleep(min(wait_for or 0.05, 0.2))
        return set()

    def settle(self, fut: Future[Fetched]) -> tuple[_Task, Fetched] | None:
        """A transfer's end: the task and its outcome when it is final, else None (the task
        waits for a retry: exponential backoff, or the server's wish when longer)."""
        limits = self.limits
        task = self.running.pop(fut)
        self.busy[task.host] -= 1
        got = fut.result()
        if got.retry_after is not None and task.attempt < limits.retries:
            delay = backoff_delay(task.attempt, limits.backoff, limits.max_backoff)
            delay = max(delay, min(got.retry_after, limits.max_backoff))
            task.attempt += 1
            self.seq += 1
            heapq.heappush(self.later, (time.monotonic() + delay, self.seq, task))
            return None
        if got.error is not None and task.attempt:
            got.error = _error(
                got.error["code"], f"{got.error['message']} (after {task.attempt} retries)"
            )
        return task, got

    def cancel(self) -> None:
        """Cancel the transfers not started; delete the bodies of those that completed."""
        for fut in self.running:
            fut.cancel()
        for fut in self.running:
            if not fut.cancelled():
                try:
                    got = fut.result()
                except Exception:
                    continue
                if got.path is not None:
                    got.path.unlink(missing_ok=True)


def download_all(
    urls: Iterable[tuple[int, str]],
    limits: Limits,
    spool: Path,
    *,
    stop: threading.Event | None = None,
) -> Iterator[tuple[int, str, Fetched]]:
    """Download ``(index, url)`` pairs; yield ``(index, url, outcome)`` as each one finishes for
    good (downloaded, or failed after its retries). The caller owns the files in ``spool``."""
    plan = _Scheduler(urls, limits)
    with ThreadPoolExecutor(limits.concurrency, thread_name_prefix="imgeda-dl") as pool:
        try:
            while stop is None or not stop.is_set():
                plan.refill()
                plan.start(pool, spool)
                if plan.finished:
                    return
                for fut in plan.wait():
                    final = plan.settle(fut)
                    if final is not None:
                        yield final[0].index, final[0].url, final[1]
        finally:
            plan.cancel()
