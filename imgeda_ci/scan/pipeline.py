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
Memory: the parent keeps a file offset per record, never the records themselves.
"""

from __future__ import annotations

import operator
import os
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import IO, Any

import orjson

from imgeda_ci import __version__, manifest
from imgeda_ci.errors import UserError
from imgeda_ci.model import SCHEMA_VERSION, ImageRecord, ManifestHeader
from imgeda_ci.scan import gitindex
from imgeda_ci.scan.analyze import CONTENT_ERRORS, finalize
from imgeda_ci.scan.discover import Discovery
from imgeda_ci.scan.pool import Executor, InlineExecutor, Job, LocalPool
from imgeda_ci.scan.progress import Progress
from imgeda_ci.scan.settings import Settings

JOURNAL_KEY = "imgeda_ci_journal"
#: Below this many files to analyse, work in-process: a pool's start-up would cost more.
INLINE_MAX = 4

#: (split, labels) for a path; supplied by the dataset-format layer.
Annotator = Callable[[str], tuple[str | None, dict[str, Any] | None]]
#: The same for many paths at once: (splits, labels), aligned with the paths.
BulkAnnotator = Callable[[Sequence[str]], tuple[list[str | None], list[dict[str, Any] | None]]]
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


def _stat_key(path: str) -> str | None:
    """What must be unchanged for a journal entry to stand for a file: size, mtime, ctime
    (a chmod changes it) and inode, as one compact string (memory per file matters at 1M)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def _canon_key(key: Any) -> str | None:
    """A source's stat key (e.g. a bucket's [size, ETag]) as the journal stores it."""
    if key is None or isinstance(key, str):
        return key
    return ":".join(str(k) for k in key)


#: the "file index" of records held in memory (:meth:`RecordStore.add_records`)
MEMORY = -2


