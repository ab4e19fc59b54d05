"""Leakage across splits and duplicates of base images, on hand-made records."""

from __future__ import annotations

from imgeda_ci.dupes import NearOptions, added_indexes, find_base_duplicates, find_leaks, splits_of
from tests.dupes.test_groups import ZERO, _flip, _rec

OPTS = NearOptions(8)


def test_every_cross_split_pair_is_reported_from_the_later_split() -> None:
    h = _flip(ZERO, range(50, 90))
    recs = [
        _rec("train/a.jpg", h, sha="x" * 64, pixels=500),
        _rec("train/a_copy.jpg", h, sha="x" * 64),
        _rec("valid/b.jpg", _flip(h, [1, 2, 3])),
        _rec("test/c.jpg", h, sha="x" * 64),
        _rec("test/unrelated.jpg", _flip(h, range(0, 50))),
        _rec("misc/d.jpg", h, sha="x" * 64),  # no split: not leakage
    ]
    leaks, exact = find_leaks(recs, splits_of(recs), OPTS)
    assert exact
    got = {
        (
            recs[lk.image]["path"],
            lk.other_split,
            recs[lk.other]["path"],
            lk.kind,
            lk.distance,
            lk.match_count,
        )
        for lk in leaks
    }
    assert got == {
        ("valid/b.jpg", "train", "train/a.jpg", "near", 3, 2),
        ("test/c.jpg", "train", "train/a.jpg", "bytes", 0, 2),
        ("test/c.jpg", "val", "valid/b.jpg", "near", 3, 1),
    }


def test_split_globs_override_folders() -> None:
    recs = [_rec("imgs/1.jpg", ZERO, sha="y" * 64), _rec("imgs/2.jpg", ZERO, sha="y" * 64)]
    assert find_leaks(recs, splits_of(recs), OPTS)[0] == []
    splits = splits_of(recs, {"train": ["imgs/1.jpg"], "test": ["imgs/2.jpg"]})
    leaks, _ = find_leaks(recs, splits, OPTS)
    assert [(recs[lk.image]["path"], lk.kind) for lk in leaks] == [("imgs/2.jpg", "bytes")]


def test_added_images_duplicating_the_base() -> None:
    h = _flip(ZERO, range(10, 60))
    base = [
        _rec("a.jpg", h, sha="a" * 64),
        _rec("old_name.jpg", _flip(h, range(100, 200)), sha="r" * 64),
        _rec("edited.jpg", _flip(h, range(200, 256)), sha="e" * 64),
        _rec("gone.jpg", _flip(h, range(60, 160)), sha="g" * 64),
    ]
    head = [
        base[0],
        _rec("new_name.jpg", base[1]["phash"], sha="r" * 64),  # a rename: not added
        _rec("edited.jpg", _flip(h, range(200, 254)), sha="f" * 64),  # modified, near itself only
        _rec("copy_of_a.jpg", h, sha="a" * 64),  # same bytes as a.jpg
        _rec("near_a.jpg", _flip(h, [0, 1, 2, 3]), sha="n" * 64),
        _rec("near_gone.jpg", base[3]["phash"], sha="m" * 64),  # its original left the dataset
        _rec("fresh.jpg", _flip(h, range(0, 128)), sha="z" * 64),
    ]
    assert [head[k]["path"] for k in added_indexes(head, base)] == [
        "edited.jpg",
        "copy_of_a.jpg",
        "near_a.jpg",
        "near_gone.jpg",
        "fresh.jpg",
    ]
    dupes, _ = find_base_duplicates(head, base, OPTS)
    got = {(head[d.image]["path"], base[d.base]["path"], d.kind, d.distance) for d in dupes}
    assert got == {("copy_of_a.jpg", "a.jpg", "bytes", 0), ("near_a.jpg", "a.jpg", "near", 4)}
