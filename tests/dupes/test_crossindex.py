"""The sided 64-bit search returns exactly the brute-force pairs, at every radius."""

from __future__ import annotations

import numpy as np
import pytest

from imgeda_ci.dupes.crossindex import near_across


def _values(rng: np.random.Generator, n: int, clustered: bool) -> np.ndarray:  # type: ignore[type-arg]
    if not clustered:
        return rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True)
    centres = rng.integers(0, 2**64 - 1, size=5, dtype=np.uint64, endpoint=True)
    out = centres[rng.integers(0, 5, size=n)]
    for _ in range(4):  # up to four random bits off a centre (or none: equal values)
        bit = rng.integers(0, 64, size=n).astype(np.uint64)
        out = out ^ np.where(rng.random(n) < 0.5, np.uint64(1) << bit, np.uint64(0))
    return out


@pytest.mark.parametrize("radius", [0, 1, 3, 5, 8])
@pytest.mark.parametrize("clustered", [False, True])
def test_near_across_is_exactly_brute_force(radius: int, clustered: bool) -> None:
    rng = np.random.default_rng(radius + 10 * clustered)
    query, index = _values(rng, 400, clustered), _values(rng, 900, clustered)
    query[:100] = index[rng.integers(0, 900, 100)]  # equal values, then one bit off
    query[50:100] ^= np.uint64(1) << np.uint64(7)
    d = np.bitwise_count(query[:, None] ^ index[None, :]).astype(np.int64)
    want_q, want_i = np.nonzero(d <= radius)
    q, i, dist = near_across(query, index, radius)
    assert q.tolist() == want_q.tolist() and i.tolist() == want_i.tolist()
    assert dist.tolist() == d[want_q, want_i].tolist()
    assert len(q) >= (50 if radius == 0 else 100)


def test_near_across_of_nothing_and_bad_radius() -> None:
    some = np.arange(5, dtype=np.uint64)
    assert [len(x) for x in near_across(some[:0], some, 3)] == [0, 0, 0]
    with pytest.raises(ValueError, match="radius"):
        near_across(some, some, -1)
