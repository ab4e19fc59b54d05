"""Cropped, mirrored and rotated copies: candidates from the copy signatures, found exactly.

Each record's ``copysig`` (:mod:`imgeda_ci.scan.copysig`) holds 64-bit pHashes of the whole
image, of its three mirrors and of six crops (2.5% and 5% off every side, 5% off one side). A
pair of images is a *candidate* when one of the eight rotations/mirrors of one image's whole
hash is within ``COPY_RADIUS`` bits of one of the seven whole-or-cropped hashes of the other
(either way round). Every such pair is found, exactly: the multi-index search of
:mod:`imgeda_ci.dupes.hashindex` over 64-bit rows, eight query entries per image against seven
index entries (the sided search: only query-index pairs). Candidates are then verified on the
thumbnails (:mod:`imgeda_ci.dupes.verify`): only a uniform change makes a copy.

Why radius 4: on 150 real photos turned into copies (``benchmarks/bench_nearcopy.py``), 5% crops,
one-sided crops, flips and rotations of 90/180/270 degrees are within 4 bits of the matching
variant for ~0.95 of the copies (3% crops: 0.95; flips and rotations: 0.99); radius 2 finds
0.75-0.9 of the crops. The hashes hold exactly 32 ones, so distances are even: 4 means 4 or 3.

What it costs: fifteen entries per image in one sided self-join of 64-bit rows at radius 4
(three chunks of ~21 bits, each searched with one-bit neighbours). On random signatures
(``benchmarks/bench_duplicates.py``; CPU seconds on the shared 2-core machine): 100,000 images
2.5 s, 300,000 12 s, 1,000,000 102 s and 1.8 GB peak RSS, against 7.1 s and 0.28 GB for the
256-bit search at 24 bits over a million. That is 14 times the pHash search at a million, far
from the issue's "within ~2x": a canonical orientation (one query entry per image instead of
eight) and a search that probes only one side's tables are the ways left to bring it down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from imgeda_ci.dupes import hashindex
from imgeda_ci.dupes.hashindex import I64, U64, Bool

#: 64-bit Hamming radius of the candidate search (see the module doc)
COPY_RADIUS = 4
SIG_HASHES = 10  # hashes in one ``copysig``: whole, 3 mirrors, 6 crops
SIG_CHARS = 16 * SIG_HASHES
INDEXED = (0, 4, 5, 6, 7, 8, 9)  # the whole image and its crops: the index side
_BIT_POS = np.arange(64, dtype=np.uint64)[::-1]


def parse(values: Sequence[object]) -> tuple[U64, Bool]:
    """``(n, 10)`` uint64 hashes of ``copysig`` strings and which rows hold a valid one."""
    n = len(values)
    valid = np.fromiter(
        (v.__class__ is str and len(v) == SIG_CHARS for v in values), dtype=np.bool_, count=n
    )
    out = np.zeros((n, SIG_HASHES), dtype=np.uint64)
    rows = np.flatnonzero(valid).tolist()
    good: list[int] = []
    raw: list[bytes] = []
    for k in rows:
        try:
            raw.append(bytes.fromhex(str(values[k])))
            good.append(k)
        except ValueError:
            valid[k] = False
    if good:
        arr = np.frombuffer(b"".join(raw), dtype=">u8").astype(np.uint64)
        out[good] = arr.reshape(-1, SIG_HASHES)
    return out, valid


def _transpose(h: U64) -> U64:
    """The 8x8 bit block of each 64-bit hash transposed (row-major, first bit most significant)."""
    raw = np.ascontiguousarray(h, dtype=">u8").view(np.uint8).reshape(-1, 8)
    bits = np.unpackbits(raw, axis=1).reshape(-1, 8, 8).transpose(0, 2, 1)
    packed = np.packbits(bits.reshape(-1, 64), axis=1)
    out: U64 = packed.view(">u8").reshape(-1).astype(np.uint64)
    return out


def orientations(sig: U64) -> U64:
    """``(n, 8)``: the whole hash under the eight rotations/mirrors (order of
    :data:`imgeda_ci.dupes.orientation.VARIANT_NAMES`)."""
    plain = sig[:, :4]
    return np.concatenate([plain, *(_transpose(plain[:, k])[:, None] for k in range(4))], axis=1)


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs, one per pair of items: ``query`` under rotation/mirror ``variant``
    (order of :data:`imgeda_ci.dupes.orientation.VARIANT_NAMES`) is within ``dist`` bits of the
    whole image or a crop of ``index``."""

    query: I64
    index: I64
    variant: I64
    dist: I64


