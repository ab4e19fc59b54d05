"""The scan: discover -> reuse what is known -> analyse the rest in parallel -> manifest.

Reuse, cheapest first, so that only new content is ever decoded:

1. *Journal by stat*: an interrupted scan's journal (``<output>.partial``) holds every record it
   completed with the file's (size, mtime, ctime, inode) at the time; an unchanged file is taken
   from it without being read. A remote source supplies its own stat keys
   (``Discovery.stat_keys``: an object's size and ETag from the bucket listing).
2. *Git blob id*: in a git work tree, a tracked file equal to its index copy has a known blob id
   (:mod:`imgeda_ci.scan.gitindex`); a cached record with that ``git_oid`` is reused unread.
   Fresh CI checkouts and renames cost nothing.
3. *Content hash*: workers read and hash the bytes; a SHA-256 already in a cache (the previous
   output, ``--cache`` manifests, the journal) skips the decode.

Crash safety: each completed record is appended to the journal and flushed at once, so a
``kill -9`` loses at most the records in flight. The final manifest is written sorted by path
to a temporary file and renamed over the output (atomic), then the journal is removed. A re-run
after a crash continues from the journal and gives the same bytes as an uninterrupted scan.
A full disk while writing leaves the previous manifest and the journal (one-line error). One
scan at a time writes an output (:mod:`imgeda_ci.scan.lock`): the journal is its alone.
Memory: the parent keeps a file offset per record, never the records themselves.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgeda_ci import manifest
from imgeda_ci.errors import UserError
from imgeda_ci.model import ImageRecord
from imgeda_ci.scan import gitindex, reuse, writing
from imgeda_ci.scan.analyze import finalize
from imgeda_ci.scan.discover import Discovery
from imgeda_ci.scan.journal import Journal, journal_path
from imgeda_ci.scan.lock import OutputLock
from imgeda_ci.scan.pool import Executor, InlineExecutor, Job, LocalPool
from imgeda_ci.scan.progress import Progress
from imgeda_ci.scan.reuse import Plan, StatKey
from imgeda_ci.scan.settings import Settings
from imgeda_ci.scan.store import RecordStore
from imgeda_ci.scan.writing import Annotator

__all__ = ["Annotator", "ExecutorFactory", "ScanStats", "default_executor", "journal_path", "scan"]

#: Below this many files to analyse, work in-process: a pool's start-up would cost more.
INLINE_MAX = 4

#: Builds the executor once the content hashes already known (the cache) and the number of files
#: to analyse are known: how a caller chooses another executor (Dask, downloads) and still gets
#: the same reuse by content as the local pool.
ExecutorFactory = Callable[[frozenset[str], int], Executor]


@dataclass
class ScanStats:
    images: int = 0
    analysed: int = 0  # decoded in this run
    reused_journal: int = 0
    reused_git: int = 0
    reused_content: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    worker_restarts: int = 0
    warnings: list[str] = field(default_factory=list)
    #: the manifest's records, when the caller asked to keep them (saves reading it again)
    records: list[ImageRecord] | None = None

    @property
    def reused(self) -> int:
        return self.reused_journal + self.reused_git + self.reused_content


def default_executor(
    settings: Settings, workers: int | None, known: frozenset[str], njobs: int
) -> Executor:
    """In-process for a handful of files or one worker, else the local process pool."""
    n = workers or os.cpu_count() or 1
    if njobs <= INLINE_MAX or n == 1:
        return InlineExecutor(settings, known)
    return LocalPool(settings, min(n, njobs), known)


def _store(
    settings: Settings,
    caches: Sequence[Path],
    records: Sequence[ImageRecord],
    lines: Sequence[bytes] | None,
    output: Path | None,
) -> RecordStore:
    """The records a scan may reuse: ``--cache`` manifests, records the caller holds in memory
    (with their ``lines`` when this version of imgeda-ci wrote them), and the existing output
    (``output``; None when the caller knows it is ``records`` already)."""
    store = RecordStore(settings.hash)
    for cache in caches:
        if not cache.exists():
            raise UserError(f"--cache {cache}: no such file")
        store.add_manifest(cache)
    if records:
        store.add_records(records, lines)  # type: ignore[arg-type]
    if output is not None and output.exists():
        store.add_manifest(output)
    return store


def scan(
    discovery: Discovery,
    output: Path,
    *,
    settings: Settings,
    workers: int | None = None,
    caches: Sequence[Path] = (),
    use_git: bool = True,
    annotate: Annotator | None = None,
    dataset_facts: dict[str, Any] | None = None,
    root_label: str | None = None,
    timestamp: str | None = None,
    progress: bool = True,
    executor: Executor | None = None,
    make_executor: ExecutorFactory | None = None,
    collect: bool = False,
    cache_records: Sequence[ImageRecord] = (),
    cache_lines: Sequence[bytes] | None = None,
    output_as_cache: bool = True,
) -> ScanStats:
    """Scan ``discovery.paths`` under ``discovery.root`` into the manifest ``output``.

    ``annotate``: the dataset layout's (splits, labels) of many paths at once.
    ``collect``: also return the written records in ``ScanStats.records``. ``cache_records``:
    records of a manifest made with the same settings, already parsed (reused like ``caches``);
    ``cache_lines``: their lines as written by this version of imgeda-ci (a record that
    needs no change is then written, and collected, as it is). ``output_as_cache``: reuse the
    records of an existing ``output`` (False when the caller knows they are ``cache_records``
    already)."""
    with OutputLock(output):  # one scan at a time writes this output
        store = _store(
            settings, caches, cache_records, cache_lines, output if output_as_cache else None
        )
        journal = Journal(output, store)
        stats = ScanStats(
            images=len(discovery.paths), warnings=[*discovery.warnings, *store.ignored]
        )
        stat_key = reuse.stat_keys(discovery)
        where = reuse.plan(
            discovery.paths, journal.entries, store, _blob_ids(discovery, use_git), stat_key
        )
        stats.reused_journal, stats.reused_git = where.reused_journal, where.reused_git
        if executor is None:
            known, njobs = frozenset(store.by_sha), len(where.todo)
            make = make_executor or (lambda k, n: default_executor(settings, workers, k, n))
            executor = make(known, njobs)
        _analyse(discovery, where, store, journal, executor, stat_key, stats, progress)
        stats.errors.update(where.codes.values())
        head = writing.header(
            len(discovery.paths),
            stats.errors,
            settings,
            root=root_label if root_label is not None else discovery.root.as_posix(),
            warnings=discovery.warnings,
            dataset_facts=dataset_facts,
            timestamp=timestamp,
        )
        stats.records = [] if collect else None
        body = writing.lines(discovery.paths, where, store, annotate, stats.records)
        manifest.write_lines(output, head, body)
        store.close()
        journal.remove()
    return stats


def _blob_ids(discovery: Discovery, use_git: bool) -> dict[str, str]:
    """The paths' clean git blob ids: the source's own, else the work tree's index."""
    if discovery.oids is not None:
        return discovery.oids
    return gitindex.clean_blob_ids(discovery.root) if use_git and discovery.local else {}


