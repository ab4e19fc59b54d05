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


def test_adopted_content_is_what_content_of_would_build() -> None:
    import pickle
    from dataclasses import replace

    import pytest

    from imgeda_ci.columns import shared
    from imgeda_ci.dupes.content import adopt, content_of

    def records() -> list[dict[str, object]]:
        return [
            {"path": f"{i}.jpg", "sha256": f"s{i % 3}", "phash": f"{i:064x}", "pixels": i}
            for i in range(5)
        ]

    made = content_of(records())
    sent = pickle.loads(pickle.dumps(replace(made, records=())))  # as another process sends it
    mine = records()
    with shared():
        adopt(mine, sent)
        got = content_of(mine)
        assert got.records is mine
        for name in ("ok", "sha", "pix", "hashed", "phash", "rank"):
            assert getattr(got, name).tolist() == getattr(made, name).tolist()
        assert got.sha_ids == made.sha_ids
        with pytest.raises(ValueError, match="5 records given for 4"):
            adopt(mine[:4], sent)
