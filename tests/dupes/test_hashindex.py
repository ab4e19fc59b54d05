"""The index finds every pair within the radius and nothing else, whatever the plan."""

from __future__ import annotations

import numpy as np
import pytest

from imgeda_ci.dupes.hashindex import (
    Plan,
    chunk_bounds,
    chunk_values,
    dedupe,
    distances,
    from_hex,
    near_pairs,
    plan,
    to_hex,
)

RNG = np.random.default_rng(7)


def _flip(row: np.ndarray, bits: np.ndarray) -> np.ndarray:
    out = row.copy()
    for b in bits.tolist():
        out[b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
    return out


def _hashes(n: int) -> np.ndarray:
    """Random hashes, a tenth of them sources of planted copies 0..40 bits away."""
    h = RNG.integers(0, 2**64 - 1, size=(n, 4), dtype=np.uint64, endpoint=True)
    for k in range(n // 10, n):
        src = h[RNG.integers(n // 10)]
        h[k] = _flip(src, RNG.choice(256, size=int(RNG.integers(0, 41)), replace=False))
    return h


def _brute(h: np.ndarray, radius: int) -> set[tuple[int, int]]:
    u, _ = dedupe(h)
    i, j = np.triu_indices(len(u), 1)
    d = distances(u[i], u[j])
    return set(zip(i[d <= radius].tolist(), j[d <= radius].tolist(), strict=True))


def _plans(radius: int) -> list[Plan]:
    out = [Plan("brute")]
    for s in (0, 1):
        fewest = max(4, radius // (s + 1) + 1)
        for m in (fewest, fewest + 3):
            if m <= 64 and not (s == 1 and -(-256 // m) > 22):
                out.append(Plan("mih", m, s))
    return out


def test_hex_round_trip_and_bit_order() -> None:
    hexes = ["80" + "0" * 62, "0" * 63 + "1", "f" * 64]
    arr = from_hex(hexes)
    assert to_hex(arr) == hexes
    assert arr[0, 0] == np.uint64(1 << 63) and arr[1, 3] == np.uint64(1)
    with pytest.raises(ValueError):
        from_hex(["abc"])


def test_chunk_values_read_the_right_bits() -> None:
    h = _hashes(50)
    bits = "".join(f"{int(x):064b}" for x in h[3])
    for m in (4, 9, 13, 25):
        for lo, hi in chunk_bounds(m):
            assert int(chunk_values(h, lo, hi)[3]) == int(bits[lo:hi], 2)
        assert chunk_bounds(m)[-1][1] == 256


@pytest.mark.parametrize("radius", [0, 1, 3, 8, 16, 24, 33])
def test_every_plan_equals_brute_force(radius: int) -> None:
    h = _hashes(600)
    expected = _brute(h, radius)
    if radius >= 8:
        assert expected  # the planted copies make the test able to fail
    for p in _plans(radius):
        got = near_pairs(h, radius, strategy=p)
        assert set(zip(got.i.tolist(), got.j.tolist(), strict=True)) == expected, p
        assert (got.dist <= radius).all() and (got.dist >= 1).all()
        assert (got.i < got.j).all()
    auto = near_pairs(h, radius)
    assert (distances(auto.unique[auto.i], auto.unique[auto.j]) == auto.dist).all()


def test_identical_hashes_are_merged() -> None:
    h = RNG.integers(0, 2**64 - 1, size=(100, 4), dtype=np.uint64, endpoint=True)
    h[50:60] = h[0]
    res = near_pairs(h, 8)
    assert len(res.unique) == 90  # rows 50..59 repeat row 0
    assert (res.inverse[50:60] == res.inverse[0]).all()
    assert (res.unique[res.inverse] == h).all()


def test_side_keeps_only_cross_pairs() -> None:
    h = _hashes(400)
    side = np.zeros(len(h), dtype=bool)
    side[::7] = True
    res = near_pairs(h, 20, side=side)
    on_true = np.zeros(len(res.unique), dtype=bool)
    on_false = np.zeros(len(res.unique), dtype=bool)
    on_true[res.inverse[side]] = True
    on_false[res.inverse[~side]] = True
    expected = {
        (i, j)
        for i, j in _brute(h, 20)
        if (on_true[i] and on_false[j]) or (on_false[i] and on_true[j])
    }
    assert expected
    assert set(zip(res.i.tolist(), res.j.tolist(), strict=True)) == expected


def test_plan_is_valid_and_refuses_too_few_chunks() -> None:
    for n in (10, 10_000, 1_000_000):
        for r in (1, 8, 24, 40):
            p = plan(n, r)
            assert p.kind == "brute" or p.chunks * (p.s + 1) > r
    with pytest.raises(ValueError):
        near_pairs(_hashes(20), 8, strategy=Plan("mih", 4, 0))
