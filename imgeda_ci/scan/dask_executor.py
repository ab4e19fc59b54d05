"""Run the per-image analysis on a Dask cluster (``--executor dask``).

The parent keeps everything that needs one place: discovery, the journal, reuse by content, the
final sorted manifest and the dataset checks. Workers get batches of locators (a local path
that they can see, or a bucket URL they read with their own credentials), run
:func:`imgeda_ci.scan.analyze.analyze_path` on each, and send the records back; the parent
streams them into the journal as batches complete (``as_completed``), so a resume after a crash
works exactly as with the local pool. The content hashes already known are scattered to every
worker once, so a worker skips the decode of a known image just as a local worker does.

Failures: a worker that dies (killed, out of memory, a segfault in a codec) loses only its
running batches, which the scheduler gives to another worker. A batch that keeps killing
workers (Dask's ``KilledWorker``) is split into one task per file, and a file that still kills
its worker gets a ``worker_crashed`` record, as in the local pool. A task that raises (it should
not: the analysis never raises per image) is retried ``retries`` times; an error that persists
(e.g. imgeda-ci missing on the workers) stops the scan with one line.

Not enforced on Dask: the per-image time limit. Workers run tasks in threads, where the alarm
used by the local pool cannot fire; a decoder stuck in C code holds its worker thread.

``dask.distributed`` is imported here only, and only when a scan uses it.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from imgeda_ci.errors import UserError
from imgeda_ci.model import ImageRecord
from imgeda_ci.scan.failures import failure_record
from imgeda_ci.scan.pool import Job
from imgeda_ci.scan.settings import Settings

_MAX_BATCH = 32
_WINDOW = 4  # batches in flight per worker thread: enough to hide latency, bounded memory


def analyze_batch(
    items: Sequence[tuple[int, str]], settings: Settings, known: frozenset[str]
) -> list[tuple[int, ImageRecord]]:
    """Worker side: analyse each (index, locator) of a batch."""
    from imgeda_ci.scan.analyze import analyze_path

    return [(index, analyze_path(loc, settings, known)) for index, loc in items]


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UserError(
            "--executor dask needs dask.distributed: pip install 'imgeda-ci[dask]'"
        ) from None
    return distributed


def local_cluster(workers: int) -> Any:
    """A LocalCluster of ``workers`` single-threaded processes on loopback, tuned for image work.

    Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in its workers, which turns off glibc's
    adaptive mmap threshold: every decoded image buffer then becomes a fresh mmap, zeroed page
    by page. That doubled the analysis time per image here (0.68 s -> 1.49 s for 100 photos in
    one process), so the clusters imgeda-ci starts leave it out. For a cluster of your own,
    remove it from ``distributed.nanny.pre-spawn-environ`` in the workers' Dask config.
    """
    dd = _distributed()
    import dask.config

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        return dd.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # the scheduler's HTTP routes on a free loopback port; no dashboard
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
            silence_logs=logging.ERROR,
        )


def batch_size(njobs: int, threads: int) -> int:
    """Files per task: about 4 tasks per worker thread, at most 32 files each."""
    return max(1, min(_MAX_BATCH, math.ceil(njobs / max(1, threads * 4))))


class DaskExecutor:
    """An :class:`~imgeda_ci.scan.pool.Executor` on dask.distributed (see the module doc).

    ``scheduler`` is a scheduler address (``tcp://host:8786``) or ``"local"`` for a
    LocalCluster of ``workers`` single-threaded processes on loopback, started and stopped by
    the scan.
    """

    def __init__(
        self,
        settings: Settings,
        known: frozenset[str] = frozenset(),
        *,
        scheduler: str = "local",
        workers: int | None = None,
        batch: int | None = None,
        retries: int = 2,
        connect_timeout: float = 30.0,
    ) -> None:
        self.settings = settings
        self.known = known
        self.scheduler = scheduler
        self.workers = workers
        self.batch = batch
        self.retries = retries
        self.connect_timeout = connect_timeout
        self.restarts = 0  # batches re-run one file per task after killing workers
        _distributed()  # fail fast, before any file is read

    def _connect(self) -> tuple[Any, Any]:
        dd = _distributed()
        if self.scheduler == "local":
            cluster = local_cluster(self.workers or os.cpu_count() or 1)
            return dd.Client(cluster, set_as_default=False), cluster
        try:
            return dd.Client(
                self.scheduler, timeout=f"{self.connect_timeout:g}s", set_as_default=False
            ), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserError(f"--scheduler {self.scheduler}: cannot connect: {exc}") from None

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[int, ImageRecord]]:
        todo = [(job.index, job.locator) for job in jobs]
        if not todo:
            return
        client, cluster = self._connect()
        try:
            yield from self._run(client, todo)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _run(self, client: Any, todo: list[tuple[int, str]]) -> Iterator[tuple[int, ImageRecord]]:
        dd = _distributed()
        threads = sum(client.nthreads().values()) or 1
        size = self.batch or batch_size(len(todo), threads)
        pending = [todo[i : i + size] for i in range(0, len(todo), size)]
        pending.reverse()  # popped from the end: submitted in order
        known = client.scatter([self.known], broadcast=True, hash=False)[0]
        window = max(2, threads * _WINDOW)
        futures = dd.as_completed(loop=client.loop)
        batch_of: dict[Any, list[tuple[int, str]]] = {}

        def submit(items: list[tuple[int, str]]) -> None:
            fut = client.submit(
                analyze_batch, items, self.settings, known, retries=self.retries, pure=False
            )
            batch_of[fut] = items
            futures.add(fut)

        while pending and len(batch_of) < window:
            submit(pending.pop())
        for fut in futures:
            items = batch_of.pop(fut)
            if fut.status == "finished":
                yield from fut.result()
            elif fut.status == "error":
                exc = fut.exception()
                if not isinstance(exc, dd.KilledWorker):
                    raise UserError(f"a Dask task failed: {type(exc).__name__}: {exc}")
                if len(items) > 1:
                    self.restarts += 1
                    for item in items:
                        submit([item])
                else:
                    yield items[0][0], self._crashed(items[0][1])
            else:  # cancelled: the scheduler went away
                raise UserError("the Dask scheduler cancelled the scan's tasks")
            fut.release()
            while pending and len(batch_of) < window:
                submit(pending.pop())

    def _crashed(self, locator: str) -> ImageRecord:
        message = "the Dask workers analysing this file died repeatedly"
        return failure_record(locator, "worker_crashed", message, self.settings.depth)
