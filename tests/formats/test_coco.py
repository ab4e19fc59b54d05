from __future__ import annotations

from pathlib import Path
from typing import Any

from imgeda_ci.formats import load_layout
from tests.formats.datasets import counts, findings, image, records_for, scan, write, write_json

CATEGORIES = [
    {"id": 0, "name": "animals", "supercategory": "none"},
    {"id": 1, "name": "cat", "supercategory": "animals"},
    {"id": 2, "name": "dog", "supercategory": "animals"},
]


def coco(images: list[dict[str, Any]], annotations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"info": {}, "categories": CATEGORIES, "images": images, "annotations": annotations}


def img(i: int, name: str, w: int = 64, h: int = 48) -> dict[str, Any]:
    return {"id": i, "file_name": name, "width": w, "height": h}


def ann(i: int, image_id: int, cat: int, bbox: list[Any], seg: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": i, "image_id": image_id, "category_id": cat, "bbox": bbox}
    if seg is not None:
        out["segmentation"] = seg
    return out


def make_coco(root: Path) -> Path:
    """Roboflow-style: one _annotations.coco.json per split folder, with planted problems."""
    for name, seed in (("a.jpg", 0), ("b.jpg", 1), ("c.jpg", 2), ("d.jpg", 3), ("z.jpg", 4)):
        image(root / "train" / name, seed=seed)
    image(root / "valid/v.jpg", size=(32, 32), seed=5)
    write_json(
        root / "train/_annotations.coco.json",
        coco(
            [img(0, "a.jpg"), img(1, "b.jpg"), img(2, "c.jpg", 100, 100), img(3, "gone.jpg"),
             img(4, "d.jpg")],
            [
                ann(10, 0, 1, [4, 4, 20, 20], [[4, 4, 24, 4, 24, 24]]),
                ann(11, 0, 1, [4, 4, 20, 20]),  # duplicate of 10
                ann(12, 0, 7, [1, 1, 5, 5]),  # unknown category
                ann(13, 0, 2, [50, 10, 20, 10]),  # x2 = 70 > 64
                ann(14, 0, 2, [10, 10, 0, 5]),  # zero width
                ann(15, 0, 2, [10, 10, 5, 5], [[10, 10, 15, 15]]),  # 2-point polygon
                ann(16, 0, 2, [10, 10, "x", 5]),  # bbox not numbers
                ann(17, 99, 1, [1, 1, 5, 5]),  # image id 99 is not listed
                ann(18, 2, 1, [1, 1, 5, 5]),  # c.jpg declared 100x100, is 64x48
                ann(19, 4, 2, [1, 1, 5, 5]),
            ],
        ),
    )  # fmt: skip
    write_json(
        root / "valid/_annotations.coco.json",
        coco([img(0, "v.jpg", 32, 32)], [ann(0, 0, 1, [2, 2, 10, 10])]),
    )
    write(root / "clip.mp4", b"\x00\x00\x00\x18ftypmp42")
    return root


def test_every_problem_found_from_the_scan(tmp_path: Path) -> None:
    root = make_coco(tmp_path / "ds")
    header, records = scan(root, tmp_path / "m.jsonl")
    found = findings(header, records)
    assert counts(found) == {
        "label_missing": 1,  # z.jpg is not in any JSON
        "label_empty": 1,  # b.jpg is listed without annotations
        "label_orphan": 1,  # gone.jpg is listed but does not exist
        "label_unparseable": 1,
        "label_coco_missing_image": 1,
        "label_class_unknown": 1,
        "label_box_out_of_bounds": 1,
        "label_box_degenerate": 1,
        "label_box_duplicate": 1,
        "label_polygon_too_few_points": 1,
        "label_size_mismatch": 1,
        "dataset_stray_file": 1,
        "max_unlabeled_pct": 1,
    }
    assert found["label_missing"][0].path == "train/z.jpg"
    assert found["label_empty"][0].paths == ("train/b.jpg", "train/_annotations.coco.json")
    assert found["label_orphan"][0].data["file_name"] == "gone.jpg"
    assert found["label_unparseable"][0].data["annotation_id"] == 16
    miss = found["label_coco_missing_image"][0]
    assert miss.paths == ("train/_annotations.coco.json",)
    assert (miss.data["annotation_id"], miss.data["image_id"]) == (17, 99)
    assert found["label_class_unknown"][0].data["annotation_id"] == 12
    assert found["label_box_out_of_bounds"][0].data["annotation_id"] == 13
    assert found["label_box_degenerate"][0].data["annotation_id"] == 14
    assert found["label_box_duplicate"][0].data["duplicate_of"] == 10
    assert found["label_polygon_too_few_points"][0].data["annotation_id"] == 15
    size = found["label_size_mismatch"][0]
    assert size.path == "train/c.jpg" and size.data["declared"] == [100, 100]
    assert found["dataset_stray_file"][0].path == "clip.mp4"

    splits = {r["path"]: r.get("split") for r in records}
    assert splits["valid/v.jpg"] == "val" and splits["train/a.jpg"] == "train"
    info = header["dataset"]
    assert info["format"] == "coco"
    assert info["annotation_files"] == [
        "train/_annotations.coco.json",
        "valid/_annotations.coco.json",
    ]
    assert info["classes"][0] == {"id": 0, "name": "animals", "super": True}


def test_box_stays_in_pixels_with_declared_size(tmp_path: Path) -> None:
    root = make_coco(tmp_path / "ds")
    _, records = records_for(root)
    v = next(r for r in records if r["path"] == "valid/v.jpg")
    assert v["labels"] == {
        "format": "coco",
        "file": "valid/_annotations.coco.json",
        "classes": ["cat"],
        "n": 1,
        "units": "px",
        "size": [32, 32],
        "objects": [[1, 2, 2, 12, 12, 0, 0]],
    }


def test_invalid_json_is_a_finding_with_line(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    image(root / "train/a.jpg")
    write(root / "train/_annotations.coco.json", '{"images": [\n  {"id": 1,\n  oops\n]}')
    header, records = records_for(root)
    assert header["dataset"]["format"] == "coco"
    [bad] = findings(header, records)["label_unparseable"]
    assert bad.paths == ("train/_annotations.coco.json",)
    assert bad.data["line"] == 3 and "invalid JSON" in bad.message


def test_standard_coco_layout_resolves_by_split(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    image(root / "train2017/0001.jpg")
    image(root / "val2017/0001.jpg", seed=1)
    write_json(
        root / "annotations/instances_val2017.json",
        coco([img(5, "0001.jpg")], [ann(1, 5, 2, [1, 1, 4, 4])]),
    )
    layout = load_layout(root, ["train2017/0001.jpg", "val2017/0001.jpg"])
    assert layout.annotate("val2017/0001.jpg") == (
        "val",
        {
            "format": "coco",
            "file": "annotations/instances_val2017.json",
            "classes": ["dog"],
            "n": 1,
            "units": "px",
            "size": [64, 48],
            "objects": [[2, 1, 1, 5, 5, 1, 0]],
        },
    )
    assert layout.annotate("train2017/0001.jpg")[1] == {
        "format": "coco",
        "file": None,
        "classes": [],
        "n": 0,
    }


def test_entry_problems_point_at_their_place(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    image(root / "train/a.jpg")
    doc = coco(
        [img(1, "a.jpg"), img(1, "b.jpg"), {"id": 2, "file_name": 5}],
        [
            ann(1, 1, True, [1, 1, 2, 2]),
            ann(2, 1, 1, [1, 2, 3]),
            ann(3, 1, 1, [1, 1, 2, 2], [[1, 2, 3]]),
            ann(4, 1, 2, [1, 1, 2, 2], [[1, 1, 2, 1, 2, 2], [1, 1, 2, 1, 2, 2, 1, 2]]),
            ann(5, 1, 2, [1, 1, 2, 2], {"counts": "rle", "size": [48, 64]}),
        ],
    )
    doc["annotations"].append("not an object")
    write_json(root / "train/_annotations.coco.json", doc)
    write_json(
        root / "valid/_annotations.coco.json",
        {"images": [], "categories": [{"id": 1, "name": "kitten"}, {"name": "no id"}]},
    )
    layout = load_layout(root, ["train/a.jpg"])
    problems = [(p["message"], p.get("pointer")) for p in layout.header_facts()["problems"]]
    assert problems == [
        ("duplicate image id 1", "/images/1"),
        ("image without a file_name", "/images/2"),
        ("annotation is not an object", "/annotations/5"),
        ("category 1 is 'kitten' here but 'cat' in another file", "/categories/0"),
        ("category without an integer id", "/categories/1"),
    ]
    a = layout.labels["train/a.jpg"]
    assert [p["message"] for p in a["problems"]] == [
        "annotation 1: no integer category_id",
        "annotation 2: bbox is not [x, y, w, h]",
        "annotation 3: segmentation polygon has an odd number of coordinates",
    ]
    assert [row[5:] for row in a["objects"]] == [[3, 0], [4, 3], [5, 0]]