class RecordStore:
    """Earlier records, addressable by (file, offset) and indexed by content."""

    def __init__(self, settings_hash: str) -> None:
        self.settings_hash = settings_hash
        self._files: list[IO[bytes]] = []
        self.by_sha: dict[str, tuple[int, int]] = {}
        self.by_oid: dict[str, str] = {}
        self.codes: dict[str, str] = {}  # sha -> error code, for records that have one
        self.ignored: list[str] = []
        self.journal_fidx = -1
        self.journal_end = 0
        self._mem: Sequence[dict[str, Any]] = ()
        self._mem_lines: Sequence[bytes] | None = None

    def _index(self, fidx: int, offset: int, obj: dict[str, Any]) -> None:
        sha = obj.get("sha256")
        if not sha or "_ref" in obj:
            return
        err = obj.get("error")
        if err and err.get("code") not in CONTENT_ERRORS:
            return
        if sha in self.by_sha:
            return
        self.by_sha[sha] = (fidx, offset)
        if err:
            self.codes[sha] = err["code"]
        oid = obj.get("git_oid")
        if oid:
            self.by_oid.setdefault(oid, sha)

    def add_records(
        self, records: Sequence[dict[str, Any]], lines: Sequence[bytes] | None = None
    ) -> None:
        """Index records already in memory (a manifest made with our settings, parsed by the
        caller): reading one back is a shallow copy, not a parse. ``lines``: each record as
        :func:`manifest.dumps` wrote it, when the caller vouches for that (see :meth:`as_is`).
        """
        self._mem = records
        self._mem_lines = lines
        if not self._index_plain(records):
            for k, obj in enumerate(records):
                self._index(MEMORY, k, obj)

    def _index_plain(self, records: Sequence[dict[str, Any]]) -> bool:
        """:meth:`_index` of every record at once, in C, for the usual in-memory manifest (no
        content indexed yet; every record a dict with a distinct SHA-256, no error, no
        ``_ref``); False, having changed nothing, for any other."""
        if self.by_sha or not records or set(map(type, records)) != {dict}:
            return False
        try:
            shas = list(map(operator.itemgetter("sha256"), records))
            errors = list(map(operator.itemgetter("error"), records))
            oids = list(map(operator.itemgetter("git_oid"), records))
        except KeyError:
            return False
        if (
            any(errors)
            or set(map(type, shas)) != {str}
            or "" in shas
            or any(map(operator.contains, records, repeat("_ref")))
        ):
            return False
        by_sha = dict(zip(shas, zip(repeat(MEMORY), range(len(records))), strict=True))
        if len(by_sha) != len(records):
            return False
        pairs = [(oid, sha) for oid, sha in zip(oids, shas, strict=True) if oid]
        self.by_sha = by_sha
        self.by_oid = {**dict(reversed(pairs)), **self.by_oid}  # the first of an oid holds
        return True

    @property
    def in_memory(self) -> bool:
        """Whether records held in memory were added (:meth:`add_records`)."""
        return bool(self._mem)

    def as_is(self, fidx: int, k: int, path: str) -> tuple[dict[str, Any], bytes] | None:
        """The in-memory record at ``(fidx, k)`` and its line, when that record is already the
        one for ``path`` (same path; path-dependent fields computed for it), else None."""
        if self._mem_lines is None or fidx != MEMORY:
            return None
        rec = self._mem[k]
        return (rec, self._mem_lines[k]) if rec.get("path") == path else None

    def as_is_all(
        self, files: Sequence[int], offsets: Sequence[int], paths: Sequence[str]
    ) -> list[int] | None:
        """:meth:`as_is` of every path at once: for each, the index of its in-memory record
        when that is already the record for the path, else -1 (None, having looked at nothing,
        when no lines are vouched for)."""
        if self._mem_lines is None:
            return None
        mem = self._mem
        ks = [k if f == MEMORY else -1 for f, k in zip(files, offsets, strict=True)]
        recs = [mem[k] if k >= 0 else _NO_RECORD for k in ks]
        same = map(operator.eq, map(_get, recs, repeat("path")), paths)
        return [k if ok else -1 for k, ok in zip(ks, same, strict=True)]

    def add_manifest(self, path: Path) -> None:
        """Index a manifest's records if its settings hash matches ours."""
        try:
            fh = path.open("rb")
        except OSError:
            return
        first = fh.readline()
        try:
            header = orjson.loads(first)
        except orjson.JSONDecodeError:
            fh.close()
            self.ignored.append(f"{path}: not a manifest; cache ignored")
            return
        if not isinstance(header, dict) or header.get("settings_hash") != self.settings_hash:
            fh.close()
            self.ignored.append(f"{path}: made with other analysis settings; cache ignored")
            return
        fidx = len(self._files)
        self._files.append(fh)
        offset = len(first)
        for line in fh:
            if not line.endswith(b"\n"):
                break  # torn tail
            facts = _quick_facts(line)
            if facts is None:  # not in the writer's own layout: parse it
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError:
                    break
                if isinstance(obj, dict):
                    self._index(fidx, offset, obj)
            else:
                self._index(fidx, offset, facts)
            offset += len(line)

    def add_journal(self, path: Path) -> dict[str, tuple[int, list[Any] | None]]:
        """Index a journal; return path -> (offset, stat key) of its entries (last one wins)."""
        entries: dict[str, tuple[int, list[Any] | None]] = {}
        try:
            fh = path.open("rb")
        except OSError:
            return entries
        first = fh.readline()
        try:
            head = orjson.loads(first)
        except orjson.JSONDecodeError:
            head = None
        if not isinstance(head, dict) or head.get("settings_hash") != self.settings_hash:
            fh.close()
            return entries
        fidx = len(self._files)
        self._files.append(fh)
        offset = len(first)
        for line in fh:
            if not line.endswith(b"\n"):
                break  # torn tail from a killed writer
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                break
            if isinstance(obj, dict) and isinstance(obj.get("path"), str):
                entries[obj["path"]] = (offset, obj.get("_stat"))
                self._index(fidx, offset, obj)
            offset += len(line)
        self.journal_fidx = fidx
        self.journal_end = offset
        return entries

    def read_at(self, fidx: int, offset: int) -> dict[str, Any]:
        if fidx == MEMORY:
            return dict(self._mem[offset])
        fh = self._files[fidx]
        fh.seek(offset)
        obj: dict[str, Any] = orjson.loads(fh.readline())
        return obj

    def attach(self, fh: IO[bytes]) -> int:
        self._files.append(fh)
        return len(self._files) - 1

    def close(self) -> None:
        for fh in self._files:
            fh.close()
        self._files.clear()