def candidates(sig: U64, has: Bool, side: Bool | None = None) -> Candidates:
    """Every pair of items (rows of ``sig`` with ``has``) within :data:`COPY_RADIUS` of each
    other in the sense of the module doc, exactly; the closest match of each pair. With
    ``side`` (a bool per item), only pairs of items on different sides."""
    items = np.flatnonzero(has)
    if side is None:
        return _search(sig, items, items)
    t, f = items[side[items]], items[~side[items]]
    one, two = _search(sig, t, f), _search(sig, f, t)
    return _closest(
        np.concatenate([one.query, two.query]),
        np.concatenate([one.index, two.index]),
        np.concatenate([one.variant, two.variant]),
        np.concatenate([one.dist, two.dist]),
    )


def _search(sig: U64, queries: I64, indexed: I64) -> Candidates:
    """Pairs of a query item's turned whole hash within the radius of an indexed item's whole
    or cropped hash (an item may be on both lists)."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(queries) or not len(indexed) or len(np.union1d(queries, indexed)) < 2:
        return Candidates(empty, empty, empty, empty)
    query = orientations(sig[queries]).reshape(-1)
    index = sig[indexed][:, list(INDEXED)].reshape(-1)
    n_q = len(query)
    item = np.concatenate([np.repeat(queries, 8), np.repeat(indexed, len(INDEXED))])
    var = np.concatenate(
        [np.tile(np.arange(8, dtype=np.int64), len(queries)), -np.ones(len(index), dtype=np.int64)]
    )
    side = np.zeros(n_q + len(index), dtype=np.bool_)
    side[:n_q] = True
    found = hashindex.near_pairs(np.concatenate([query, index])[:, None], COPY_RADIUS, side=side)
    q, i, d = _entry_pairs(found, side)
    qa, ib = item[q], item[i]
    keep = qa != ib
    return _closest(qa[keep], ib[keep], var[q[keep]], d[keep])


def _closest(qa: I64, ib: I64, var: I64, d: I64) -> Candidates:
    """One match per unordered item pair: the closest."""
    lo, hi = np.minimum(qa, ib), np.maximum(qa, ib)
    order = np.lexsort((d, hi, lo))  # closest match of each pair first
    first = np.ones(len(order), dtype=np.bool_)
    first[1:] = (lo[order][1:] != lo[order][:-1]) | (hi[order][1:] != hi[order][:-1])
    pick = order[first]
    return Candidates(qa[pick], ib[pick], var[pick], d[pick])


def _entry_pairs(found: hashindex.NearPairs, side: Bool) -> tuple[I64, I64, I64]:
    """(query entry, index entry, distance) of every value pair found, and of the entries that
    share one value across the sides (distance 0)."""
    order = np.argsort(found.inverse, kind="stable")
    bounds = np.searchsorted(found.inverse[order], np.arange(len(found.unique) + 1))
    sizes = np.diff(bounds)
    shared = np.flatnonzero(sizes > 1)
    ua = np.concatenate([shared, found.i, found.j])
    ub = np.concatenate([shared, found.j, found.i])
    dist = np.concatenate([np.zeros(len(shared), dtype=np.int64), found.dist, found.dist])
    # every (entry of value ua, entry of value ub), vectorised over the value pairs
    la, lb = sizes[ua], sizes[ub]
    count = la * lb
    pair = np.repeat(np.arange(len(ua), dtype=np.int64), count)
    offset = np.arange(len(pair), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    ea = order[bounds[ua][pair] + offset // lb[pair]]
    eb = order[bounds[ub][pair] + offset % lb[pair]]
    keep = side[ea] & ~side[eb]
    return ea[keep], eb[keep], dist[pair][keep]
