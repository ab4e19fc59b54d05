from __future__ import annotations

from imgeda_ci.dupes.splits import canonical, rank, split_of, split_of_path
from imgeda_ci.model import ImageRecord


def test_split_from_path_folders() -> None:
    assert split_of_path("data/Train/cats/a.jpg") == "train"
    assert split_of_path("valid/a.jpg") == "val"
    assert split_of_path("x/validation/a.jpg") == "val"
    assert split_of_path("testing/a.jpg") == "test"
    assert split_of_path("images/a.jpg") is None
    assert split_of_path("train.jpg") is None  # a file name is not a folder


def test_precedence_globs_then_record_then_path() -> None:
    rec: ImageRecord = {"path": "train/a.jpg", "split": "valid"}
    assert split_of(rec) == "val"
    assert split_of(rec, {"holdout": ["train/a.*"]}) == "holdout"
    assert split_of({"path": "train/b.jpg"}, {"test": ["**/zz*"]}) == "train"
    assert split_of({"path": "misc/b.jpg"}) is None


def test_canonical_and_rank() -> None:
    assert canonical("Validation") == "val" and canonical("Holdout") == "holdout"
    assert sorted(["test", "extra", "train", "val"], key=rank) == ["train", "val", "test", "extra"]