def _reuse_by_oid(
    paths: list[str], blob_ids: dict[str, str], store: RecordStore
) -> list[tuple[int, int] | None]:
    """Per path, where the record of its clean blob id is in ``store`` (None: none is)."""
    oids: map[Any] = map(blob_ids.get, paths)  # (None where it has none: absent below)
    shas: map[Any] = map(store.by_oid.get, oids)
    return list(map(store.by_sha.get, shas))


_NO_RECORD: dict[str, Any] = {}
_get = dict.get


_SHA = re.compile(rb'"sha256":(?:"([0-9a-f]{64})"|null)')
_OID = re.compile(rb'"git_oid":"([0-9a-f]{40})"')
_ERR = re.compile(rb'"error":(?:null|\{"code":"([^"\\]+)")')


def _quick_facts(line: bytes) -> dict[str, Any] | None:
    """sha256, git_oid and error code of a manifest line written by :func:`manifest.dumps`
    (sorted keys, compact), without parsing the whole record: indexing a 50k-record cache
    costs a regex per line instead of a full parse. None when the line is not in that layout."""
    sha = _SHA.search(line)
    err = _ERR.search(line)
    if sha is None or err is None or b'"_ref"' in line:
        return None
    oid = _OID.search(line)
    code = err.group(1)
    return {
        "sha256": sha.group(1).decode() if sha.group(1) else None,
        "git_oid": oid.group(1).decode() if oid else None,
        "error": {"code": code.decode()} if code else None,
    }


def _code(obj: dict[str, Any]) -> str | None:
    err = obj.get("error")
    return str(err["code"]) if err else None


def default_executor(
    settings: Settings, workers: int | None, known: frozenset[str], njobs: int
) -> Executor:
    """In-process for a handful of files or one worker, else the local process pool."""
    n = workers or os.cpu_count() or 1
    if njobs <= INLINE_MAX or n == 1:
        return InlineExecutor(settings, known)
    return LocalPool(settings, min(n, njobs), known)


def journal_path(output: Path) -> Path:
    return output.with_name(output.name + ".partial")


