"""Near pairs remembered across calls: the base branch costs almost nothing after the head.

A pull-request run asks for the near pairs of the head's hashes, then of the base's, which are
the same values but for the few a change added or removed. :class:`PairMemo` keeps every value
it has seen with the *complete* near relation among them; a later query that adds only a few
values compares just those against everything known (exhaustively, so recall stays exact) and
reads the rest of its answer from memory. A query that shares little with what is known is
computed from scratch and becomes the memory. Answers are identical to
:func:`imgeda_ci.dupes.hashindex.near_pairs` (a test holds them to it).
"""

from __future__ import annotations

import numpy as np

from imgeda_ci.dupes.hashindex import I64, U64, NearPairs, dedupe, near_pairs

#: Above this share of new values, a query is computed from scratch.
MAX_NEW_SHARE = 0.2


#: odd 64-bit multipliers mixing a row's four words into one key (any would do: see RowIndex)
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)


def _keys(rows: U64) -> U64:
    """One 64-bit key per row (arithmetic wraps modulo 2**64)."""
    k: U64 = (rows * _MIX).sum(axis=1, dtype=np.uint64)
    out: U64 = k ^ (k >> np.uint64(29))
    return out


class RowIndex:
    """Where each of some distinct ``(n, 4)`` rows is in ``values``, found by numpy sorting
    and searching instead of a dict of 50,000 byte strings. Rows are found by a 64-bit key
    mixed from their words and confirmed word by word, so a key two values share can only
    cost speed: then a dict answers instead."""

    def __init__(self, values: U64) -> None:
        self.values = values
        keys = _keys(values)
        self.order: I64 = np.argsort(keys, kind="stable").astype(np.int64)
        self.sorted: U64 = keys[self.order]
        self.exact: dict[bytes, int] | None = None
        if len(keys) > 1 and bool((self.sorted[1:] == self.sorted[:-1]).any()):
            self.exact = {row.tobytes(): k for k, row in enumerate(values)}

    def find(self, rows: U64) -> I64:
        """Each row's position in ``values``, -1 where absent."""
        if self.exact is not None:
            got = self.exact
            return np.fromiter(
                (got.get(r.tobytes(), -1) for r in rows), dtype=np.int64, count=len(rows)
            )
        if not len(self.values) or not len(rows):
            return np.full(len(rows), -1, dtype=np.int64)
        keys = _keys(rows)
        at = np.minimum(np.searchsorted(self.sorted, keys), len(self.sorted) - 1)
        cand = self.order[at]
        hit = (self.sorted[at] == keys) & (self.values[cand] == rows).all(axis=1)
        out: I64 = np.where(hit, cand, -1)
        return out


class PairMemo:
    """The near relation (at one radius) among every hash value queried so far."""

    def __init__(self, radius: int) -> None:
        self.radius = radius
        self.values: U64 = np.zeros((0, 4), dtype=np.uint64)
        self.index = RowIndex(self.values)
        self.pi: I64 = np.zeros(0, dtype=np.int64)
        self.pj: I64 = np.zeros(0, dtype=np.int64)
        self.pd: I64 = np.zeros(0, dtype=np.int64)
        self.hits = 0  # queries answered mostly from memory (for tests and benchmarks)

    def _reset(self, result: NearPairs) -> NearPairs:
        self.values = result.unique
        self.index = RowIndex(self.values)
        self.pi, self.pj, self.pd = result.i, result.j, result.dist
        return result

    def query(self, hashes: U64) -> NearPairs:
        """Every pair of distinct values of ``hashes`` within the radius (see the module doc)."""
        uniq, inverse = dedupe(np.ascontiguousarray(hashes, dtype=np.uint64))
        ids = self.index.find(uniq)
        new = np.flatnonzero(ids < 0)
        if not len(self.values) or len(new) > MAX_NEW_SHARE * max(1, len(uniq)):
            return self._reset(near_pairs(hashes, self.radius))
        self.hits += 1
        if len(new):
            self._learn(uniq[new])
            ids = self.index.find(uniq)
        # the memory's pairs whose both ends are in this query, renumbered to its rows
        local = np.full(len(self.values), -1, dtype=np.int64)
        local[ids] = np.arange(len(ids))
        keep = (local[self.pi] >= 0) & (local[self.pj] >= 0)
        a, b = local[self.pi[keep]], local[self.pj[keep]]
        return NearPairs(uniq, inverse, np.minimum(a, b), np.maximum(a, b), self.pd[keep])

    def state(self) -> tuple[U64, I64, I64, I64]:
        """What :meth:`restore` needs to answer as this memory does (for another process)."""
        return self.values, self.pi, self.pj, self.pd

    def restore(self, state: tuple[U64, I64, I64, I64]) -> None:
        """Become the memory :meth:`state` described (its relation must be complete)."""
        values, pi, pj, pd = state
        self.values = np.ascontiguousarray(values, dtype=np.uint64)
        self.index = RowIndex(self.values)
        self.pi, self.pj, self.pd = pi, pj, pd

    def _learn(self, fresh: U64) -> None:
        """Add values, with their pairs against everything known and among themselves."""
        m = len(self.values)
        both = np.concatenate([self.values, fresh])
        side = np.zeros(len(both), dtype=bool)
        side[m:] = True
        cross = near_pairs(both, self.radius, side=side)  # new values against the known ones
        inner = near_pairs(fresh, self.radius)  # among the new values
        # near_pairs renumbers by its own deduplication: map back to positions in ``both``
        pos_cross = np.empty(len(cross.unique), dtype=np.int64)
        pos_cross[cross.inverse] = np.arange(len(both))
        pos_inner = np.empty(len(inner.unique), dtype=np.int64)
        pos_inner[inner.inverse] = np.arange(m, len(both))
        self.values = both
        self.index = RowIndex(both)
        self.pi = np.concatenate([self.pi, pos_cross[cross.i], pos_inner[inner.i]])
        self.pj = np.concatenate([self.pj, pos_cross[cross.j], pos_inner[inner.j]])
        self.pd = np.concatenate([self.pd, cross.dist, inner.dist])
