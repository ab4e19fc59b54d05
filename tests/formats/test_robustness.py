"""Bad annotation files become problems with file and line; nothing raises."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from imgeda_ci.formats import load_layout
from tests.formats.datasets import findings, image, records_for, write

GARBAGE = bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("fmt", "name", "content", "line"),
    [
        ("voc", "Annotations/a.xml", b"<annotation>\n<object>\xff\xfe</object>\n", 2),
        ("voc", "Annotations/a.xml", GARBAGE, 1),
        ("voc", "Annotations/a.xml", b"<annotation><size><width>x</width></size></annotation>", 1),
        ("coco", "_annotations.coco.json", GARBAGE, 1),
        ("coco", "_annotations.coco.json", b"[1, 2]", None),
        ("coco", "_annotations.coco.json", b'{"images": {"a": 1}}', None),
        ("yolo", "data.yaml", b"names: [a]\ntrain: images\n\xff\xfe\n", 3),
        ("yolo", "data.yaml", b"- just\n- a list\n", None),
        ("yolo", "data.yaml", b"names: 7\ntrain: [1, 2]\n", 1),
        ("yolo", "labels/a.txt", GARBAGE, 1),
    ],
)
def test_bad_file_is_a_finding(
    tmp_path: Path, fmt: str, name: str, content: bytes, line: int | None
) -> None:
    image(tmp_path / "images/a.jpg")
    write(tmp_path / name, content)
    header, records = records_for(tmp_path, fmt)
    found = findings(header, records)
    bad = found["label_unparseable"] + found["dataset_config_invalid"]
    assert bad, found
    assert any(name in f.paths for f in bad)
    if line is not None:
        assert line in [f.data.get("line") for f in bad]


def test_coco_with_odd_entries(tmp_path: Path) -> None:
    image(tmp_path / "a.jpg")
    write(
        tmp_path / "ann.json",
        '{"images": [7, {"id": 1}, {"id": 2, "file_name": "a.jpg"},'
        ' {"id": 2, "file_name": "a.jpg"}],'
        ' "categories": [{"name": "x"}, {"id": 1, "name": "y"}],'
        ' "annotations": [3, {"id": 9, "image_id": 2, "category_id": 1, "bbox": [0, 0, 1]},'
        ' {"id": 10, "image_id": 2, "category_id": 1, "bbox": [0, 0, 1, 1],'
        '  "segmentation": [[1, 2, 3]]}]}',
    )
    header, records = records_for(tmp_path)
    messages = sorted(f.message for f in findings(header, records)["label_unparseable"])
    assert messages == [
        "ann.json: annotation 10: segmentation polygon has an odd number of coordinates",
        "ann.json: annotation 9: bbox is not [x, y, w, h]",
        "ann.json: annotation is not an object",
        "ann.json: category without an integer id",
        "ann.json: duplicate image id 2",
        "ann.json: image without a file_name",
        "ann.json: image without a file_name",
    ]


def test_unreadable_label_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    image(tmp_path / "images/a.jpg")
    label = write(tmp_path / "labels/a.txt", "0 0.5 0.5 0.1 0.1\n")
    label.chmod(0)
    try:
        layout = load_layout(tmp_path, ["images/a.jpg"])
        labels = layout.annotate("images/a.jpg")[1]
        assert labels is not None and "cannot read" in labels["problems"][0]["message"]
    finally:
        label.chmod(0o644)


def test_yaml_values_of_any_type_stay_json(tmp_path: Path) -> None:
    image(tmp_path / "images/a.jpg")
    write(tmp_path / "data.yaml", "train: {1: 2020-01-01}\nval: 2020-01-01\nnames: [a]\n")
    header, _ = records_for(tmp_path)  # records_for writes the header as JSON
    assert header["dataset"]["declared_splits"] == {
        "train": {"declared": {"1": "2020-01-01"}, "resolved": []},
        "val": {"declared": "2020-01-01", "resolved": []},
    }
    problems = [p["message"] for p in header["dataset"]["problems"]]
    assert "train: expected a path, got {1: datetime.date(2020, 1, 1)}" in problems
