"""Cropped, mirrored and rotated copies: candidates from the copy signatures, found exactly.

Each record's ``copysig`` (:mod:`imgeda_ci.scan.copysig`) holds eleven *entries*: 64-bit sign
hashes of the whole image and of ten crops (2.5% and 5% off every side, 5% off one side, 5% off
two sides at a corner), each in its canonical orientation, with the code of the turn that made
it canonical and the flags of the whole image's close orientation choices.

**The candidates, exactly.** An image's *queries* are its canonical whole hash turned by every
rotation/mirror ``g`` its flags allow (:func:`allowed`: ``g`` = a mirror whose sign choice was
close, a flip whose sign choice was close, a transpose when the transpose choice was close, and
their products; the identity always). Two images ``x != y`` (both with a valid signature) are a
*candidate pair* when a query of one is within :data:`COPY_RADIUS` bits of one of the eleven
entries of the other. :func:`candidates` returns every such pair and nothing else, once, with its
closest match: the query image, the index image, the distance, and the ``variant`` (order of
:data:`imgeda_ci.dupes.orientation.VARIANT_NAMES`) turning the query image onto the index image:
``code(entry)^-1 . g . code(whole of query)``. Found by the sided multi-index search
(:mod:`imgeda_ci.dupes.crossindex`): the queries against the entries.

Ties: the closest match is the smallest distance, then the smaller query item, then the smaller
variant. An image never pairs with itself.

Why these entries and radius 5 (``benchmarks/bench_copy_candidates.py``: 300 real photos
decoded at <= 1024 px, one copy of each per transform, candidates before any verification):
recall 0.98-0.99 for crops of 1/3/5% per side, 3/5% off one side, 5% off left+top and a 90-degree
rotation plus a 3% crop; 1.000 for mirrors, flips and rotations; 0.977-1.000 for JPEG q70,
resize 0.5, brightness +-15% and blur r2; 0.82 for a watermark (text over the picture moves a
64-bit hash like a different picture; the 256-bit pHash finds those it can). Radius 4 finds
0.90 of one-sided 3% crops; without the corner entries a 5% left+top crop is found 0.51 of the
time. Among the 2,026 distinct real photos of that folder: 1,347 candidate pairs for the
verifier (many of them real copies: video frames, augmentations), 1.105 queries per image.

What it costs (``benchmarks/bench_duplicates.py``, CPU seconds of a forked child on the shared
2-core machine): at 1,000,000 random signatures 12.0 s CPU and 0.91 GB peak RSS (0.28 GB of it
the parent's), against 6.1 s and 0.46 GB for the 256-bit pHash search at 24 bits measured the
same way (1.95x and 2.0x); 300,000: 2.2 s, 1.8x. Real photos' signatures replicated with 10
random bits flipped per hash (their low frequencies alike, as real photos' are): 13.9 s and
0.94 GB at 1M (2.3x, 2.1x), thanks to the bit-spread chunks of :mod:`imgeda_ci.dupes.crossindex`;
with 6 bits flipped, 26 s (3.9x): the 500 replicas of each photo are then near copies of each
other (~1 candidate pair per image), and the output itself grows. Items with the same signature
are searched once (session 10): ``benchmarks/bench_evaluate.py``'s 50,000 records (1,975
distinct signatures, each picture ~25 times) took 10.2 s of CPU for their 1,427,973 pairs, now
0.3 s; 2,000 identical files among 1,000 photos made an evaluation take 23 s and 4.0 GB, now
4 s and 0.4 GB (5,000: 13 s and 2.1 GB, the 12.5 million pairs themselves).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from imgeda_ci.dupes.crossindex import near_across
from imgeda_ci.dupes.hashindex import I64, U64, Bool
from imgeda_ci.scan.copysig import ENTRIES, KEEP, SIG_BYTES, SIG_CHARS

#: 64-bit Hamming radius of the candidate search (see the module doc)
COPY_RADIUS = 5


def _turn(v: int, a: I64) -> I64:
    """Array ``a`` turned by variant ``v`` (mirror/flip first, then the transpose)."""
    if v & 1:
        a = a[:, ::-1]
    if v & 2:
        a = a[::-1, :]
    return a.T if v & 4 else a


_PROBE = np.arange(9).reshape(3, 3)
_TURNED = [_turn(v, _PROBE) for v in range(8)]


def _product(a: int, b: int) -> int:
    return next(w for w in range(8) if (_TURNED[w] == _turn(a, _TURNED[b])).all())


#: ``MUL[a, b]``: the variant of turning by ``b``, then by ``a``; ``INV[a]``: the inverse of ``a``
MUL = np.array([[_product(a, b) for b in range(8)] for a in range(8)], dtype=np.int64)
INV = np.argmin(MUL, axis=1)
_PARITY = np.arange(KEEP) % 2
#: the bits a left-right mirror / top-bottom flip of a canonical entry negates
_MASKS = tuple(
    np.uint64(int("".join(map(str, np.broadcast_to(m, (KEEP, KEEP)).reshape(-1).tolist())), 2))
    for m in (_PARITY[None, :], _PARITY[:, None])  # odd columns, odd rows
)
TAIL = ENTRIES  # the column of :func:`parse`'s rows holding the codes and flags


def parse(values: Sequence[object]) -> tuple[U64, Bool]:
    """``(n, 12)`` uint64 rows of ``copysig`` strings (the eleven hashes, then the last five
    bytes as an integer: :func:`codes` reads it) and which rows hold a valid one."""
    n = len(values)
    valid = np.fromiter(
        (v.__class__ is str and len(v) == SIG_CHARS for v in values), dtype=np.bool_, count=n
    )
    raw = np.zeros((n, 8 * (ENTRIES + 1)), dtype=np.uint8)
    for k in np.flatnonzero(valid).tolist():
        try:
            raw[k, :SIG_BYTES] = np.frombuffer(
                base64.b64decode(str(values[k]), validate=True), np.uint8
            )
        except (binascii.Error, ValueError):
            valid[k] = False
    words = raw.view(">u8").astype(np.uint64)
    words[:, TAIL] >>= np.uint64(24)  # the five tail bytes, then three zero bytes
    return words, valid


def codes(sig: U64) -> tuple[I64, I64]:
    """``(n, 11)`` orientation codes of the entries and ``(n,)`` flags of the whole image."""
    out = _fields(sig[:, TAIL], np.arange(ENTRIES + 1))
    return out[:, :ENTRIES], out[:, ENTRIES]


def _fields(tail: U64, k: I64) -> I64:
    """Field ``k`` (0-10: the entries' codes, 11: the flags) of each tail, three bits each."""
    shift = np.uint64(37) - np.uint64(3) * np.asarray(k, dtype=np.uint64)
    out: I64 = ((tail[..., None] >> shift) & np.uint64(7)).astype(np.int64)
    return out


def _transpose(h: U64) -> U64:
    """The 8x8 bit block of each 64-bit hash transposed (row-major, first bit most significant)."""
    raw = np.ascontiguousarray(h, dtype=">u8").view(np.uint8).reshape(-1, 8)
    bits = np.unpackbits(raw, axis=1).reshape(-1, 8, 8).transpose(0, 2, 1)
    packed = np.packbits(bits.reshape(-1, 64), axis=1)
    out: U64 = packed.view(">u8").reshape(-1).astype(np.uint64)
    return out


def turn(h: U64, variant: I64) -> U64:
    """Each canonical hash of ``h`` turned by its ``variant`` (order of
    :data:`imgeda_ci.dupes.orientation.VARIANT_NAMES`), exact: sign hashes."""
    lr, tb = _MASKS
    v = np.asarray(variant)
    out = h ^ np.where(v & 1, lr, np.uint64(0)) ^ np.where(v & 2, tb, np.uint64(0))
    t = np.flatnonzero(v >= 4)
    out[t] = _transpose(out[t])
    return out


def orientations(h: U64) -> U64:
    """``(n, 8)``: canonical hashes ``h`` under the eight rotations/mirrors."""
    return turn(np.repeat(h, 8), np.tile(np.arange(8), len(h))).reshape(-1, 8)


def allowed(flags: I64) -> Bool:
    """``(n, 8)``: which turns of the canonical whole hash are queries (see the module doc)."""
    v = np.arange(8)
    out: Bool = ((v[None, :] & 3 & ~flags[:, None]) == 0) & (
        (v[None, :] < 4) | (flags[:, None] >= 4)
    )
    return out


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
    """Every candidate pair of items (rows of :func:`parse`'s ``sig`` with ``has``) in the sense
    of the module doc, exactly; the closest match of each pair. With ``side`` (a bool per item),
    only pairs of items on different sides (e.g. added images against a base).

    Items with the same signature (and side) match everything alike, so the search runs over one
    item of each such group (:func:`_groups`; a dataset of a thousand identical blank frames
    searches one), and its matches are spread over the groups' members (:func:`_spread`);
    the members of one group are each other's candidates at distance 0, unturned."""
    items = np.flatnonzero(has)
    group, reps = _groups(sig, items, side)
    if side is None:
        qa, ib, variant, d = _search(sig, reps, reps)
    else:
        t, f = reps[side[reps]], reps[~side[reps]]
        one, two = _search(sig, t, f), _search(sig, f, t)
        qa, ib, variant, d = (np.concatenate([x, y]) for x, y in zip(one, two, strict=True))
    of_rep = np.zeros(len(sig), dtype=np.int64)
    of_rep[reps] = np.arange(len(reps))
    parts = [_spread(of_rep[qa], of_rep[ib], variant, d, items, group)]
    if side is None:
        parts.append(_within(items, group))
    qa, ib, variant, d = (np.concatenate(col) for col in zip(*parts, strict=True))
    order = np.lexsort((np.maximum(qa, ib), np.minimum(qa, ib)))
    return Candidates(qa[order], ib[order], variant[order], d[order])


def _groups(sig: U64, items: I64, side: Bool | None) -> tuple[I64, I64]:
    """Per item of ``items``, the number of its group (items with the same signature row and
    side), and each group's first item."""
    rows = np.ascontiguousarray(sig[items])
    if side is not None:
        rows = np.concatenate([rows, side[items, None].astype(np.uint64)], axis=1)
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).reshape(-1)
    _, first, group = np.unique(keys, return_index=True, return_inverse=True)
    return group.reshape(-1).astype(np.int64), items[first]


