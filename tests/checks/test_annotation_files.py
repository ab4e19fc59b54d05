from __future__ import annotations

from typing import Any

from imgeda_ci.checks.registry import DatasetCheck, DatasetContext, Finding, get
from imgeda_ci.model import ImageRecord

PROBLEMS = [
    {"code": "orphan", "path": "labels/x.txt", "message": "label file without an image"},
    {"code": "unparseable", "path": "a.json", "message": "invalid JSON: oops", "line": 3},
    {"code": "missing_path", "path": "data.yaml", "message": "val: 'v' does not exist",
     "line": 2, "key": "val", "value": "v"},
    {"code": "coco_missing_image", "path": "a.json", "message": "annotation 5 ...",
     "annotation_id": 5, "image_id": 9},
    {"code": "config_invalid", "path": "data.yaml", "message": "nc is 3 but names lists 2"},
    {"code": "stray_file", "path": "clip.mp4", "message": "not an image"},
]  # fmt: skip
HEADER = {"dataset": {"format": "yolo", "problems": PROBLEMS}}


def labels(file: str | None, n: int, **extra: Any) -> dict[str, Any]:
    return {"format": "yolo", "file": file, "classes": [], "n": n, **extra}


RECORDS: list[ImageRecord] = [
    {"path": "a.jpg", "labels": labels(None, 0)},
    {"path": "b.jpg", "labels": labels("b.txt", 0)},
    {"path": "c.jpg", "labels": labels("c.txt", 2)},
    {"path": "d.jpg", "labels": labels("d.txt", 0, problems=[
        {"code": "unparseable", "line": 4, "message": "not UTF-8 text (byte 0xff)"}])},
    {"path": "e.jpg"},
]  # fmt: skip


def by_id(check_id: str) -> DatasetCheck:
    found = get(check_id)
    assert isinstance(found, DatasetCheck)
    return found


def run(check: str) -> list[Finding]:
    return by_id(check).run(DatasetContext(RECORDS, HEADER))


def test_missing_and_empty_are_told_apart() -> None:
    assert [f.paths for f in run("label_missing")] == [("a.jpg",)]
    assert [f.paths for f in run("label_empty")] == [("b.jpg", "b.txt")]  # d.jpg: unparseable


def test_unparseable_from_header_and_records() -> None:
    found = run("label_unparseable")
    assert [(f.paths, f.data["line"], f.message) for f in found] == [
        (("a.json",), 3, "a.json:3: invalid JSON: oops"),
        (("d.txt", "d.jpg"), 4, "d.txt:4: not UTF-8 text (byte 0xff)"),
    ]
    assert all(f.severity == "error" for f in found)


def test_header_problems_become_findings() -> None:
    expected = {
        "label_orphan": [("labels/x.txt",)],
        "dataset_yaml_missing_path": [("data.yaml",)],
        "label_coco_missing_image": [("a.json",)],
        "dataset_config_invalid": [("data.yaml",)],
        "dataset_stray_file": [("clip.mp4",)],
    }
    assert {check: [f.paths for f in run(check)] for check in expected} == expected
    [missing] = run("dataset_yaml_missing_path")
    assert missing.message == "data.yaml:2: val: 'v' does not exist"
    assert missing.data == {"line": 2, "key": "val", "value": "v", "file": "data.yaml"}


def test_no_header_no_findings() -> None:
    ctx = DatasetContext(RECORDS, None)
    assert by_id("label_orphan").run(ctx) == []
