from __future__ import annotations

from pathlib import Path

import pytest

from imgeda_ci.formats import load_layout
from imgeda_ci.formats.yolo import image_dir_for, label_for, parse_line
from tests.formats.datasets import counts, findings, image, records_for, scan, write

A_TXT = """0 0.5 0.5 0.2 0.2
0 0.5 0.5 0.2 0.2
5 0.3 0.3 0.1 0.1
1 0.95 0.5 0.2 0.2
0 0.5 0.5 0 0.1
1 0.1 0.1 0.2 0.1 0.2 0.2
1 0.1 0.1
0 abc 0.5 0.1 0.1
0 0.1 0.1 0.1

0 1.2 0.5 0.1 0.1
"""


def make_yolo(root: Path) -> Path:
    """A YOLO dataset with one of every annotation problem (see test_every_problem_found)."""
    write(
        root / "data.yaml",
        "train: ../train/images\nval: ../valid/images\ntest: test/images\nnc: 2\n"
        "names: ['ship', 'boat']\n",
    )
    image(root / "train/images/a.jpg")
    write(root / "train/labels/a.txt", A_TXT)
    image(root / "train/images/b.jpg", seed=1)  # no label
    image(root / "train/images/c.jpg", seed=2)
    write(root / "train/labels/c.txt", "")  # background
    image(root / "train/images/d.png", seed=3)
    write(root / "train/labels/d.txt", b"0 0.5 0.5 0.1 0.1\n\xff\xfe 0.1\n")
    write(root / "train/labels/ghost.txt", "9 0.5 0.5 0.1 0.1\n")  # no image
    image(root / "validate/images/v.jpg", seed=4)
    write(root / "validate/labels/v.txt", "1 0.5 0.5 0.5 0.5\n")
    image(root / "test/images/t.jpg", seed=5)
    write(root / "test/labels/t.txt", "0 0.25 0.25 0.5 0.5\n")
    write(root / "train/#temp", "")
    write(root / "clip.mp4", b"\x00\x00\x00\x18ftypmp42")
    write(root / "README.md", "# ships\n")
    return root


def test_every_problem_found_from_the_scan(tmp_path: Path) -> None:
    root = make_yolo(tmp_path / "ds")
    header, records = scan(root, tmp_path / "m.jsonl")
    found = findings(header, records)
    assert counts(found) == {
        "label_missing": 1,
        "label_empty": 1,
        "label_orphan": 1,
        "label_unparseable": 3,
        "label_class_unknown": 2,
        "label_box_out_of_bounds": 2,
        "label_box_degenerate": 1,
        "label_box_duplicate": 1,
        "label_polygon_too_few_points": 1,
        "dataset_yaml_missing_path": 1,
        "dataset_stray_file": 2,
        "max_unlabeled_pct": 1,
    }
    assert found["label_missing"][0].paths == ("train/images/b.jpg",)
    assert found["label_empty"][0].path == "train/images/c.jpg"
    assert found["label_orphan"][0].paths == ("train/labels/ghost.txt",)
    where = sorted((f.data["file"], f.data["line"]) for f in found["label_unparseable"])
    assert where == [
        ("train/labels/a.txt", 8),
        ("train/labels/a.txt", 9),
        ("train/labels/d.txt", 2),
    ]
    unknown = sorted(
        (f.data["file"], f.data["line"], f.value) for f in found["label_class_unknown"]
    )
    assert unknown == [("train/labels/a.txt", 3, 5), ("train/labels/ghost.txt", 1, 9)]
    assert sorted(f.data["line"] for f in found["label_box_out_of_bounds"]) == [4, 11]
    assert found["label_box_degenerate"][0].data["line"] == 5
    dup = found["label_box_duplicate"][0]
    assert (dup.data["line"], dup.data["duplicate_of"]) == (2, 1)
    assert found["label_polygon_too_few_points"][0].data["line"] == 7
    missing = found["dataset_yaml_missing_path"][0]
    assert missing.paths == ("data.yaml",)
    assert missing.data["line"] == 2 and missing.data["hint"] == "validate/images"
    assert "'../valid/images' does not exist" in missing.message
    assert sorted(f.path for f in found["dataset_stray_file"]) == ["clip.mp4", "train/#temp"]
    for f in found["label_box_out_of_bounds"]:
        assert f.paths == ("train/images/a.jpg", "train/labels/a.txt")

    splits = {r["path"]: r.get("split") for r in records}
    assert splits == {
        "test/images/t.jpg": "test",
        "train/images/a.jpg": "train",
        "train/images/b.jpg": "train",
        "train/images/c.jpg": "train",
        "train/images/d.png": "train",
        "validate/images/v.jpg": "val",
    }
    info = header["dataset"]
    assert info["format"] == "yolo" and info["detected"] is True
    assert info["classes"] == [{"id": 0, "name": "ship"}, {"id": 1, "name": "boat"}]
    assert info["nc"] == 2 and info["config"] == "data.yaml"


