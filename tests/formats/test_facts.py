from __future__ import annotations

from typing import Any

from imgeda_ci.formats.facts import dataset_facts
from imgeda_ci.model import ImageRecord

HEADER = {
    "dataset": {
        "format": "yolo",
        "classes": [
            {"id": 0, "name": "ship"},
            {"id": 1, "name": "boat"},
            {"id": 2, "name": "raft"},
        ],
        "classes_declared": True,
    }
}


def rec(path: str, split: str | None, objects: list[list[Any]] | None) -> ImageRecord:
    r: dict[str, Any] = {"path": path, "width": 200, "height": 100}
    if split:
        r["split"] = split
    if objects is None:
        r["labels"] = {"format": "yolo", "file": None, "classes": [], "n": 0}
    else:
        names = {0: "ship", 1: "boat"}
        r["labels"] = {
            "format": "yolo",
            "file": path + ".txt",
            "classes": sorted({names.get(o[0], f"#{o[0]}") for o in objects}),
            "n": len(objects),
            "units": "norm",
            "objects": objects,
        }
    return r  # type: ignore[return-value]


RECORDS = [
    # 20x10 px box (size sqrt(200) = 14.1 px, aspect 2) and a 100x50 px polygon box
    rec("a", "train", [[0, 0.1, 0.1, 0.2, 0.2, 1, 0], [0, 0.0, 0.0, 0.5, 0.5, 2, 4]]),
    rec("b", "train", [[1, 0.1, 0.1, 0.2, 0.2, 1, 0], [44, 0, 0, 0.1, 0.1, 2, 0]]),
    rec("c", "val", []),
    rec("d", "val", None),
    rec("e", None, [[0, 0.5, 0.5, 0.6, 0.7, 1, 0]]),
]


def test_counts_per_class_and_split() -> None:
    facts = dataset_facts(RECORDS, HEADER)
    assert facts["images"] == 5
    assert facts["images_per_split"] == {"none": 1, "train": 2, "val": 2}
    assert (facts["labelled"], facts["unlabeled"], facts["empty"]) == (3, 1, 1)
    assert facts["unlabeled_pct"] == 20.0
    assert (facts["objects"], facts["boxes"], facts["polygons"]) == (5, 4, 1)
    assert facts["images_by_shape"] == {"box_only": 2, "polygon_only": 0, "mixed": 1}
    assert facts["classes"]["ship"] == {
        "images": {"none": 1, "train": 1},
        "instances": {"none": 1, "train": 2},
        "images_total": 2,
        "instances_total": 3,
        "declared": True,
    }
    assert facts["classes"]["raft"]["images_total"] == 0
    assert facts["classes"]["#44"]["declared"] is False
    assert facts["unknown_class_ids"] == {"44": 1}
    assert facts["max_class_id"] == 44
    assert facts["imbalance_ratio"] == 3.0  # ship 3 / boat 1; raft (0) and #44 left out


def test_box_histograms() -> None:
    facts = dataset_facts(RECORDS, HEADER)
    px = facts["box_size_px"]
    assert px["edges"] == [0, 8, 16, 32, 64, 96, 128, 256, 512, None]
    # sqrt(w*h): three 20x10 px boxes 14.1, the 100x50 polygon 70.7, the 20x20 box 20
    assert px["counts"] == [0, 3, 1, 0, 1, 0, 0, 0, 0]
    assert facts["box_aspect"]["counts"][5:7] == [0, 4]  # aspect 2.0 (w/h in pixels) -> [2, 4)
    assert sum(facts["box_size_rel"]["counts"]) == 5
    assert facts["box_area_coco"] == {"small": 4, "medium": 1, "large": 0}


def test_without_header_or_labels() -> None:
    facts = dataset_facts([{"path": "a.jpg"}])
    assert facts["images"] == 1 and facts["classes"] == {} and facts["imbalance_ratio"] is None


def _mixed() -> list[dict[str, Any]]:
    """Classification labels of every plain shape and some that are not plain, among others."""
    out: list[dict[str, Any]] = [dict(r) for r in RECORDS]
    shapes: list[Any] = [
        {"format": "classification", "classes": ["ship"], "n": 1, "file": None},
        {"format": "classification", "classes": ("boat",), "n": 1, "file": "x.txt"},
        {"format": "classification", "classes": [], "n": 0, "file": None},
        {"format": "classification", "classes": None, "n": 0, "file": "y.txt", "problems": []},
        {"format": "yolo", "classes": ["ship"], "n": 1, "file": "s.txt", "objects": []},
        {"format": "classification", "classes": "ship", "n": 1, "file": None},  # not a list
        {"format": "classification", "classes": ["raft"], "n": 1, "problems": [{"code": "x"}]},
        {"format": "classification", "classes": [], "n": 0, "file": "p", "problems": [{"c": 1}]},
        None,
        {},
    ]
    for i in range(40):
        r: dict[str, Any] = {"path": f"k{i}", "labels": shapes[i % len(shapes)]}
        if i % 3:
            r["split"] = ("train", "val")[i % 2]
        out.append(r)
    return out


def _counted_one_by_one(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The facts as counted record by record: every record through the long way (the
    reference for the counting by columns, which takes plain combinations in bulk)."""
    from imgeda_ci.formats.facts import NO_SPLIT, _Tally, dataset_info

    tally = _Tally.start(dataset_info(HEADER), HEADER)
    for rec in records:
        if rec.get("labels"):
            tally.add_record(rec)  # type: ignore[arg-type]
        else:
            tally.add_plain(rec.get("split") or NO_SPLIT, None, 1)
    return tally.facts(dataset_info(HEADER))


def test_counting_by_columns_equals_counting_record_by_record() -> None:
    records = _mixed()
    by_columns = dataset_facts(records, HEADER)  # type: ignore[arg-type]
    assert by_columns == _counted_one_by_one(records)
    assert by_columns == dataset_facts(iter(records), HEADER)  # type: ignore[arg-type]
    assert by_columns["images"] == len(records)
    damaged = [*records, {"path": "z", "labels": {"format": ["classification"], "n": 0}}]
    assert dataset_facts(damaged, HEADER) == _counted_one_by_one(damaged)  # type: ignore[arg-type]
