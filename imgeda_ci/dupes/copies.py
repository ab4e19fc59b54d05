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
(:mod:`imgeda_ci.dupes.crossindex`): distinct query values against distinct entry values.

Why (``benchmarks/bench_copy_candidates.py``, 300 real photos, copies per transform): a copy's
canonical whole hash lies within 5 bits of its original's matching entry for >= 0.977 of crops of
1-5% per side, one side, left+top, and of rotations plus crops; 1.000 of mirrors, flips and
rotations; 0.97-1.00 of re-encodes, resizes, brightness changes and blurs (watermarks: 0.79;
those are found by the 256-bit pHash too). Among 2,026 distinct real photos: ~1,400 candidate
pairs for the verifier, many of them real copies (video frames, augmentations).

What it costs (``benchmarks/bench_duplicates.py``): about 1.1 queries and 11 entries per image,
one sided search at radius 5 (three chunks of 21-22 bits, one-bit neighbours): see the figures
there, against the 256-bit pHash search.
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
    np.uint64(int("".join(map(str, m.reshape(-1).tolist())), 2))
    for m in (_PARITY[None, :] + 0 * _PARITY[:, None], _PARITY[:, None] + 0 * _PARITY[None, :])
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
    shift = np.uint64(37) - np.uint64(3) * np.arange(ENTRIES + 1, dtype=np.uint64)
    tail = (sig[:, TAIL, None] >> shift[None, :]) & np.uint64(7)
    out = tail.astype(np.int64)
    return out[:, :ENTRIES], out[:, ENTRIES]


def _transpose(h: U64) -> U64:
    """The 8x8 bit block of each 64-bit hash transposed (row-major, first bit most significant)."""
    raw = np.ascontiguousarray(h, dtype=">u8").view(np.uint8).reshape(-1, 8)
    bits = np.unpackbits(raw, axis=1).reshape(-1, 8, 8).transpose(0, 2, 1)
    packed = np.packbits(bits.reshape(-1, 64), axis=1)
    out: U64 = packed.view(">u8").reshape(-1).astype(np.uint64)
    return out


def orientations(h: U64) -> U64:
    """``(n, 8)``: canonical hashes ``h`` under the eight rotations/mirrors (order of
    :data:`imgeda_ci.dupes.orientation.VARIANT_NAMES`), exact: sign hashes."""
    lr, tb = _MASKS
    plain = np.stack([h, h ^ lr, h ^ tb, h ^ lr ^ tb], axis=1)
    return np.concatenate([plain, _transpose(plain.reshape(-1)).reshape(-1, 4)], axis=1)


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


def candidates(sig: U64, has: Bool) -> Candidates:
    """Every candidate pair of items (rows of :func:`parse`'s ``sig`` with ``has``) in the sense
    of the module doc, exactly; the closest match of each pair."""
    items = np.flatnonzero(has)
    empty = np.zeros(0, dtype=np.int64)
    if len(items) < 2:
        return Candidates(empty, empty, empty, empty)
    code, flags = codes(sig[items])
    ok = allowed(flags)
    q_row, q_turn = np.nonzero(ok)
    q_item = items[q_row]
    q_vals = orientations(sig[items, 0])[ok]
    i_row = np.repeat(np.arange(len(items)), ENTRIES)
    i_item = items[i_row]
    i_entry = np.tile(np.arange(ENTRIES), len(items))
    i_vals = sig[items, :ENTRIES].reshape(-1)
    uq, q_of = np.unique(q_vals, return_inverse=True)
    ui, i_of = np.unique(i_vals, return_inverse=True)
    a, b, d = near_across(uq, ui, COPY_RADIUS)
    qe, ie, d = _entries(q_of, i_of, a, b, d)
    qa, ib = q_item[qe], i_item[ie]
    keep = qa != ib
    qe, ie, qa, ib, d = qe[keep], ie[keep], qa[keep], ib[keep], d[keep]
    code_q = code[q_row[qe], 0]
    code_i = code[i_row[ie], i_entry[ie]]
    variant = MUL[INV[code_i], MUL[q_turn[qe], code_q]]
    lo, hi = np.minimum(qa, ib), np.maximum(qa, ib)
    order = np.lexsort((variant, qa, d, hi, lo))  # closest match of each pair first
    first = np.ones(len(order), dtype=np.bool_)
    first[1:] = (lo[order][1:] != lo[order][:-1]) | (hi[order][1:] != hi[order][:-1])
    pick = order[first]
    return Candidates(qa[pick], ib[pick], variant[pick], d[pick])


def _entries(q_of: I64, i_of: I64, a: I64, b: I64, d: I64) -> tuple[I64, I64, I64]:
    """Every (query entry of value ``a[t]``, index entry of value ``b[t]``) and its distance."""
    q_order, q_bounds = _runs(q_of, int(a.max(initial=-1)) + 1)
    i_order, i_bounds = _runs(i_of, int(b.max(initial=-1)) + 1)
    la, lb = np.diff(q_bounds)[a], np.diff(i_bounds)[b]
    count = la * lb
    pair = np.repeat(np.arange(len(a), dtype=np.int64), count)
    offset = np.arange(len(pair), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    qe = q_order[q_bounds[a][pair] + offset // lb[pair]]
    ie = i_order[i_bounds[b][pair] + offset % lb[pair]]
    return qe, ie, d[pair]


def _runs(of: I64, values: int) -> tuple[I64, I64]:
    """Entries grouped by value: their order and each value's bounds in it."""
    order = np.argsort(of, kind="stable")
    return order, np.searchsorted(of[order], np.arange(values + 1))
