"""Executors: run :func:`analyze_path` over many files and yield results as they complete.

``LocalPool`` is a small process pool written for this job rather than
``concurrent.futures``: every worker has its own pipe, so the parent knows which file each worker
is on. A worker that exceeds the per-image time limit (a decoder stuck in C code, where the
in-worker alarm cannot fire) is killed and replaced, and only that file gets a ``timeout``
record; a worker that dies (a segfault in a codec, the out-of-memory killer) costs only its
current file a ``worker_crashed`` record, and the log one line naming the file and the cause.
Nothing else is lost or repeated. A Python exception never ends a worker: the analysis turns
every one into a record (:mod:`imgeda_ci.scan.failures`).

``InlineExecutor`` analyses in the calling process: no start-up cost, for small batches such as
a pre-commit hook's.
"""

from __future__ import annotations

import faulthandler
import multiprocessing as mp
import os
import pickle
import signal
import sys
import time
from collections import deque
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Protocol, TextIO

import orjson

from imgeda_ci.model import ImageRecord
from imgeda_ci.scan.analyze import analyze_path
from imgeda_ci.scan.failures import exit_cause, failure_record
from imgeda_ci.scan.settings import Settings

#: Extra seconds past the time limit before the parent kills a worker: the in-worker alarm
#: normally ends a slow decode first, with a clean record.
KILL_GRACE = 5.0
_PREFETCH = 2  # tasks queued per worker, so a worker never waits for the parent


@dataclass(frozen=True)
class Job:
    index: int  # the caller's id for this file
    locator: str  # what the worker opens (a local path)


class Executor(Protocol):
    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[int, ImageRecord]]: ...


class InlineExecutor:
    def __init__(self, settings: Settings, known: Container[str] = ()) -> None:
        self.settings = settings
        self.known = known

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[int, ImageRecord]]:
        for job in jobs:
            yield job.index, analyze_path(job.locator, self.settings, self.known)