def test_labels_record_shape(tmp_path: Path) -> None:
    root = make_yolo(tmp_path / "ds")
    _, records = records_for(root)
    by_path = {r["path"]: r for r in records}
    t = by_path["test/images/t.jpg"]["labels"]
    assert t == {
        "format": "yolo",
        "file": "test/labels/t.txt",
        "classes": ["ship"],
        "n": 1,
        "units": "norm",
        "objects": [[0, 0.0, 0.0, 0.5, 0.5, 1, 0]],
    }
    assert by_path["train/images/b.jpg"]["labels"] == {
        "format": "yolo",
        "file": None,
        "classes": [],
        "n": 0,
    }
    a = by_path["train/images/a.jpg"]["labels"]
    assert a["n"] == 8 and a["classes"] == ["#5", "boat", "ship"]
    assert [p["line"] for p in a["problems"]] == [8, 9]


def test_out_of_range_value_survives_rounding() -> None:
    obj, _ = parse_line("0 0.5 0.5 0.2 1.0000002", 1)
    assert obj is not None and obj[4] > 1.0  # y2 = 0.5 + 0.5000001 stays outside
    obj, _ = parse_line("0 0.95 0.5 0.1 0.2", 1)  # x2 = 1.0000000000000002: float noise
    assert obj is not None and obj[3] == 1.0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("x 0.1 0.1 0.1 0.1", "class id 'x' is not a number"),
        ("1.5 0.1 0.1 0.1 0.1", "class id '1.5' is not an integer"),
        ("0", "class id without coordinates"),
        ("0 0.1 0.1 0.1", "3 coordinates: expected 4 (box) or an even number (polygon)"),
        ("0 0.1 nan 0.1 0.1", "coordinate is not a finite number"),
    ],
)
def test_bad_lines_are_explained(line: str, message: str) -> None:
    assert parse_line(line, 3) == (None, message)


def test_label_path_rule() -> None:
    assert label_for("train/images/x.jpg") == "train/labels/x.txt"
    assert label_for("images/train/x.y.png") == "labels/train/x.y.txt"
    assert label_for("flat/x.jpg") == "flat/x.txt"
    assert image_dir_for("a/labels/b/x.txt") == "a/images/b"


