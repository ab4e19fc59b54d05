"""The manifest's lines, from where each path's record is (a :class:`~imgeda_ci.scan.reuse.Plan`).

A record held in memory with its line (a re-scan from a manifest the caller parsed) that is
already the record for its path, split and labels included, is written as that line: no copy,
no serialisation. Every other record is read back, given its path-dependent fields and the
dataset layout's split and labels, and serialised. The comparisons are C passes over a block of
paths at a time.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from itertools import chain, compress, repeat
from typing import Any

from imgeda_ci import __version__, manifest
from imgeda_ci.model import SCHEMA_VERSION, ImageRecord, ManifestHeader
from imgeda_ci.scan.analyze import finalize
from imgeda_ci.scan.pathlist import chunks
from imgeda_ci.scan.reuse import Plan
from imgeda_ci.scan.settings import Settings
from imgeda_ci.scan.store import RecordStore

#: (splits, labels) of many paths at once, aligned with the paths; supplied by the
#: dataset-format layer
Annotator = Callable[[Sequence[str]], tuple[list[str | None], list[dict[str, Any] | None]]]

_get = dict.get


def header(
    n: int,
    errors: Counter[str],
    settings: Settings,
    *,
    root: str,
    warnings: list[str],
    dataset_facts: dict[str, Any] | None,
    timestamp: str | None,
) -> ManifestHeader:
    """The manifest's first line, for ``n`` images of which ``errors`` counts the failures."""
    failed = sum(errors.values())
    head: ManifestHeader = {
        "imgeda_ci_manifest": SCHEMA_VERSION,
        "tool_version": __version__,
        "root": root,
        "settings": settings.hashed(),
        "settings_hash": settings.hash,
        "counts": {
            "images": n,
            "ok": n - failed,
            "errors": failed,
            **{f"error:{k}": v for k, v in sorted(errors.items())},
        },
        "warnings": sorted(warnings),
    }
    if dataset_facts:
        head["dataset"] = dataset_facts
    if timestamp:
        head["created"] = timestamp
    return head


def _record(
    store: RecordStore, where: tuple[int, int], rel: str, split: str | None, labels: Any
) -> ImageRecord:
    """The record at ``where`` made the record of ``rel``, with its split and labels."""
    rec = store.read_at(*where)
    for key in ("_stat", "_ref", "split", "labels"):  # a fresh parse: no copy needed
        rec.pop(key, None)
    out = finalize(rec, rel)  # type: ignore[arg-type]
    if split is not None:
        out["split"] = split
    if labels is not None:
        out["labels"] = labels
    return out


def lines(
    paths: Sequence[str],
    where: Plan,
    store: RecordStore,
    annotate: Annotator | None,
    records: list[ImageRecord] | None,
) -> Iterator[bytes]:
    """Each path's manifest line, in order; each record also appended to ``records`` when
    that is a list."""
    blocks = (  # a block's lines at a time: bounded memory
        _chunk_lines(start, chunk, where, store, annotate, records)
        for start, chunk in chunks(paths)
    )
    return chain.from_iterable(blocks)


def _chunk_lines(
    start: int,
    chunk: list[str],
    where: Plan,
    store: RecordStore,
    annotate: Annotator | None,
    records: list[ImageRecord] | None,
) -> list[bytes]:
    n = len(chunk)
    files = where.src_file[start : start + n]
    offsets = where.src_off[start : start + n]
    ks, recs, out = store.as_is(files, offsets, chunk)
    splits, labels = annotate(chunk) if annotate is not None else ([None] * n, [None] * n)
    same_split = map(operator.eq, map(_get, recs, repeat("split")), splits)
    same_labels = map(operator.eq, map(_get, recs, repeat("labels")), labels)
    held = map(operator.ge, ks, repeat(0))
    # a record already the one for its path is written as its line: no copy, no dumps
    as_is = map(operator.and_, map(operator.and_, held, same_split), same_labels)
    for j in compress(range(n), map(operator.not_, as_is)):
        rec = _record(store, (files[j], offsets[j]), chunk[j], splits[j], labels[j])
        out[j] = manifest.dumps(rec)
        if records is not None:  # else it is freed at once (no garbage-collector passes)
            recs[j] = rec  # type: ignore[call-overload]
    if records is not None:
        records.extend(recs)  # type: ignore[arg-type]
    return out
