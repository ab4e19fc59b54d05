"""Every pair of hashes within a Hamming radius, with guaranteed recall.

Hashes are a ``(n, w)`` uint64 array of ``64 * w`` bits: 256-bit pHashes as ``(n, 4)``
(:func:`from_hex`: 64 hex characters, first word = first 16 characters), 64-bit hashes as
``(n, 1)`` (the copy signatures' sided search is :mod:`imgeda_ci.dupes.crossindex`, which
uses this module's chunks). :func:`near_pairs` returns *every* pair of
distinct hashes at distance ``<= radius`` and nothing else (each candidate's full distance is
computed); nothing is approximate.

How (multi-index hashing, Norouzi et al.): split the bits into ``m`` disjoint chunks. If two
hashes differ in at most ``r`` bits, some chunk differs in at most ``s = r // m`` bits (pigeonhole),
as long as ``m * (s + 1) > r``. So:

- ``s = 0`` (at least ``r + 1`` chunks, and at least one per 64 bits): pairs with an
  identical chunk value are the candidates; found by sorting each chunk's values and walking
  the runs of equal values.
- ``s = 1`` (at least ``r // 2 + 1`` chunks, of at most 22 bits): candidates also include pairs
  whose chunk values differ in one bit, found by looking up every one-bit variant of each value
  in a direct-address table of the chunk's sorted runs (``2**bits`` counters).

Per chunk the hashes are reordered by chunk value, so candidates are read nearly in sequence.
- brute force (blocked, vectorised popcount) when that is cheaper (small ``n``, or a radius too
  large for the above); with ``side`` (pairs across two sets only), every value of the smaller
  set against every value of the larger when that is cheaper (a few added images vs a base).

The plan with the smallest estimated cost for uniformly random hashes is chosen
(:func:`plan`). Identical hashes are merged first (near-blank images form hot clusters), so the
work and the output are over distinct hash values; callers map back with ``inverse``. Candidates
are produced and confirmed in bounded batches, so memory is linear in ``n`` plus the output.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BITS = 256
WORDS = 4
MAX_TABLE_BITS = 22  # s=1 plans: bucket tables of at most 2**22 counters
_BATCH = 1 << 21  # candidate pairs confirmed per batch
_SAMPLE = 20_000  # hashes a plan's candidate count is estimated on

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


def from_hex(hexes: Sequence[str]) -> U64:
    """``(n, 4)`` uint64 array from 64-hex-character hashes (first word = first 16 chars)."""
    if not hexes:
        return np.zeros((0, WORDS), dtype=np.uint64)
    raw = bytes.fromhex("".join(hexes))
    if len(raw) != len(hexes) * 32:
        raise ValueError("every hash must have 64 hex characters (256 bits)")
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, WORDS)


def to_hex(arr: U64) -> list[str]:
    """Inverse of :func:`from_hex`."""
    return [bytes(row).hex() for row in arr.astype(">u8").view(np.uint8).reshape(-1, 32)]


def distances(a: U64, b: U64) -> I64:
    """Row-wise Hamming distance of two ``(k, 4)`` arrays."""
    out: I64 = np.bitwise_count(a ^ b).sum(axis=1, dtype=np.int64)
    return out


@dataclass(frozen=True)
class Plan:
    """How :func:`near_pairs` searches: ``kind`` "mih" with ``chunks`` and chunk radius ``s``, or
    "brute"."""

    kind: str
    chunks: int = 0
    s: int = 0
    cost: float = 0.0


def plan(n: int, radius: int, hashes: U64 | None = None, bits: int = BITS) -> Plan:
    """The cheapest exact plan for ``n`` distinct ``bits``-bit hashes at ``radius`` (cost
    model: sorting, table probes and candidate pairs, in rough per-element units measured here).

    The model assumes uniformly random hashes. Real pHashes are not: their first bits (the
    lowest frequencies) take far fewer values, so equal chunk values, and candidates, are more
    frequent. Given the ``hashes``, the best plan of each chunk radius is re-costed with the
    candidates its chunks would really produce (pairs of equal chunk values, counted), and the
    cheaper of the two is taken.
    """
    pairs = n * (n - 1) / 2
    best = Plan("brute", cost=pairs * 1.0)
    per_s: dict[int, Plan] = {}
    for s in (0, 1):
        fewest = max(
            -(-bits // 64), radius // (s + 1) + 1
        )  # m * (s + 1) > radius; chunks <= 64 bits
        for m in range(fewest, min(fewest + 8, bits // 4) + 1):
            width = bits / m
            if s == 1 and -(-bits // m) > MAX_TABLE_BITS:
                continue
            volume = 1 + (int(width) if s else 0)
            cand = pairs * m * volume / 2.0**width
            cost = n * m * (8.0 + 3.0 * s * width) + cand * 1.0
            if s not in per_s or cost < per_s[s].cost:
                per_s[s] = Plan("mih", m, s, cost)
    if hashes is not None and len(hashes) == n and n >= 1000:
        per_s = {s: _measured(p, hashes, bits) for s, p in per_s.items()}
    for p in per_s.values():
        if p.cost < best.cost:
            best = p
    return best


def _measured(p: Plan, hashes: U64, bits: int) -> Plan:
    """``p`` re-costed with the equal chunk values of ``hashes`` counted (see :func:`plan`);
    one-bit neighbours (``s = 1``) are taken to be as frequent as equal values, per value."""
    n = len(hashes)
    sample = hashes
    if n > _SAMPLE:  # counted on an evenly spaced sample, scaled to all pairs
        sample = hashes[:: -(-n // _SAMPLE)]
    scale = (n * (n - 1)) / max(1, len(sample) * (len(sample) - 1))
    cand = 0.0
    for lo, hi in chunk_bounds(p.chunks, bits):
        keys = np.sort(chunk_values(sample, lo, hi))
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        counts = np.diff(np.append(starts, len(keys))).astype(np.float64)
        same = float(np.dot(counts, counts - 1)) / 2.0 * scale
        cand += same * (1 + (hi - lo) * p.s)
    return Plan(p.kind, p.chunks, p.s, n * p.chunks * (8.0 + 3.0 * p.s * bits / p.chunks) + cand)


def chunk_bounds(m: int, bits: int = BITS) -> list[tuple[int, int]]:
    """``m`` contiguous bit ranges covering ``bits`` bits, widths differing by at most one."""
    edges = [round(i * bits / m) for i in range(m + 1)]
    return list(itertools.pairwise(edges))


def chunk_values(h: U64, lo: int, hi: int) -> U64:
    """Bits ``lo..hi-1`` (bit 0 = most significant bit of word 0) as integers; ``hi - lo <= 64``."""
    width = hi - lo
    wa, oa = divmod(lo, 64)
    wb = (hi - 1) // 64
    mask = np.uint64((1 << width) - 1)
    if wa == wb:
        return (h[:, wa] >> np.uint64(64 - oa - width)) & mask
    high_bits = 64 - oa  # bits taken from word wa
    low_bits = width - high_bits
    top = (h[:, wa] & np.uint64((1 << high_bits) - 1)) << np.uint64(low_bits)
    return top | (h[:, wb] >> np.uint64(64 - low_bits))


@dataclass(frozen=True)
class NearPairs:
    """The answer of :func:`near_pairs`, over *distinct* hash values.

    ``unique[inverse[k]]`` is input hash ``k``; ``i < j`` index ``unique``; ``dist[t]`` is the
    distance of pair ``t`` (always >= 1: identical inputs share one unique row).
    """

    unique: U64
    inverse: I64
    i: I64
    j: I64
    dist: I64


def dedupe(hashes: U64) -> tuple[U64, I64]:
    """Distinct rows (sorted) and, per input row, the index of its distinct row."""
    n, words = len(hashes), hashes.shape[1]
    if n == 0:
        return hashes.reshape(0, words), np.zeros(0, dtype=np.int64)
    first = np.ascontiguousarray(hashes[:, 0])
    order = np.argsort(first, kind="stable")
    s0 = first[order]
    tie = np.zeros(n, dtype=bool)
    tie[1:] = s0[1:] == s0[:-1]
    tie[:-1] |= tie[1:]
    if tie.any():  # rows sharing the first word: order those runs by all four words
        at = np.flatnonzero(tie)
        sub = order[at]
        order[at] = sub[np.lexsort(tuple(hashes[sub, w] for w in reversed(range(words))))]
    s = hashes[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (s[1:] != s[:-1]).any(axis=1)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return np.ascontiguousarray(s[new]), inverse


def confirm(cols: Sequence[U64], a: I64, b: I64, radius: int) -> tuple[I64, I64, I64]:
    """The candidate pairs ``(a, b)`` at distance ``<= radius`` and their distances.

    ``cols`` holds the words as separate contiguous arrays; the distance is accumulated
    word by word and candidates already beyond the radius are dropped early.
    """
    d = np.zeros(len(a), dtype=np.int64)
    for col in cols:
        d += np.bitwise_count(col[a] ^ col[b])
        keep = np.flatnonzero(d <= radius)
        if len(keep) < len(d):
            a, b, d = a[keep], b[keep], d[keep]
    return a, b, d


def near_pairs(
    hashes: U64, radius: int, side: Bool | None = None, strategy: Plan | None = None
) -> NearPairs:
    """Every pair of distinct hash values at Hamming distance ``1..radius`` (guaranteed).

    With ``side`` (a bool per input row), only pairs between a value that occurs on side True
    and a value that occurs on side False are returned (a value on both sides pairs with
    everything within the radius on either side). ``strategy`` overrides :func:`plan` (tests
    use it to exercise every plan; any valid plan gives the same answer).
    """
    if radius < 0:
        raise ValueError("radius must be >= 0")
    uniq, inverse = dedupe(np.ascontiguousarray(hashes, dtype=np.uint64))
    u_side: tuple[Bool, Bool] | None = None
    if side is not None:
        on_true = np.zeros(len(uniq), dtype=bool)
        on_false = np.zeros(len(uniq), dtype=bool)
        on_true[inverse[side]] = True
        on_false[inverse[~side]] = True
        u_side = (on_true, on_false)
    found_i: list[I64] = []
    found_j: list[I64] = []
    found_d: list[I64] = []
    if radius >= 1 and len(uniq) >= 2:
        for a, b, d in _search(uniq, radius, u_side, strategy):
            if u_side is not None:
                keep = (u_side[0][a] & u_side[1][b]) | (u_side[1][a] & u_side[0][b])
                a, b, d = a[keep], b[keep], d[keep]
            found_i.append(np.minimum(a, b))
            found_j.append(np.maximum(a, b))
            found_d.append(d)
    if found_i:
        i, j, d = np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_d)
        _, first = np.unique(i * len(uniq) + j, return_index=True)  # a pair may share chunks
        i, j, d = i[first], j[first], d[first]
    else:
        i = j = d = np.zeros(0, dtype=np.int64)
    return NearPairs(uniq, inverse, i, j, d)


def _search(
    uniq: U64, radius: int, u_side: tuple[Bool, Bool] | None, strategy: Plan | None
) -> Found:
    """The candidate pairs (at most ``radius`` apart) among the distinct values ``uniq`` by the
    cheapest plan (or ``strategy``): across sides, brute force, or the multi-index search."""
    if (
        strategy is None
        and u_side is not None
        and _cross_is_cheaper(u_side, plan(len(uniq), radius, bits=64 * uniq.shape[1]))
    ):
        strategy = _CROSS  # cheaper than the model's best plan: no need to measure plans
    bits = 64 * uniq.shape[1]
    p = strategy or plan(len(uniq), radius, uniq, bits)
    if p.kind == "mih" and (p.chunks * (p.s + 1) <= radius or p.chunks * 64 < bits or p.s > 1):
        raise ValueError(f"{p} cannot guarantee recall at radius {radius}")
    cols = [np.ascontiguousarray(uniq[:, w]) for w in range(uniq.shape[1])]
    if u_side is not None and (p is _CROSS or (strategy is None and _cross_is_cheaper(u_side, p))):
        return _brute_cross(cols, u_side, radius)
    if p.kind == "brute":
        return _brute(cols, radius)
    return _mih(uniq, cols, p, radius)


Found = Iterator[tuple[I64, I64, I64]]
#: the plan of comparing the two sides of a sided search with each other
_CROSS = Plan("cross")


def _cross_is_cheaper(u_side: tuple[Bool, Bool], p: Plan) -> bool:
    """Comparing every value of the smaller side with every value of the other side (e.g. a
    handful of added images against a large base) beats the self-join plan."""
    a, b = int(u_side[0].sum()), int(u_side[1].sum())
    return float(min(a, b)) * float(max(a, b)) <= p.cost


def _brute_cross(cols: Sequence[U64], u_side: tuple[Bool, Bool], radius: int) -> Found:
    """Every value of the smaller side against every value of the other side, in blocks."""
    small, large = sorted((np.flatnonzero(u_side[0]), np.flatnonzero(u_side[1])), key=len)
    if not len(small) or not len(large):
        return
    rows = max(1, _BATCH // len(large))
    for start in range(0, len(small), rows):
        a = np.repeat(small[start : start + rows], len(large))
        b = np.tile(large, len(small[start : start + rows]))
        keep = a != b  # a value on both sides
        yield confirm(cols, a[keep], b[keep], radius)


def _brute(cols: Sequence[U64], radius: int) -> Found:
    """Every pair ``a < b`` compared, in blocks of rows."""
    n = len(cols[0])
    rows = max(1, _BATCH // max(1, n))
    for start in range(0, n - 1, rows):
        a = np.arange(start, min(n - 1, start + rows), dtype=np.int64)
        counts = n - 1 - a  # every b > a
        aa = np.repeat(a, counts)
        offs = np.arange(len(aa), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        yield confirm(cols, aa, aa + 1 + offs, radius)


def _mih(h: U64, cols: Sequence[U64], p: Plan, radius: int) -> Found:
    """Multi-index hashing with ``p.chunks`` chunks and chunk radius ``p.s`` (0 or 1).

    Per chunk the rows are put in key order (and the columns with them), so candidate pairs
    are read from memory nearly in sequence; confirmed pairs are mapped back to row numbers.
    """
    for lo, hi in chunk_bounds(p.chunks, 64 * h.shape[1]):
        keys = chunk_values(h, lo, hi)
        if hi - lo <= 32:
            keys = keys.astype(np.uint32)
        order = np.argsort(keys).astype(np.int64)
        sk = keys[order].astype(np.int64)
        scols = [c[order] for c in cols]
        cands = _equal_runs(sk)
        if p.s == 1:
            cands = itertools.chain(cands, _one_bit_neighbours(sk, hi - lo))
        for a, b in cands:
            ca, cb, d = confirm(scols, a, b, radius)
            yield order[ca], order[cb], d


def _equal_runs(sk: I64) -> Iterator[tuple[I64, I64]]:
    """Every pair of positions of the sorted keys ``sk`` holding equal keys (each pair once)."""
    n = len(sk)
    if n < 2:
        return
    starts = np.flatnonzero(np.concatenate(([True], sk[1:] != sk[:-1])))
    sizes = np.diff(np.append(starts, n))
    run_end = np.repeat(starts + sizes, sizes)  # exclusive end of each position's run
    pos = np.arange(n, dtype=np.int64)
    active = pos[run_end - pos > 1]  # positions with a later member in their run
    step = 1
    while len(active):
        for k in range(0, len(active), _BATCH):
            part = active[k : k + _BATCH]
            yield part, part + step
        step += 1
        active = active[run_end[active] - active > step]


def _one_bit_neighbours(sk: I64, width: int) -> Iterator[tuple[I64, I64]]:
    """Every pair of positions of the sorted ``width``-bit keys ``sk`` whose keys differ in
    exactly one bit (each pair once), using a direct-address table of each key's run."""
    counts = np.bincount(sk, minlength=1 << width)
    starts = np.cumsum(counts) - counts
    for bit in range(width):
        flip = np.int64(1 << bit)
        # each unordered pair once: look up from the side whose key has this bit clear
        src = np.flatnonzero((sk & flip) == 0)
        target = sk[src] | flip
        c = counts[target]
        hit = np.flatnonzero(c)
        src, c, first = src[hit], c[hit], starts[target[hit]]
        member = 0  # the member-th position of each target run, while runs last
        while len(src):
            for lo in range(0, len(src), _BATCH):
                yield src[lo : lo + _BATCH], first[lo : lo + _BATCH] + member
            member += 1
            more = np.flatnonzero(c > member)
            src, c, first = src[more], c[more], first[more]