def scan(
    discovery: Discovery,
    output: Path,
    *,
    settings: Settings,
    workers: int | None = None,
    caches: Sequence[Path] = (),
    use_git: bool = True,
    annotate: Annotator | None = None,
    annotate_many: BulkAnnotator | None = None,
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

    ``collect``: also return the written records in ``ScanStats.records``. ``cache_records``:
    records of a manifest made with the same settings, already parsed (reused like ``caches``);
    ``cache_lines``: their lines as written by this version of imgeda-ci (a record that
    needs no change is then written, and collected, as it is). ``output_as_cache``: reuse the
    records of an existing ``output`` (False when the caller knows they are ``cache_records``
    already)."""
    root = discovery.root
    paths = discovery.paths
    stats = ScanStats(images=len(paths), warnings=list(discovery.warnings))
    store = RecordStore(settings.hash)
    for cache in caches:
        if not cache.exists():
            raise UserError(f"--cache {cache}: no such file")
        store.add_manifest(cache)
    if cache_records:
        store.add_records(cache_records, cache_lines)  # type: ignore[arg-type]
    if output_as_cache and output.exists():
        store.add_manifest(output)
    jpath = journal_path(output)
    journal = store.add_journal(jpath)
    stats.warnings.extend(store.ignored)

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        jfh: IO[bytes]
        if journal:
            jfh = jpath.open("r+b")
            jfh.truncate(store.journal_end)  # drop a torn last line before appending
            jfh.seek(store.journal_end)
        else:
            jfh = jpath.open("wb")
            head = {JOURNAL_KEY: 1, "settings_hash": settings.hash}
            jfh.write(manifest.dumps(head))
            jfh.flush()
    except OSError as exc:
        raise UserError(f"{output}: cannot write here: {exc.strerror}") from None
    jread = jpath.open("rb")
    jfidx = store.attach(jread)
    joffset = jfh.tell()

    # where each path's final record comes from, by path index: (file index, offset) of a
    # record in the store (arrays: ten bytes per path, whatever the dataset's size)
    src_file = array("h", bytes(2 * len(paths)))
    src_off = array("q", bytes(8 * len(paths)))

    def source(i: int, at: tuple[int, int]) -> None:
        src_file[i], src_off[i] = at

    codes: dict[str, str] = {}  # path -> error code, for the header's counts
    if discovery.oids is not None:
        blob_ids = discovery.oids
    else:
        blob_ids = gitindex.clean_blob_ids(root) if use_git and discovery.local else {}
    # files to analyse: their indices; each one's stat key is taken as its job is made, before
    # the file is read, and kept only until its result is in
    todo = array("l")
    known_keys: dict[int, str | None] = {}  # keys already taken for the journal comparison
    pending_keys: dict[int, str | None] = {}

    def stat_key(rel: str) -> str | None:
        if discovery.stat_keys is not None:
            return _canon_key(discovery.stat_keys.get(rel))
        return _stat_key(discovery.locator(rel)) if discovery.local else None

    # with the cache in memory (its records held by the caller anyway), paths as one list
    plist: Sequence[str] = list(paths) if store.in_memory and not isinstance(paths, list) else paths
    looped: Sequence[str] = paths  # the paths the loop below decides for
    if not journal and isinstance(plist, list):  # the loop below in C passes
        reused = _reuse_by_oid(plist, blob_ids, store)
        todo.extend(i for i, at in enumerate(reused) if at is None)
        src_file = array("h", [MEMORY if at is None else at[0] for at in reused])
        src_off = array("q", [0 if at is None else at[1] for at in reused])
        stats.reused_git = len(plist) - len(todo)
        if store.codes:
            for rel, oid in zip(plist, map(blob_ids.get, plist), strict=True):
                code = store.codes.get(store.by_oid.get(oid, ""))  # type: ignore[arg-type]
                if code:
                    codes[rel] = code
        looped = ()
    for i, rel in enumerate(looped):
        entry = journal.get(rel)
        key = stat_key(rel) if entry is not None else None
        if entry is not None and key is not None and _canon_key(entry[1]) == key:
            obj = store.read_at(store.journal_fidx, entry[0])
            ref = obj.get("_ref")
            if ref is None or ref in store.by_sha:
                source(i, store.by_sha[ref] if ref else (store.journal_fidx, entry[0]))
                code = store.codes.get(ref) if ref else _code(obj)
                if code:
                    codes[rel] = code
                stats.reused_journal += 1
                continue
        oid = blob_ids.get(rel)
        if oid and oid in store.by_oid:
            sha = store.by_oid[oid]
            source(i, store.by_sha[sha])
            if sha in store.codes:
                codes[rel] = store.codes[sha]
            stats.reused_git += 1
            continue
        if entry is not None:
            known_keys[i] = key
        todo.append(i)

    def make_jobs() -> Iterator[Job]:  # made as the executor asks
        for i in todo:
            pending_keys[i] = known_keys.pop(i) if i in known_keys else stat_key(paths[i])
            yield Job(i, discovery.locator(paths[i]))

    jobs = make_jobs()

    def append(obj: dict[str, Any]) -> int:
        nonlocal joffset
        line = manifest.dumps(obj)
        at = joffset
        jfh.write(line)
        jfh.flush()  # a kill -9 now loses nothing already completed
        joffset += len(line)
        return at

    bar = Progress(len(todo), enabled=progress)
    if executor is None:
        known = frozenset(store.by_sha)
        if make_executor is not None:
            executor = make_executor(known, len(todo))
        else:
            executor = default_executor(settings, workers, known, len(todo))
    try:
        for idx, rec in executor.run(jobs):
            rel = paths[idx]
            stat = pending_keys.pop(idx, None)
            if rec.get("cached"):
                sha = str(rec["sha256"])
                source(idx, store.by_sha[sha])
                if sha in store.codes:
                    codes[rel] = store.codes[sha]
                append({"path": rel, "_ref": sha, "_stat": stat})
                stats.reused_content += 1
            else:
                finalize(rec, rel)
                entry_obj: dict[str, Any] = dict(rec)
                entry_obj["_stat"] = stat
                source(idx, (jfidx, append(entry_obj)))
                code = _code(entry_obj)
                if code:
                    codes[rel] = code
                stats.analysed += 1
            bar.advance()
    finally:
        bar.close()
        jfh.flush()
        os.fsync(jfh.fileno())
        jfh.close()
    if isinstance(executor, LocalPool):
        stats.worker_restarts = executor.restarts

    def record_for(i: int, rel: str) -> ImageRecord:
        rec = store.read_at(src_file[i], src_off[i])
        for key in ("_stat", "_ref", "split", "labels"):  # a fresh parse: no copy needed
            rec.pop(key, None)
        out = finalize(rec, rel)  # type: ignore[arg-type]
        if annotate is not None:
            split, labels = annotate(rel)
            if split is not None:
                out["split"] = split
            if labels is not None:
                out["labels"] = labels
        return out

    stats.errors.update(codes.values())
    header: ManifestHeader = {
        "imgeda_ci_manifest": SCHEMA_VERSION,
        "tool_version": __version__,
        "root": root_label if root_label is not None else root.as_posix(),
        "settings": settings.hashed(),
        "settings_hash": settings.hash,
        "counts": {
            "images": len(paths),
            "ok": len(paths) - sum(stats.errors.values()),
            "errors": sum(stats.errors.values()),
            **{f"error:{k}": v for k, v in sorted(stats.errors.items())},
        },
        "warnings": sorted(discovery.warnings),
    }
    if dataset_facts:
        header["dataset"] = dataset_facts
    if timestamp:
        header["created"] = timestamp
    records: list[ImageRecord] | None = [] if collect else None

    def final_fast() -> list[bytes] | None:
        """What :func:`final` yields, with the per-path comparisons made in C passes: for the
        usual re-scan from a manifest in memory (see :meth:`RecordStore.as_is_all`)."""
        if not isinstance(plist, list):
            return None
        ks = store.as_is_all(src_file, src_off, plist)
        if ks is None:
            return None
        n = len(plist)
        if annotate_many is not None:
            splits, labels = annotate_many(plist)
        elif annotate is not None:  # one path at a time: final() does that
            return None
        else:
            splits, labels = [None] * n, [None] * n
        mem, mem_lines = store._mem, store._mem_lines
        assert mem_lines is not None
        recs = [mem[k] if k >= 0 else _NO_RECORD for k in ks]
        same_split = map(operator.eq, map(_get, recs, repeat("split")), splits)
        same_labels = map(operator.eq, map(_get, recs, repeat("labels")), labels)
        lines: list[bytes] = []
        for i, k, a, b in zip(range(n), ks, same_split, same_labels, strict=True):
            if k >= 0 and a and b:  # already the record for this path: no copy, no dumps
                if records is not None:
                    records.append(mem[k])  # type: ignore[arg-type]
                lines.append(mem_lines[k])
            else:
                rec = record_for(i, plist[i])
                if records is not None:
                    records.append(rec)
                lines.append(manifest.dumps(rec))
        return lines

    def final() -> Iterator[bytes]:
        for i, rel in enumerate(paths):
            same = store.as_is(src_file[i], src_off[i], rel)
            if same is not None:  # the layout's split and labels must be the record's too
                split, labels = annotate(rel) if annotate is not None else (None, None)
                if same[0].get("split") != split or same[0].get("labels") != labels:
                    same = None
            rec: ImageRecord
            if same is not None:  # already the record for this path: no copy, no dumps
                rec, line = same[0], same[1]  # type: ignore[assignment]
            else:
                rec = record_for(i, rel)
                line = manifest.dumps(rec)
            if records is not None:
                records.append(rec)
            yield line

    fast = final_fast()
    manifest.write_lines(output, header, fast if fast is not None else final())
    stats.records = records
    store.close()
    try:
        jpath.unlink()
    except OSError:
        pass
    return stats
