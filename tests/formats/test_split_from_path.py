"""The split a path's folders name: the first folder that is a split word, judged per folder."""

from __future__ import annotations

from imgeda_ci.formats.base import split_from_path


def test_the_first_split_folder_names_it() -> None:
    assert split_from_path("train/cats/a.jpg") == "train"
    assert split_from_path("data/Valid2/a.jpg") == "val"
    assert split_from_path("test/train/a.jpg") == "test"  # the first one
    assert split_from_path("images/a.jpg") is None
    assert split_from_path("train.jpg") is None  # a file name is not a folder
    assert split_from_path("a.jpg") is None
    assert split_from_path("x/test.jpg") is None
    for _ in range(2):  # answered again from the folder cache: the same
        assert split_from_path("val/b.jpg") == "val"
        assert split_from_path("val/sub/c.jpg") == "val"