def _analyse(
    discovery: Discovery,
    where: Plan,
    store: RecordStore,
    journal: Journal,
    executor: Executor,
    stat_key: StatKey,
    stats: ScanStats,
    progress: bool,
) -> None:
    """Analyse the files ``where.todo`` with ``executor``, journal each result and note where
    its record is. A file's stat key is taken as its job is made, before the file is read, and
    kept only until its result is in."""
    paths = discovery.paths
    pending: dict[int, str | None] = {}

    def jobs() -> Iterator[Job]:  # made as the executor asks
        for i in where.todo:
            known = where.known_keys
            pending[i] = known.pop(i) if i in known else stat_key(paths[i])
            yield Job(i, discovery.locator(paths[i]))

    bar = Progress(len(where.todo), enabled=progress)
    try:
        for idx, rec in executor.run(jobs()):
            _take(idx, paths[idx], rec, pending.pop(idx, None), where, store, journal, stats)
            bar.advance()
    finally:
        bar.close()
        journal.close()
    if isinstance(executor, LocalPool):
        stats.worker_restarts = executor.restarts


def _take(
    idx: int,
    rel: str,
    rec: ImageRecord,
    stat: str | None,
    where: Plan,
    store: RecordStore,
    journal: Journal,
    stats: ScanStats,
) -> None:
    """Journal one result: a reference to a record already known by content, or the new one."""
    if rec.get("cached"):
        sha = str(rec["sha256"])
        where.source(idx, store.by_sha[sha])
        if sha in store.codes:
            where.codes[rel] = store.codes[sha]
        journal.append({"path": rel, "_ref": sha, "_stat": stat})
        stats.reused_content += 1
        return
    finalize(rec, rel)
    entry: dict[str, Any] = dict(rec)
    entry["_stat"] = stat
    where.source(idx, (journal.fidx, journal.append(entry)))
    err = entry.get("error")
    if err:
        where.codes[rel] = str(err["code"])
    stats.analysed += 1
