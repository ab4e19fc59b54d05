"""Earlier records the scan may reuse: where each one is, and an index of them by content.

A record is addressed by (file index, offset): a line of a manifest or journal opened by the
store, or (:data:`MEMORY`, k) for the k-th record of a manifest the caller holds in memory. Every
source is indexed the same way (:meth:`RecordStore._index`), over columns in C passes: the
first record of a SHA-256 holds, and so does the first record of a git blob id.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from pathlib import Path
from typing import IO, Any

import orjson

from imgeda_ci.scan.analyze import CONTENT_ERRORS

#: the "file index" of records held in memory (:meth:`RecordStore.add_records`)
MEMORY = -2


_NO_RECORD: dict[str, Any] = {}
_get = dict.get


#: lines of a manifest or journal indexed at once (their records held until then)
_BLOCK = 4096


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

    def _index(self, fidx: int, offsets: Sequence[int], records: Sequence[dict[str, Any]]) -> None:
        """Index records by content, in order: those with a SHA-256, no ``_ref`` and no error
        other than one the content decides; a SHA-256 or blob id already indexed holds."""
        shas: list[Any] = list(map(_get, records, repeat("sha256")))
        oids: list[Any] = list(map(_get, records, repeat("git_oid")))
        refs = map(operator.contains, records, repeat("_ref"))
        errors: list[Any] = list(map(_get, records, repeat("error")))
        rows = range(len(shas))
        coded = list(compress(rows, errors))  # the few records with an error
        codes = {k: errors[k].get("code") for k in coded}
        usable = list(map(operator.truth, shas))
        for k in compress(rows, refs):  # references to another record
            usable[k] = False
        for k in coded:
            usable[k] = usable[k] and codes[k] in CONTENT_ERRORS
        k_shas = list(compress(shas, usable))
        k_locs = list(zip(repeat(fidx), compress(offsets, usable)))
        new = dict(zip(reversed(k_shas), reversed(k_locs), strict=True))  # first SHA-256 holds
        for sha in new.keys() & self.by_sha.keys():  # and what was indexed before
            del new[sha]
        # the records indexed: every one kept when no SHA-256 was held or seen twice
        won: Iterable[bool] = (
            repeat(True)
            if len(new) == len(k_shas)
            else list(map(operator.is_, map(new.get, k_shas), k_locs))
        )
        self.by_sha.update(new)
        for k in coded:
            if new.get(shas[k]) == (fidx, offsets[k]):
                self.codes[shas[k]] = codes[k]
        w_oids = list(compress(compress(oids, usable), won))
        w_shas = list(compress(k_shas, won))
        by_oid = dict(zip(reversed(w_oids), reversed(w_shas), strict=True))  # first oid holds
        by_oid.pop(None, None)  # records without a blob id
        by_oid.pop("", None)
        for oid in by_oid.keys() & self.by_oid.keys():  # and what was indexed before
            del by_oid[oid]
        self.by_oid.update(by_oid)

    def add_records(
        self, records: Sequence[dict[str, Any]], lines: Sequence[bytes] | None = None
    ) -> None:
        """Index records already in memory (a manifest made with our settings, parsed by the
        caller): reading one back is a shallow copy, not a parse. ``lines``: each record as
        :func:`manifest.dumps` wrote it, when the caller vouches for that (see :meth:`as_is`).
        """
        self._mem = records
        self._mem_lines = lines
        self._index(MEMORY, range(len(records)), records)

    def as_is(
        self, files: Sequence[int], offsets: Sequence[int], paths: Sequence[str]
    ) -> tuple[list[int], list[dict[str, Any]], list[bytes]]:
        """For each path, the index of its in-memory record when the record at
        ``(files[i], offsets[i])`` is one held in memory, its line vouched for, and already the
        record for that path (same path; path-dependent fields computed for it), else -1; that
        record (else an empty dict); and its line (else any bytes: the caller makes it)."""
        n = len(paths)
        if not self._mem_lines:
            return [-1] * n, [_NO_RECORD] * n, [b""] * n
        mem = self._mem
        ks = [k if f == MEMORY else -1 for f, k in zip(files, offsets, strict=True)]
        recs = [mem[k] if k >= 0 else _NO_RECORD for k in ks]
        same = map(operator.eq, map(_get, recs, repeat("path")), paths)
        ks = [k if ok else -1 for k, ok in zip(ks, same, strict=True)]
        recs = [mem[k] if k >= 0 else _NO_RECORD for k in ks]
        return ks, recs, list(map(self._mem_lines.__getitem__, ks))

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
        fidx = self.attach(fh)
        block = _Block(self, fidx)
        offset = len(first)
        damaged: list[int] = []  # line numbers of lines skipped: the rest is still reused
        for lineno, line in enumerate(fh, 2):
            facts = _quick_facts(line) if line.endswith(b"\n") else None
            if facts is None:  # not in the writer's own layout (or torn): parse it
                try:
                    facts = orjson.loads(line)
                except orjson.JSONDecodeError:
                    damaged.append(lineno)
            if isinstance(facts, dict):
                block.add(offset, facts)
            offset += len(line)
        block.flush()
        if damaged:
            self.ignored.append(
                f"{path}:{damaged[0]}: {len(damaged)} damaged line(s) skipped; their records are "
                "not reused"
            )

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
        fidx = self.attach(fh)
        block = _Block(self, fidx)
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
                block.add(offset, obj)
            offset += len(line)
        block.flush()
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


class _Block:
    """Records of a file read line by line, indexed :data:`_BLOCK` at a time."""

    def __init__(self, store: RecordStore, fidx: int) -> None:
        self.store = store
        self.fidx = fidx
        self.offsets: list[int] = []
        self.records: list[dict[str, Any]] = []

    def add(self, offset: int, record: dict[str, Any]) -> None:
        self.offsets.append(offset)
        self.records.append(record)
        if len(self.records) >= _BLOCK:
            self.flush()

    def flush(self) -> None:
        self.store._index(self.fidx, self.offsets, self.records)
        self.offsets, self.records = [], []


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
