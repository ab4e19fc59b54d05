from __future__ import annotations

from typing import Any

from imgeda_ci.checks.registry import DatasetCheck, DatasetContext, Finding, all_policy_keys, get
from imgeda_ci.model import ImageRecord

HEADER = {
    "dataset": {
        "format": "coco",
        "classes": [
            {"id": 0, "name": "group", "super": True},
            {"id": 1, "name": "cat"},
            {"id": 2, "name": "dog"},
            {"id": 3, "name": "eel"},
        ],
        "classes_declared": True,
    }
}


def rec(i: int, classes: list[int], split: str = "train") -> ImageRecord:
    objects = [[c, 0, 0, 10, 10, n, 0] for n, c in enumerate(classes)]
    names = {1: "cat", 2: "dog"}
    labels = {
        "format": "coco",
        "file": "a.json" if classes else None,
        "classes": sorted({names[c] for c in classes}),
        "n": len(classes),
        "units": "px",
        "objects": objects,
    }
    return {"path": f"{i}.jpg", "split": split, "labels": labels}


RECORDS = [rec(0, [1] * 30), rec(1, [1, 2], "val"), rec(2, []), rec(3, [1])]


def by_id(check_id: str) -> DatasetCheck:
    found = get(check_id)
    assert isinstance(found, DatasetCheck)
    return found


def run(check: str, threshold: float | None = None, header: Any = HEADER) -> list[Finding]:
    return by_id(check).run(DatasetContext(RECORDS, header), threshold)


def test_min_images_per_class_counts_declared_classes_not_groups() -> None:
    [eel] = run("min_images_per_class")
    assert (eel.data["class"], eel.value, eel.paths) == ("eel", 0, ())
    found = run("min_images_per_class", 2)
    assert [(f.data["class"], f.value) for f in found] == [("dog", 1), ("eel", 0)]
    assert found[0].message == "class 'dog': 1 images < 2 (per split: val 1)"


def test_imbalance_ratio() -> None:
    assert run("max_class_imbalance_ratio") == []  # 32 / 1 <= 100
    [f] = run("max_class_imbalance_ratio", 10)
    assert f.value == 32.0 and f.data["most"] == "cat" and f.data["least"] == "dog"


def test_unlabeled_pct() -> None:
    [f] = run("max_unlabeled_pct")
    assert f.value == 25.0 and f.message == "1 images (25%) have no annotation, more than 10%"
    assert run("max_unlabeled_pct", 25) == []


def test_nothing_without_annotations() -> None:
    flat: list[ImageRecord] = [{"path": "a.jpg"}]
    ctx = DatasetContext(flat, {"dataset": {"format": "flat"}})
    for check in ("min_images_per_class", "max_class_imbalance_ratio", "max_unlabeled_pct"):
        assert by_id(check).run(ctx) == []


def test_policy_keys_set_the_thresholds() -> None:
    keys = all_policy_keys()
    for name in ("min_images_per_class", "max_class_imbalance_ratio", "max_unlabeled_pct"):
        assert keys[name].checks == (name,) and keys[name].sets == "threshold"
