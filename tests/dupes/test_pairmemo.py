"""The pair memory answers exactly as a fresh search, whatever was asked before."""

from __future__ import annotations

import numpy as np
import pytest

from imgeda_ci.dupes.hashindex import NearPairs, near_pairs
from imgeda_ci.dupes.pairmemo import PairMemo


def as_set(r: NearPairs) -> set[tuple[bytes, bytes, int]]:
    out = set()
    for a, b, d in zip(r.i, r.j, r.dist, strict=True):
        x, y = sorted((r.unique[a].tobytes(), r.unique[b].tobytes()))
        out.add((x, y, int(d)))
    return out


def planted(rng: np.random.Generator, n: int, radius: int) -> np.ndarray:  # type: ignore[type-arg]
    h = rng.integers(0, 2**63, size=(n, 4), dtype=np.uint64)
    for k in range(0, n - 1, 7):  # near copies at distances 1..radius+2
        h[k + 1] = h[k]
        for bit in rng.choice(256, size=1 + k % (radius + 2), replace=False):
            h[k + 1, bit // 64] ^= np.uint64(1) << np.uint64(bit % 64)
    h[5] = h[4]  # an exact duplicate value
    return h


def test_memo_equals_fresh_search_as_the_set_changes() -> None:
    rng = np.random.default_rng(3)
    radius = 12
    head = planted(rng, 3000, radius)
    memo = PairMemo(radius)
    assert as_set(memo.query(head)) == as_set(near_pairs(head, radius))
    # the base: a few removed, a few added (some near the head's values)
    added = head[rng.choice(len(head), 40, replace=False)].copy()
    added[:, 0] ^= np.uint64(0b111)  # 3 bits away from existing values
    base = np.concatenate([head[30:], added, planted(rng, 20, radius)])
    got = memo.query(base)
    assert memo.hits == 1
    assert as_set(got) == as_set(near_pairs(base, radius))
    # and back to the head: still exact, now entirely from memory
    assert as_set(memo.query(head)) == as_set(near_pairs(head, radius))
    assert memo.hits == 2
    # a mostly different set is computed from scratch
    other = planted(rng, 500, radius)
    assert as_set(memo.query(other)) == as_set(near_pairs(other, radius))
    assert memo.hits == 2


@pytest.mark.parametrize("keys", ["mixed", "all equal"])
def test_row_index_finds_exactly_the_rows_present(
    keys: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each row's position or -1, whether the 64-bit keys are distinct (sorted search) or
    collide (a dict answers): a near miss (one bit off) is never taken for a present row."""
    from imgeda_ci.dupes import pairmemo

    if keys == "all equal":
        monkeypatch.setattr(pairmemo, "_keys", lambda rows: np.zeros(len(rows), dtype=np.uint64))
    rng = np.random.default_rng(3)
    values = np.unique(rng.integers(0, 2**63, (500, 4), dtype=np.uint64), axis=0)
    index = pairmemo.RowIndex(values)
    assert (index.exact is not None) == (keys == "all equal")
    present = rng.permutation(len(values))[:200]
    off = values[present[:50]].copy()
    off[:, 3] ^= np.uint64(1)
    rows = np.concatenate([values[present], off])
    want = np.concatenate([present, np.full(50, -1)])
    assert index.find(rows).tolist() == want.tolist()
    assert pairmemo.RowIndex(values[:0]).find(rows).tolist() == [-1] * len(rows)
