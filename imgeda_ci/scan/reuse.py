"""Which records the scan can take without reading a file, and which files it must analyse.

Per path, cheapest first:

1. *Journal by stat*: an entry of an interrupted scan's journal stands for a file whose stat key
   (size, mtime, ctime, inode; or the key a remote source supplies) is unchanged.
2. *Git blob id*: a cached record with the file's clean blob id (see
   :mod:`imgeda_ci.scan.gitindex`).

Every other path is to analyse (reuse by content then happens in the workers). The decisions are
taken a block of paths at a time, in C passes; only journal entries are looked at one by one.
"""

from __future__ import annotations

import operator
import os
from array import array
from collections.abc import Callable, Sequence
from itertools import compress, repeat
from typing import Any

from imgeda_ci.scan.discover import Discovery
from imgeda_ci.scan.pathlist import chunks
from imgeda_ci.scan.store import MEMORY, RecordStore

#: a file's stat key (see :func:`stat_keys`), None when it cannot be had
StatKey = Callable[[str], str | None]
#: where a record is in the store: (file index, offset)
Location = tuple[int, int]
#: where the record of a file to analyse is, until its result is in
_TODO: Location = (MEMORY, 0)
#: journal entries: path -> (offset, stat key when the record was made)
JournalEntries = dict[str, tuple[int, list[Any] | None]]


class Plan:
    """Where each path's final record comes from, by path index: (file index, offset) of a
    record in the store (arrays: ten bytes per path, whatever the dataset's size); ``todo`` the
    indices of the files to analyse, whose locations are set as their results come in."""

    def __init__(self) -> None:
        self.src_file = array("h")
        self.src_off = array("q")
        self.todo = array("l")
        self.codes: dict[str, str] = {}  # path -> error code, for the header's counts
        self.known_keys: dict[int, str | None] = {}  # stat keys already taken
        self.reused_journal = 0
        self.reused_git = 0

    def source(self, i: int, at: Location) -> None:
        self.src_file[i], self.src_off[i] = at


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


def stat_keys(discovery: Discovery) -> StatKey:
    """How to take a path's stat key: from the source's listing when it supplies them, else
    ``os.stat`` for a local file; a remote source without keys has none."""
    listed = discovery.stat_keys
    if listed is not None:
        return lambda rel: _canon_key(listed.get(rel))
    if discovery.local:
        return lambda rel: _stat_key(discovery.locator(rel))
    return lambda rel: None


def _code(obj: dict[str, Any]) -> str | None:
    err = obj.get("error")
    return str(err["code"]) if err else None


def _from_journal(
    entry: tuple[int, list[Any] | None], key: str | None, store: RecordStore
) -> tuple[Location, str | None] | None:
    """The record a journal entry stands for and its error code, when the file's stat key is
    the entry's and the record (or the one it refers to by content) is at hand."""
    if key is None or _canon_key(entry[1]) != key:
        return None
    obj = store.read_at(store.journal_fidx, entry[0])
    ref = obj.get("_ref")
    if ref is None:
        return (store.journal_fidx, entry[0]), _code(obj)
    if ref in store.by_sha:
        return store.by_sha[ref], store.codes.get(ref)
    return None


def plan(
    paths: Sequence[str],
    journal: JournalEntries,
    store: RecordStore,
    blob_ids: dict[str, str],
    stat_key: StatKey,
) -> Plan:
    """Decide every path: reused from the journal, reused by blob id, or to analyse."""
    out = Plan()
    for start, chunk in chunks(paths):
        _plan_chunk(out, start, chunk, journal, store, blob_ids, stat_key)
    return out


def _plan_chunk(
    out: Plan,
    start: int,
    chunk: list[str],
    journal: JournalEntries,
    store: RecordStore,
    blob_ids: dict[str, str],
    stat_key: StatKey,
) -> None:
    n = len(chunk)
    oids: list[Any] = list(map(blob_ids.get, chunk))  # (None where a path has none: absent)
    shas: list[Any] = list(map(store.by_oid.get, oids))
    ats: list[Location] = list(map(store.by_sha.get, shas, repeat(_TODO)))
    codes: list[str | None] = list(map(store.codes.get, shas))
    journal_hits = 0
    for j in compress(range(n), map(journal.__contains__, chunk)) if journal else ():
        key = stat_key(chunk[j])
        hit = _from_journal(journal[chunk[j]], key, store)
        if hit is not None:
            ats[j], codes[j] = hit
            journal_hits += 1
        elif ats[j] is _TODO:
            out.known_keys[start + j] = key
    todo = list(compress(range(start, start + n), map(operator.is_, ats, repeat(_TODO))))
    out.todo.extend(todo)
    out.reused_journal += journal_hits
    out.reused_git += n - len(todo) - journal_hits
    out.src_file.extend(map(operator.itemgetter(0), ats))
    out.src_off.extend(map(operator.itemgetter(1), ats))
    out.codes.update((chunk[j], codes[j]) for j in compress(range(n), codes))  # type: ignore[misc]
