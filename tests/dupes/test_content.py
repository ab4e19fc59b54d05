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

    from imgeda_ci.columns import Columns
    from imgeda_ci.dupes.content import content_of
    from imgeda_ci.dupes.search import DupeSearch

    def records() -> list[dict[str, object]]:
        return [
            {"path": f"{i}.jpg", "sha256": f"s{i % 3}", "phash": f"{i:064x}", "pixels": i}
            for i in range(5)
        ]

    made = content_of(Columns(records()))
    sent = pickle.loads(pickle.dumps(replace(made, records=())))  # as another process sends it
    mine = records()
    search = DupeSearch()
    search.adopt(mine, sent)
    got = search.content(mine)
    assert got.records is mine
    for name in ("ok", "sha", "pix", "hashed", "phash", "rank"):
        assert getattr(got, name).tolist() == getattr(made, name).tolist()
    assert got.sha_ids == made.sha_ids
    with pytest.raises(ValueError, match="5 records given for 4"):
        search.adopt(mine[:4], sent)


def test_ids_number_strings_by_first_appearance_and_give_no_id_to_empty_ones() -> None:
    from imgeda_ci.dupes.content import _ids

    strings: list[object] = ["b", "a", "", "b", "c", "", "a"]
    got, index = _ids(strings)
    assert got.tolist() == [0, 1, -1, 0, 2, -1, 1]
    assert index == {"b": 0, "a": 1, "c": 2}
    mixed: list[object] = ["b", None, "a", 7, "", "b"]  # not all strings: the general way
    got, index = _ids(mixed)
    assert got.tolist() == [0, -1, 1, -1, -1, 0]
    assert index == {"b": 0, "a": 1}
    assert _ids(["", "x", "x"])[0].tolist() == [-1, 0, 0]


def test_quality_rank_is_the_quality_order_in_or_out_of_path_order() -> None:
    """Most pixels, then largest file, then path (ties: record order), whether the records
    come in path order (as manifests do: no sort needed) or not."""
    import random

    from imgeda_ci.columns import Columns
    from imgeda_ci.dupes.content import quality_rank

    rng = random.Random(5)
    records = [
        {
            "path": f"{i % 7}/{i:03d}.jpg",
            "pixels": rng.choice([100, 200]),
            "size": rng.choice([5, 6]),
        }
        for i in range(60)
    ]
    records.append(dict(records[3]))  # a path twice
    for order in ("path order", "shuffled"):
        if order == "shuffled":
            rng.shuffle(records)
        else:
            records.sort(key=lambda r: str(r["path"]))
        want = sorted(
            range(len(records)),
            key=lambda k: (
                -int(records[k]["pixels"]),
                -int(records[k]["size"]),
                records[k]["path"],
                k,
            ),
        )
        rank = quality_rank(Columns(records))  # type: ignore[arg-type]
        assert sorted(range(len(records)), key=lambda k: int(rank[k])) == want
