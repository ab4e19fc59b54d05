"""The content keys of a record list as numpy arrays: what every duplicate search reads.

One pass over the records gives, per row: whether the image was read (``ok``), its bytes and
decoded pixels as small integer ids (``sha``, ``pix``: equal ids, equal strings; -1 when absent),
its 256-bit pHash and dHash as ``(n, 4)`` uint64 rows and its copy signature as ``(n, 12)``
(:mod:`imgeda_ci.dupes.copies`; with masks saying which rows have a valid one; thumbnails are
decoded only for the rows a search verifies, :func:`thumb_strings`) and its place in the *quality
order* (``rank``: most pixels, then largest file, then path; the order
:func:`imgeda_ci.dupes.groups.quality_key` defines).

Groups, leakage and base duplicates then work on these arrays and only touch, in Python, the
rows that have a match at all: in a real dataset that is a few percent, so a search over 50,000
records costs tens of milliseconds rather than seconds of per-record Python. :func:`content_of`
caches the result on the records' :class:`~imgeda_ci.columns.Columns`, so the duplicate,
leakage and base checks of one evaluation (of one run, through its
:class:`~imgeda_ci.dupes.search.DupeSearch`) share it.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import cast

import numpy as np
import numpy.typing as npt

from imgeda_ci.columns import Columns
from imgeda_ci.dupes import copies
from imgeda_ci.dupes.hashindex import I64, U64, WORDS, Bool, from_hex
from imgeda_ci.model import ImageRecord

_HEX = frozenset("0123456789abcdefABCDEF")
_NAME = "dupes.content"  # the derived column's name
#: the record fields a content key is made of (the thumbnails, ``thumb``, are read on demand)
FIELDS = (
    "path",
    "sha256",
    "pixel_sha256",
    "phash",
    "dhash",
    "copysig",
    "pixels",
    "width",
    "height",
    "size",
)


@dataclass
class Content:
    """Per-row content keys of one record list (see the module doc)."""

    records: Sequence[ImageRecord]
    ok: Bool
    sha: I64  # id of the non-empty sha256 string, -1 without one
    pix: I64  # id of the non-empty pixel_sha256 string, -1 without one (or when not ok)
    hashed: Bool  # ok and a valid 256-bit phash
    phash: U64  # (n, 4); zero where not hashed
    has_dhash: Bool  # a valid 256-bit dhash
    dhash: U64  # (n, 4); zero where absent
    has_sig: Bool  # hashed and a valid ``copysig`` (imgeda_ci.dupes.copies)
    sig: U64  # (n, 12); zero where absent
    rank: I64  # position in the quality order, 0 = best
    sha_ids: dict[str, int]  # sha256 -> its id in ``sha``
    pix_ids: dict[str, int]  # pixel_sha256 -> its id in ``pix``

    @property
    def n(self) -> int:
        return len(self.ok)


def _ids(values: list[object]) -> tuple[I64, dict[str, int]]:
    """Equal non-empty strings get equal ids (0, 1, ... by first appearance); others -1. Also
    the id of each string."""
    if set(map(type, values)) == {str}:  # the usual case: the first appearances found in C
        strings = cast(list[str], values)
        index: dict[str, int] = {v: k for k, v in enumerate(dict.fromkeys(strings))}
        out = np.fromiter(map(index.__getitem__, strings), dtype=np.int64, count=len(values))
        if "" in index:  # the empty string is no content: -1, and the ids after it shift down
            empty = index.pop("")
            out[out == empty] = -1
            out[out > empty] -= 1
            index = {v: k - (k > empty) for v, k in index.items()}
        return out, index
    index = {}
    out = np.fromiter(
        (index.setdefault(v, len(index)) if v.__class__ is str and v else -1 for v in values),
        dtype=np.int64,
        count=len(values),
    )
    return out, index


def hashes_of(values: Sequence[object]) -> tuple[U64, Bool]:
    """``(n, 4)`` uint64 rows of 64-hex-character hashes and which rows hold a valid one."""
    n = len(values)
    if set(map(type, values)) == {str}:
        valid = np.fromiter(map(len, cast(Sequence[str], values)), np.int64, count=n) == 64
    else:
        valid = np.fromiter(
            (v.__class__ is str and len(v) == 64 for v in values), dtype=np.bool_, count=n
        )
    out = np.zeros((n, WORDS), dtype=np.uint64)
    rows = np.flatnonzero(valid)
    if not rows.size:
        return out, valid
    picked = [str(values[k]) for k in rows.tolist()]
    try:
        out[rows] = from_hex(picked)
    except ValueError:  # some are not hex: find them one by one
        bad = [k for k, v in zip(rows.tolist(), picked, strict=True) if not _HEX.issuperset(v)]
        valid[bad] = False
        return hashes_of([v if valid[k] else None for k, v in enumerate(values)])
    return out, valid


def quality_rank(cols: Columns) -> I64:
    """Each row's place in the quality order (see the module doc): ``rank[k] < rank[j]`` when
    record ``k`` is better than ``j``; ties keep the records' order."""
    n = cols.n
    if not n:
        return np.zeros(0, dtype=np.int64)

    def ints(key: str) -> npt.NDArray[np.float64]:
        vals = cols.raw(key)
        if set(map(type, vals)) == {int}:  # the usual case: no conversions one by one
            try:
                return np.array(vals, dtype=np.int64).astype(np.float64)
            except OverflowError:
                pass
        return np.array(
            [int(v) if v.__class__ in (int, float, bool) else 0 for v in vals], dtype=np.float64
        )

    pixels = ints("pixels")
    no_pixels = pixels == 0  # ``rec.get("pixels") or width * height``
    if no_pixels.any():
        wh = ints("width") * ints("height")
        pixels[no_pixels] = wh[no_pixels]
    size = ints("size")
    paths = [p if p.__class__ is str else "" for p in cols.raw("path")]
    if all(map(operator.le, paths, itertools.islice(paths, 1, None))):
        by_path = np.arange(n, dtype=np.int64)  # in path order already, as manifests are
    else:
        by_path = np.empty(n, dtype=np.int64)
        by_path[sorted(range(n), key=paths.__getitem__)] = np.arange(n)
    order = np.lexsort((by_path, -size, -pixels))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank


