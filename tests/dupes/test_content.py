"""Content keys: malformed hashes are marked invalid, valid ones read as from_hex reads them."""

from __future__ import annotations

from imgeda_ci.dupes.content import hashes_of
from imgeda_ci.dupes.hashindex import from_hex


def test_hashes_of_marks_what_is_not_a_256_bit_hex_hash() -> None:
    good = ["0" * 63 + "1", "F" * 64]
    values: list[object] = [good[0], "z" * 64, None, "ab", 7, good[1]]
    rows, valid = hashes_of(values)
    assert valid.tolist() == [True, False, False, False, False, True]
    assert rows[[0, 5]].tolist() == from_hex(good).tolist()
    assert not rows[[1, 2, 3, 4]].any()
