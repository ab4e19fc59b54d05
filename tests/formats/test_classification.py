"""Classification layouts answer from the image's folder, with nothing kept per image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from imgeda_ci.formats import load_layout
from imgeda_ci.formats.base import new_labels, split_from_path
from imgeda_ci.formats.classification import class_of
from tests.formats.datasets import image

IMAGES = [
    "train/cat/1.jpg",
    "train/cat/2.jpg",
    "train/dog/3.jpg",
    "val/cat/4.jpg",
    "val/dog/5.jpg",
    "valid/bird/6.jpg",
    "test/images/7.jpg",  # a generic folder: no class
    "extra/cow/sub/train/8.jpg",  # the folder is a split word: no class
    "horse/9.jpg",
    "horse/10.jpg",
    "horse/11.jpg",
    "ZEBRA/12.jpg",
]


def _per_image(images: list[str]) -> dict[str, dict[str, Any]]:
    """The labels as the reader used to keep them: a dict per image, shared per class."""
    shared: dict[str | None, dict[str, Any]] = {}
    out = {}
    for img in images:
        cls = class_of(img)
        if cls not in shared:
            shared[cls] = new_labels("classification", None)
            if cls is not None:
                shared[cls]["classes"] = [cls]
                shared[cls]["n"] = 1
        out[img] = shared[cls]
    return out


def test_annotate_equals_the_per_image_labels(tmp_path: Path) -> None:
    for i, rel in enumerate(IMAGES):
        image(tmp_path / rel, seed=i)
    paths = sorted(IMAGES)
    layout = load_layout(tmp_path, paths, "classification")
    expected = _per_image(paths)
    for rel in paths:
        assert layout.annotate(rel) == (split_from_path(rel), expected[rel])
    assert layout.annotate("horse/9.jpg")[1] is layout.annotate("horse/10.jpg")[1]  # shared
    assert layout.header_facts()["classes"] == [
        {"id": i, "name": n} for i, n in enumerate(["ZEBRA", "bird", "cat", "dog", "horse"])
    ]
    assert layout.labels == {}  # nothing per image


def test_a_path_of_no_scanned_class_gets_empty_labels(tmp_path: Path) -> None:
    for i, rel in enumerate(IMAGES):
        image(tmp_path / rel, seed=i)
    layout = load_layout(tmp_path, sorted(IMAGES), "classification")
    assert layout.annotate("val/fish/1.jpg") == ("val", new_labels("classification", None))
    assert layout.annotate("root.jpg") == (None, new_labels("classification", None))


def test_annotate_many_answers_as_annotate_path_by_path() -> None:
    """Every folder judged once gives what each path's own answer is, a split named for one
    image included."""
    from imgeda_ci.formats.base import Layout
    from imgeda_ci.formats.classification import FolderLayout

    paths = ["a.jpg", "train/cat/1.jpg", "train/cat/2.jpg", "val/dog/3.jpg", "images/4.jpg"]
    folder = FolderLayout(["cat", "dog"])
    folder.splits = {"train/cat/2.jpg": "test"}
    plain = Layout("yolo", labels={"val/dog/3.jpg": new_labels("yolo", None)})
    for layout in (folder, plain):
        splits, labels = layout.annotate_many(paths)
        assert list(zip(splits, labels, strict=True)) == [layout.annotate(p) for p in paths]