def _build(cols: Columns) -> Content:
    cols.prefetch(["error", *FIELDS])
    ok = ~cols.truthy("error")
    pix, pix_ids = _ids(cols.raw("pixel_sha256"))
    sha, sha_ids = _ids(cols.raw("sha256"))
    pix[~ok] = -1
    phash, valid = hashes_of(cols.raw("phash"))
    hashed = valid & ok
    phash[~hashed] = 0
    dhash, has_dhash = hashes_of(cols.raw("dhash"))
    sig, has_sig = copies.parse(cols.raw("copysig"))
    return Content(
        records=cols.records,
        ok=ok,
        sha=sha,
        pix=pix,
        hashed=hashed,
        phash=phash,
        has_dhash=has_dhash,
        dhash=dhash,
        has_sig=has_sig & hashed,
        sig=sig,
        rank=quality_rank(cols),
        sha_ids=sha_ids,
        pix_ids=pix_ids,
    )


def content_of(cols: Columns) -> Content:
    """The :class:`Content` of the columns' records, cached on ``cols``."""
    got: Content = cols.derive(_NAME, _build)
    return got


def with_content(cols: Columns, content: Content) -> None:
    """Take ``content``, made from an identical list of records elsewhere (another process,
    which sends it without records), as the :func:`content_of` of ``cols``."""
    if content.n != cols.n:
        raise ValueError(f"content of {content.n} records given for {cols.n}")
    cols.put(_NAME, replace(content, records=cols.records))


def by_rank(rows: npt.NDArray[np.intp] | I64, content: Content) -> I64:
    """``rows`` sorted best first."""
    rows = np.asarray(rows, dtype=np.int64)
    out: I64 = rows[np.argsort(content.rank[rows], kind="stable")]
    return out


def repeated(ids: I64, rows: I64) -> Bool:
    """Which of ``rows`` share their (non-negative) id with another of ``rows``."""
    picked = ids[rows]
    has = picked >= 0
    if not has.any():
        return np.zeros(len(rows), dtype=np.bool_)
    counts = np.bincount(picked[has])
    out = np.zeros(len(rows), dtype=np.bool_)
    out[has] = counts[picked[has]] > 1
    return out


def thumb_strings(content: Content, rows: I64) -> list[object]:
    """The ``thumb`` fields of ``rows`` (read only for those: the verification of a candidate
    copy, :mod:`imgeda_ci.dupes.copypairs`, decodes them)."""
    return [content.records[k].get("thumb") for k in rows.tolist()]
