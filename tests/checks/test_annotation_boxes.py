from __future__ import annotations

from typing import Any

from imgeda_ci.checks.registry import DatasetCheck, DatasetContext, Finding, get
from imgeda_ci.model import ImageRecord

HEADER = {"dataset": {"format": "yolo", "classes": [{"id": 0, "name": "a"}],
                      "classes_declared": True}}  # fmt: skip


def rec(objects: list[list[Any]], units: str = "norm", **extra: Any) -> ImageRecord:
    labels: dict[str, Any] = {
        "format": "yolo" if units == "norm" else "voc",
        "file": "x.txt" if units == "norm" else "x.xml",
        "classes": ["a"],
        "n": len(objects),
        "units": units,
        "objects": objects,
    }
    labels.update(extra.pop("labels", {}))
    r: dict[str, Any] = {"path": "x.jpg", "width": 100, "height": 50, "labels": labels}
    r.update(extra)
    return r  # type: ignore[return-value]


def by_id(check_id: str) -> DatasetCheck:
    found = get(check_id)
    assert isinstance(found, DatasetCheck)
    return found


def run(check: str, records: list[ImageRecord], threshold: float | None = None) -> list[Finding]:
    return by_id(check).run(DatasetContext(records, HEADER), threshold)


def test_out_of_bounds_with_tolerance() -> None:
    r = rec([[0, 0.1, 0.1, 1.004, 0.5, 3, 0], [0, -0.2, 0.1, 0.5, 0.5, 4, 0]])
    found = run("label_box_out_of_bounds", [r])
    assert [(f.data["line"], f.value) for f in found] == [(3, 0.004), (4, 0.2)]
    assert found[0].paths == ("x.jpg", "x.txt")
    assert found[0].message.startswith("x.txt:3: extends 0.004 of the image side outside it")
    assert [f.data["line"] for f in run("label_box_out_of_bounds", [r], 0.01)] == [4]


def test_pixel_boxes_use_declared_size_else_the_oriented_image() -> None:
    inside_declared = rec([[0, 0, 0, 150, 40, 5, 0]], "px", labels={"size": [200, 50]})
    assert run("label_box_out_of_bounds", [inside_declared]) == []
    # no declared size: the image is 100x50 stored, EXIF 6 makes it 50x100 as seen
    rotated = rec([[0, 0, 0, 40, 90, 5, 0]], "px", exif={"orientation": 6})
    assert run("label_box_out_of_bounds", [rotated]) == []
    assert len(run("label_box_out_of_bounds", [rec([[0, 0, 0, 40, 90, 5, 0]], "px")])) == 1


def test_degenerate_zero_area_and_below_threshold() -> None:
    r = rec(
        [
            [0, 0.5, 0.5, 0.5, 0.6, 1, 0],  # zero width
            [0, 0.1, 0.1, 0.105, 0.5, 2, 0],  # 0.5 px wide on a 100 px image
            [0, 0.1, 0.1, 0.5, 0.5, 3, 0],
            [0, 0.3, 0.3, 0.3, 0.3, 4, 1],  # 1-point polygon: too few points, not degenerate
        ]
    )
    assert [(f.data["line"], f.value) for f in run("label_box_degenerate", [r])] == [
        (1, 0.0),
        (2, 0.5),
    ]
    assert [f.data["line"] for f in run("label_box_degenerate", [r], 0.25)] == [1]


def test_duplicates_by_iou_and_class() -> None:
    r = rec(
        [
            [0, 0.1, 0.1, 0.5, 0.5, 1, 0],
            [0, 0.1, 0.1, 0.5, 0.51, 2, 0],  # IoU 0.975 with line 1
            [1, 0.1, 0.1, 0.5, 0.5, 3, 0],  # other class
            [0, 0.1, 0.1, 0.5, 0.5, 4, 5],  # a polygon, not a box
            [0, 0.1, 0.1, 0.5, 0.5, 5, 0],  # exact copy of line 1
        ]
    )
    found = run("label_box_duplicate", [r])
    assert [(f.data["line"], f.data["duplicate_of"]) for f in found] == [(2, 1), (5, 1)]
    assert [f.data["line"] for f in run("label_box_duplicate", [r], 0.99)] == [5]


def test_polygon_points_threshold() -> None:
    r = rec([[0, 0.1, 0.1, 0.2, 0.2, 1, 2], [0, 0.1, 0.1, 0.2, 0.2, 2, 3], [0, 0, 0, 1, 1, 3, 0]])
    assert [f.value for f in run("label_polygon_too_few_points", [r])] == [2]
    assert [f.value for f in run("label_polygon_too_few_points", [r], 4)] == [2, 3]


def test_class_unknown_only_against_declared_classes() -> None:
    r = rec([[0, 0, 0, 1, 1, 1, 0], [7, 0, 0, 1, 1, 2, 0]])
    [f] = run("label_class_unknown", [r])
    assert (f.value, f.data["line"]) == (7, 2)
    assert f.message == "x.txt:2: class id 7 is not declared (1 classes: id 0)"
    undeclared = DatasetContext([r], {"dataset": {"classes": [], "classes_declared": False}})
    assert by_id("label_class_unknown").run(undeclared) == []


def test_size_mismatch_accepts_stored_or_oriented_size() -> None:
    same = rec([], "px", labels={"size": [100, 50]})
    turned = rec([], "px", labels={"size": [50, 100]}, exif={"orientation": 8})
    wrong = rec([], "px", labels={"size": [0, 0]})
    [f] = run("label_size_mismatch", [same, turned, wrong])
    assert f.message == "x.xml: declares the image 0x0 but x.jpg is 100x50"
    assert f.data == {"file": "x.xml", "declared": [0, 0], "actual": [100, 50]}