def _members(items: I64, group: I64) -> tuple[I64, I64, I64]:
    """The items grouped: (items in group order, each group's start, each group's size)."""
    order = np.argsort(group, kind="stable")
    size = np.bincount(group)
    start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    return items[order], start, size


def _spread(
    gq: I64, gi: I64, variant: I64, d: I64, items: I64, group: I64
) -> tuple[I64, I64, I64, I64]:
    """The closest match of each pair of items of two groups, from every match between the
    groups (group ``gq`` under ``variant`` within ``d`` of group ``gi``): the least distance,
    then the smaller query item, then the smaller variant (the module doc's ties)."""
    order = np.lexsort((variant, d, gi, gq))  # the best of each direction first
    gq, gi, variant, d = gq[order], gi[order], variant[order], d[order]
    first = np.ones(len(gq), dtype=np.bool_)
    first[1:] = (gq[1:] != gq[:-1]) | (gi[1:] != gi[:-1])
    gq, gi, variant, d = gq[first], gi[first], variant[first], d[first]
    lo, hi = np.minimum(gq, gi), np.maximum(gq, gi)
    base = int(group.max(initial=0)) + 1
    key, at = np.unique(lo * base + hi, return_inverse=True)
    big = np.iinfo(np.int64).max
    best = np.full((len(key), 2, 2), big, dtype=np.int64)  # per pair, direction: (d, variant)
    fwd = (gq == lo).astype(np.int64)  # 1: the lower group queries
    best[at, fwd, 0], best[at, fwd, 1] = d, variant
    ulo, uhi = key // base, key % base
    grouped, start, size = _members(items, group)
    count = size[ulo] * size[uhi]
    pair = np.repeat(np.arange(len(key)), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    x = grouped[start[ulo][pair] + offset // size[uhi][pair]]  # a member of the lower group
    y = grouped[start[uhi][pair] + offset % size[uhi][pair]]
    dx, vx = best[pair, 1, 0], best[pair, 1, 1]  # x queries
    dy, vy = best[pair, 0, 0], best[pair, 0, 1]
    use_x = (dx < dy) | ((dx == dy) & (x < y))
    return (
        np.where(use_x, x, y),
        np.where(use_x, y, x),
        np.where(use_x, vx, vy),
        np.where(use_x, dx, dy),
    )


def _within(items: I64, group: I64) -> tuple[I64, I64, I64, I64]:
    """Every pair of members of one group, the smaller the query: distance 0, unturned."""
    grouped, start, size = _members(items, group)
    qa, ib = [], []
    for m in np.unique(size[size > 1]).tolist():  # the groups of each size at once
        i, j = np.triu_indices(m, 1)
        at = start[size == m][:, None]
        a, b = grouped[at + i[None, :]].reshape(-1), grouped[at + j[None, :]].reshape(-1)
        qa.append(np.minimum(a, b))
        ib.append(np.maximum(a, b))
    lo = np.concatenate(qa) if qa else np.zeros(0, dtype=np.int64)
    hi = np.concatenate(ib) if ib else np.zeros(0, dtype=np.int64)
    zero = np.zeros(len(lo), dtype=np.int64)
    return lo, hi, zero, zero.copy()


def _search(sig: U64, queries: I64, indexed: I64) -> tuple[I64, I64, I64, I64]:
    """(query item, index item, variant, distance) of every match of a query item's whole
    hash (under its allowed turns) within the radius of an indexed item's entries."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(queries) or not len(indexed) or len(np.union1d(queries, indexed)) < 2:
        return empty, empty, empty, empty
    ok = allowed(_fields(sig[queries, TAIL], np.array([ENTRIES]))[:, 0])
    q_row, q_turn = np.nonzero(ok)
    q_item = queries[q_row]
    q_vals = turn(sig[q_item, 0], q_turn)
    # entry ie: row ie // ENTRIES, entry ie % ENTRIES (not kept here: the search owns the copy)
    qe, ie, d = near_across(q_vals, sig[indexed, :ENTRIES].reshape(-1), COPY_RADIUS)
    i_row, i_entry = np.divmod(ie, ENTRIES)
    qa, ib = q_item[qe], indexed[i_row]
    keep = qa != ib
    qe, i_entry, qa, ib, d = (x[keep] for x in (qe, i_entry, qa, ib, d))
    code_q = _fields(sig[qa, TAIL], np.array([0]))[:, 0]
    code_i = np.take_along_axis(_fields(sig[ib, TAIL], np.arange(ENTRIES)), i_entry[:, None], 1)[
        :, 0
    ]
    variant = MUL[INV[code_i], MUL[q_turn[qe], code_q]]
    return qa, ib, variant.astype(np.int64), d.astype(np.int64)
