"""Executors: run :func:`analyze_path` over many files and yield results as they complete.

``LocalPool`` is a small process pool written for this job rather than
``concurrent.futures``: every worker has its own pipe, so the parent knows which file each worker
is on. A worker that exceeds the per-image time limit (a decoder stuck in C code, where the
in-worker alarm cannot fire) is killed and replaced, and only that file gets a ``timeout``
record; a worker that dies (a segfault in a codec) costs only its current file a
``worker_crashed`` record. Nothing else is lost or repeated.

``InlineExecutor`` analyses in the calling process: no start-up cost, for small batches such as
a pre-commit hook's.
"""

from __future__ import annotations

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
from typing import Any, Protocol

import orjson

from imgeda_ci.model import ImageRecord
from imgeda_ci.scan.analyze import analyze_path
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


def _failure(job: Job, code: str, message: str, settings: Settings) -> ImageRecord:
    size = -1
    try:
        size = os.stat(job.locator).st_size
    except OSError:
        pass
    return {
        "size": size,
        "sha256": None,
        "git_oid": None,
        "depth": settings.depth,
        "error": {"code": code, "message": message},
    }


class InlineExecutor:
    def __init__(self, settings: Settings, known: Container[str] = ()) -> None:
        self.settings = settings
        self.known = known

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[int, ImageRecord]]:
        for job in jobs:
            yield job.index, analyze_path(job.locator, self.settings, self.known)


def _worker_main(conn: Connection, settings: Settings, known: Container[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
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
    ) -> None:
        self.settings = settings
        self.kill_grace = kill_grace
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
        todo: deque[Job] = deque()
        source = iter(jobs)
        exhausted = False
        workers, self._started = self._started, []
        if workers and self.known:
            known = pickle.dumps(self.known, protocol=pickle.HIGHEST_PROTOCOL)
            for w in workers:
                w.conn.send_bytes(known)
        workers = workers or [self._spawn() for _ in range(self.n)]
        limit = self.settings.timeout + self.kill_grace

        def refill() -> None:
            nonlocal exhausted
            while not exhausted and len(todo) < self.n * _PREFETCH:
                job = next(source, None)
                if job is None:
                    exhausted = True
                else:
                    todo.append(job)

        def feed(w: _Worker) -> None:
            while todo and len(w.inflight) < _PREFETCH:
                job = todo.popleft()
                if not w.inflight:
                    w.head_started = time.monotonic()
                w.inflight.append((job, time.monotonic()))
                w.conn.send((job.index, job.locator))

        def replace(w: _Worker) -> _Worker:
            try:
                w.proc.kill()
            except Exception:
                pass
            w.proc.join(1)
            w.conn.close()
            self.restarts += 1
            # the files queued behind the failed one go back to the front, in order
            for job, _ in reversed(list(w.inflight)[1:]):
                todo.appendleft(job)
            return self._spawn()

        try:
            while True:
                refill()
                for w in workers:
                    feed(w)
                busy = [w for w in workers if w.inflight]
                if not busy:
                    break
                now = time.monotonic()
                next_deadline = min(w.head_started + limit for w in busy)
                ready = wait([w.conn for w in busy], timeout=max(0.0, next_deadline - now))
                for i, w in enumerate(workers):
                    if not w.inflight:
                        continue
                    if w.conn in ready:
                        try:
                            raw = w.conn.recv_bytes()
                        except (EOFError, OSError):
                            job, _ = w.inflight[0]
                            code = w.proc.exitcode
                            yield (
                                job.index,
                                _failure(
                                    job,
                                    "worker_crashed",
                                    f"the worker analysing this file died (exit code {code})",
                                    self.settings,
                                ),
                            )
                            workers[i] = replace(w)
                            continue
                        index, rec = orjson.loads(raw)
                        w.inflight.popleft()
                        w.head_started = time.monotonic()
                        yield index, rec
                    elif time.monotonic() - w.head_started > limit:
                        job, _ = w.inflight[0]
                        yield (
                            job.index,
                            _failure(
                                job,
                                "timeout",
                                f"analysis took longer than {self.settings.timeout:g} s and was "
                                "stopped; see --timeout",
                                self.settings,
                            ),
                        )
                        workers[i] = replace(w)
        finally:
            _stop(workers)


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