def _quiet_stderr() -> None:
    """Send a worker's stderr to /dev/null. What C libraries print there on damaged data
    (libtiff: "ZIPDecode: Decoding error at scanline 0", without the file's name) is noise in
    the scan's log; the record holds the error, and the parent tells of a worker's death."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _worker_main(conn: Connection, settings: Settings, known: Container[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    faulthandler.disable()  # a codec's segfault: one line from the parent, not a stack dump
    _quiet_stderr()
    try:
        while True:
            msg = conn.recv()
            if msg is None:
                break
            if not isinstance(msg, tuple):  # a started worker learns the known content
                known = msg
                continue
            index, locator = msg
            rec = analyze_path(locator, settings, known)
            conn.send_bytes(orjson.dumps([index, rec]))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass


@dataclass
class _Worker:
    proc: BaseProcess
    conn: Connection
    inflight: deque[tuple[Job, float]] = field(default_factory=deque)
    head_started: float = 0.0


class LocalPool:
    """A process pool with per-file deadlines and crash isolation (see module doc)."""

    def __init__(
        self,
        settings: Settings,
        workers: int,
        known: Container[str] = (),
        *,
        kill_grace: float = KILL_GRACE,
        log: TextIO | None = None,
    ) -> None:
        self.settings = settings
        self.kill_grace = kill_grace
        #: where a worker's death is told, one line per death (default: stderr)
        self.log = log
        self.n = max(1, workers)
        self.known = known
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self.ctx: Any = mp.get_context(method)
        self.restarts = 0
        self._started: list[_Worker] = []

    def start(self) -> LocalPool:
        """Start the workers now, before :meth:`run`: forked while this process is small, they
        cost little to make and nothing in copy-on-write later, when it holds a large manifest
        (:mod:`imgeda_ci.ci` starts its pool first). :attr:`known` may still be set before
        :meth:`run`, which sends it. Call :meth:`close` if :meth:`run` may not come."""
        if not self._started:
            self._started = [self._spawn() for _ in range(self.n)]
        return self

    def close(self) -> None:
        """Stop workers started by :meth:`start` that :meth:`run` has not taken."""
        workers, self._started = self._started, []
        _stop(workers)

    def _spawn(self) -> _Worker:
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(
            target=_worker_main, args=(child, self.settings, self.known), daemon=True
        )
        proc.start()
        child.close()
        return _Worker(proc, parent)

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[int, ImageRecord]]:
        workers, self._started = self._started, []
        if workers and self.known:
            known = pickle.dumps(self.known, protocol=pickle.HIGHEST_PROTOCOL)
            for w in workers:
                w.conn.send_bytes(known)
        run = _Dispatch(self, jobs, workers or [self._spawn() for _ in range(self.n)])
        try:
            while True:
                run.refill()
                busy = run.feed()
                if not busy:
                    break
                ready = run.wait(busy)
                for i in range(len(run.workers)):
                    got = run.collect(i, ready)
                    if got is not None:
                        yield got
        finally:
            _stop(run.workers)


class _Dispatch:
    """One :meth:`LocalPool.run`: the jobs queued for the workers, and each worker's files in
    flight, the first of which has a deadline."""

    def __init__(self, pool: LocalPool, jobs: Iterable[Job], workers: list[_Worker]) -> None:
        self.pool = pool
        self.settings = pool.settings
        self.workers = workers
        self.todo: deque[Job] = deque()
        self.source = iter(jobs)
        self.exhausted = False
        self.limit = pool.settings.timeout + pool.kill_grace

    def refill(self) -> None:
        while not self.exhausted and len(self.todo) < self.pool.n * _PREFETCH:
            job = next(self.source, None)
            if job is None:
                self.exhausted = True
            else:
                self.todo.append(job)

    def feed(self) -> list[_Worker]:
        """Give each worker jobs up to its prefetch; return the workers with jobs in flight."""
        for i in range(len(self.workers)):
            while self.todo and len(self.workers[i].inflight) < _PREFETCH:
                if not self._send(i, self.todo.popleft()):
                    break
        return [w for w in self.workers if w.inflight]

    def _send(self, i: int, job: Job) -> bool:
        """Queue ``job`` on worker ``i``; False when the worker has died since the last
        :meth:`collect`, which then records the file it died on. A worker found dead with
        nothing in flight (killed from outside) is replaced, and ``job`` goes back first."""
        w = self.workers[i]
        if not w.inflight:
            w.head_started = time.monotonic()
        w.inflight.append((job, time.monotonic()))
        try:
            w.conn.send((job.index, job.locator))
        except OSError:  # a broken pipe: the worker is gone
            if len(w.inflight) > 1:
                return False
            w.inflight.clear()
            self.todo.appendleft(job)
            self._replace(i)
        return True

    def wait(self, busy: list[_Worker]) -> list[Any]:
        """The connections with a result, waiting at most until the first deadline."""
        next_deadline = min(w.head_started + self.limit for w in busy)
        return wait([w.conn for w in busy], timeout=max(0.0, next_deadline - time.monotonic()))

    def _replace(self, i: int) -> None:
        """Kill worker ``i`` and start another; the files queued behind the failed one go back
        to the front, in order."""
        w = self.workers[i]
        try:
            w.proc.kill()
        except Exception:
            pass
        w.proc.join(1)
        w.conn.close()
        self.pool.restarts += 1
        for job, _ in reversed(list(w.inflight)[1:]):
            self.todo.appendleft(job)
        self.workers[i] = self.pool._spawn()

    def collect(self, i: int, ready: list[Any]) -> tuple[int, ImageRecord] | None:
        """Worker ``i``'s result when it has one; a failure record for its file when it died or
        passed its deadline (and it is replaced); else None."""
        w = self.workers[i]
        if not w.inflight:
            return None
        if w.conn in ready:
            try:
                raw = w.conn.recv_bytes()
            except (EOFError, OSError):
                job, _ = w.inflight[0]
                w.proc.join(1)  # reaped, so that its exit code says why it died
                message = f"the worker analysing this file died: {exit_cause(w.proc.exitcode)}"
                self._replace(i)
                log = self.pool.log or sys.stderr
                print(f"imgeda-ci: {job.locator}: {message}; recorded as worker_crashed", file=log)
                return job.index, self._failure(job, "worker_crashed", message)
            index, rec = orjson.loads(raw)
            w.inflight.popleft()
            w.head_started = time.monotonic()
            return index, rec
        if time.monotonic() - w.head_started > self.limit:
            job, _ = w.inflight[0]
            message = (
                f"analysis took longer than {self.settings.timeout:g} s and was stopped; "
                "see --timeout"
            )
            self._replace(i)
            return job.index, self._failure(job, "timeout", message)
        return None

    def _failure(self, job: Job, code: str, message: str) -> ImageRecord:
        return failure_record(job.locator, code, message, self.settings.depth)


def _stop(workers: list[_Worker]) -> None:
    for w in workers:
        try:
            w.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
    for w in workers:
        w.proc.join(2)
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join(1)
        w.conn.close()