def test_broken_yaml_is_a_finding_with_line(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    write(root / "data.yaml", "train: images/train\nnames: [a, b\nval: x\n")
    image(root / "images/train/a.jpg")
    write(root / "labels/train/a.txt", "0 0.5 0.5 0.1 0.1\n")
    header, records = records_for(root)
    found = findings(header, records)
    [bad] = found["label_unparseable"]
    assert bad.paths == ("data.yaml",) and bad.data["line"] == 3
    assert "invalid YAML" in bad.message
    assert records[0]["labels"]["n"] == 1  # labels still read, by the path rule


def test_nc_disagreeing_with_names(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    write(root / "data.yaml", "train: images\nnc: 3\nnames: {0: a, 1: b}\n")
    image(root / "images/a.jpg")
    write(root / "labels/a.txt", "1 0.5 0.5 0.1 0.1\n")
    header, records = records_for(root)
    [f] = findings(header, records)["dataset_config_invalid"]
    assert f.data["line"] == 2 and "nc is 3 but names lists 2 classes" in f.message
    assert header["dataset"]["classes"] == [{"id": 0, "name": "a"}, {"id": 1, "name": "b"}]
    assert records[0]["split"] == "train"


def test_without_yaml_names_from_classes_txt(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    image(root / "images/a.jpg")
    write(root / "labels/a.txt", "1 0.5 0.5 0.1 0.1\n")
    write(root / "labels/classes.txt", "cat\ndog\n")
    layout = load_layout(root, ["images/a.jpg"])
    assert layout.format == "yolo"
    assert layout.header_facts()["classes"] == [
        {"id": 0, "name": "cat"},
        {"id": 1, "name": "dog"},
    ]
    assert layout.annotate("images/a.jpg")[1]["classes"] == ["dog"]  # type: ignore[index]
    assert "orphan" not in layout.header_facts()["problem_counts"]  # classes.txt is no label


def test_label_of_an_excluded_image_is_not_an_orphan(tmp_path: Path) -> None:
    root = make_yolo(tmp_path / "ds")
    layout = load_layout(root, ["train/images/b.jpg"], "yolo")  # a.jpg etc. exist, not scanned
    orphans = [p["path"] for p in layout.header_facts()["problems"] if p["code"] == "orphan"]
    assert orphans == ["train/labels/ghost.txt"]


def test_declared_list_file_assigns_splits(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    for name in ("a", "b"):
        image(root / f"images/{name}.jpg")
        write(root / f"labels/{name}.txt", "0 0.5 0.5 0.1 0.1\n")
    write(root / "train.txt", "./images/a.jpg\n")
    write(root / "holdout.txt", "images/b.jpg\n")
    write(root / "data.yaml", "train: train.txt\nval: holdout.txt\nnames: [x]\n")
    layout = load_layout(root, ["images/a.jpg", "images/b.jpg"])
    assert layout.annotate("images/a.jpg")[0] == "train"
    assert layout.annotate("images/b.jpg")[0] == "val"


def test_config_problems_are_on_the_line_of_their_key(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    write(root / "data.yaml", "names: {0: a, x: b}\nnc: 'three'\ntrain: [images/train, 5, nope]\n")
    image(root / "images/train/a.jpg")
    layout = load_layout(root, ["images/train/a.jpg"], "yolo")
    problems = [(p["code"], p["line"], p["message"]) for p in layout.header_facts()["problems"]]
    assert problems == [
        ("config_invalid", 1, "names: key 'x' is not a class id"),
        ("config_invalid", 2, "nc: expected an integer, got 'three'"),
        ("config_invalid", 3, "train: expected a path, got 5"),
        ("missing_path", 3, "train: 'nope' does not exist"),
    ]
    assert layout.classes == {0: "a"} and layout.facts["nc"] is None
    assert layout.annotate("images/train/a.jpg")[0] == "train"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "expected a mapping (train, val, names, ...)"),
        ("train: images\n", "no 'names' (class names) declared"),
        ("names: 7\ntrain: images\n", "names: expected a list or a mapping of id: name"),
    ],
)
def test_config_without_usable_names(tmp_path: Path, text: str, message: str) -> None:
    root = tmp_path / "ds"
    write(root / "data.yaml", text)
    image(root / "images/a.jpg")
    layout = load_layout(root, ["images/a.jpg"], "yolo")
    assert [p["message"] for p in layout.header_facts()["problems"]] == [message]
    assert layout.classes == {}
