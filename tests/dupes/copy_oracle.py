"""The copy-signature candidates by brute force, in plain Python: every pair of signatures, every
allowed turn of one whole hash against every entry of the other, written from the definition in
:mod:`imgeda_ci.dupes.copies` and :mod:`imgeda_ci.scan.copysig` without their code."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

Grid = list[list[int]]
Match = tuple[int, int, int, int]  # (query, index, variant, distance)


def turn_grid(v: int, g: Grid) -> Grid:
    """Grid ``g`` turned by variant ``v``: mirror (bit 1), flip (bit 2), then transpose (bit 4)."""
    if v & 1:
        g = [row[::-1] for row in g]
    if v & 2:
        g = g[::-1]
    if v & 4:
        g = [list(col) for col in zip(*g, strict=True)]
    return g


def compose(a: int, b: int) -> int:
    """The variant of turning by ``b``, then by ``a``."""
    probe = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    want = turn_grid(a, turn_grid(b, probe))
    return next(w for w in range(8) if turn_grid(w, probe) == want)


def inverse(a: int) -> int:
    return next(b for b in range(8) if compose(a, b) == 0)


def turn_hash(h: int, v: int) -> int:
    """A canonical sign hash of an 8x8 block turned by ``v``: a mirror negates the coefficients
    of odd columns, a flip those of odd rows (their sign bits flip), a transpose moves them."""
    bits = [[(h >> (63 - 8 * u - w)) & 1 for w in range(8)] for u in range(8)]
    bits = [[b ^ (w % 2 if v & 1 else 0) ^ (u % 2 if v & 2 else 0) for w, b in enumerate(row)]
            for u, row in enumerate(bits)]  # fmt: skip
    if v & 4:
        bits = [list(col) for col in zip(*bits, strict=True)]
    return sum(b << (63 - k) for k, b in enumerate(x for row in bits for x in row))


def parse(s: object) -> tuple[list[int], list[int], int] | None:
    """(eleven hashes, eleven codes, flags) of a ``copysig``, or None when invalid."""
    if not isinstance(s, str) or len(s) != 124:
        return None
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return None
    hashes = [int.from_bytes(raw[8 * e : 8 * e + 8], "big") for e in range(11)]
    tail = int.from_bytes(raw[88:93], "big")
    fields = [(tail >> (37 - 3 * k)) & 7 for k in range(12)]
    return hashes, fields[:11], fields[11]


def allowed(flags: int) -> list[int]:
    """The turns of the canonical whole hash that are queries."""
    return [v for v in range(8) if not (v & 3 & ~flags) and (v < 4 or flags & 4)]


def candidates(sigs: Sequence[object], radius: int) -> dict[tuple[int, int], Match]:
    """Per candidate pair ``(lo, hi)``: its closest match (smallest distance, then query item,
    then variant)."""
    parsed = [parse(s) for s in sigs]
    best: dict[tuple[int, int], Match] = {}
    for x, px in enumerate(parsed):
        if px is None:
            continue
        for g in allowed(px[2]):
            q = turn_hash(px[0][0], g)
            for y, py in enumerate(parsed):
                if py is None or y == x:
                    continue
                for e in range(11):
                    d = (q ^ py[0][e]).bit_count()
                    if d > radius:
                        continue
                    variant = compose(inverse(py[1][e]), compose(g, px[1][0]))
                    key = (min(x, y), max(x, y))
                    m = (x, y, variant, d)
                    old = best.get(key)
                    if old is None or (d, x, variant) < (old[3], old[0], old[2]):
                        best[key] = m
    return best
