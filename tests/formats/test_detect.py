from __future__ import annotations

import os
from pathlib import Path

import pytest

from imgeda_ci.errors import UserError
from imgeda_ci.formats import check_format, load_layout
from tests.formats.datasets import image, records_for, write, write_json


def paths(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.suffix in (".jpg", ".png")
    )


def test_each_format_is_detected(tmp_path: Path) -> None:
    yolo = tmp_path / "yolo"
    image(yolo / "images/a.jpg")
    write(yolo / "labels/a.txt", "0 0.5 0.5 0.1 0.1\n")
    coco = tmp_path / "coco"
    image(coco / "a.jpg")
    write_json(coco / "ann.json", {"images": [], "annotations": [], "categories": []})
    voc = tmp_path / "voc"
    image(voc / "JPEGImages/a.jpg")
    write(voc / "Annotations/a.xml", "<annotation></annotation>")
    cls = tmp_path / "cls"
    for split in ("train", "val"):
        for c in ("cat", "dog"):
            image(cls / split / c / "x.jpg")
    flat = tmp_path / "flat"
    image(flat / "train/a.jpg")
    image(flat / "b.jpg")
    detected = {
        name: load_layout(tmp_path / name, paths(tmp_path / name)).format
        for name in ("yolo", "coco", "voc", "cls", "flat")
    }
    assert detected == {
        "yolo": "yolo",
        "coco": "coco",
        "voc": "voc",
        "cls": "classification",
        "flat": "flat",
    }


def test_format_override_and_bad_value(tmp_path: Path) -> None:
    image(tmp_path / "images/a.jpg")
    write(tmp_path / "labels/a.txt", "0 0.5 0.5 0.1 0.1\n")
    layout = load_layout(tmp_path, ["images/a.jpg"], "flat")
    assert layout.format == "flat" and layout.header_facts()["detected"] is False
    assert layout.annotate("images/a.jpg") == (None, None)
    with pytest.raises(UserError) as exc:
        load_layout(tmp_path, ["images/a.jpg"], "pascal")
    message = str(exc.value)
    assert "\n" not in message
    assert message == (
        "unknown dataset format 'pascal'; valid values: auto, yolo, coco, voc, classification, flat"
    )
    assert check_format("auto") is None


def test_classification_folders(tmp_path: Path) -> None:
    for split in ("train", "valid"):
        for c in ("cat", "dog"):
            for i in range(3):
                image(tmp_path / split / c / f"{c}{i}.jpg")
    image(tmp_path / "train/stray.jpg")  # 1 of 13 outside a class folder: still detected
    header, records = records_for(tmp_path)
    got = {r["path"]: (r.get("split"), r["labels"]["classes"]) for r in records}
    assert got["train/cat/cat0.jpg"] == ("train", ["cat"])
    assert got["valid/dog/dog2.jpg"] == ("val", ["dog"])
    assert got["train/stray.jpg"] == ("train", [])
    assert len(got) == 13
    assert header["dataset"]["format"] == "classification"


def test_nested_camera_folders_are_flat_not_classes(tmp_path: Path) -> None:
    image(tmp_path / "jpg/a.jpg")
    image(tmp_path / "jpg/gps/b.jpg")
    image(tmp_path / "jpg/hdr/c.jpg")
    assert load_layout(tmp_path, paths(tmp_path)).format == "flat"


def test_symlink_loop_and_unreadable_names(tmp_path: Path) -> None:
    image(tmp_path / "images/a.jpg")
    write(tmp_path / "labels/a.txt", "0 0.5 0.5 0.1 0.1\n")
    os.symlink(tmp_path, tmp_path / "images/loop")
    odd = os.fsdecode(b"labels/caf\xe9.txt")
    write(tmp_path / odd, "0 0.5 0.5 0.1 0.1\n")
    layout = load_layout(tmp_path, ["images/a.jpg"])
    facts = layout.header_facts()
    orphans = [p["path"] for p in facts["problems"] if p["code"] == "orphan"]
    assert orphans == ["labels/caf\\xe9.txt"]  # shown, JSON-safe
    assert layout.annotate("images/a.jpg")[1]["n"] == 1  # type: ignore[index]


def test_root_that_does_not_exist_is_flat(tmp_path: Path) -> None:
    layout = load_layout(tmp_path / "nope", [])
    assert layout.format == "flat" and layout.header_facts()["problems"] == []


def test_unrelated_data_yaml_is_not_yolo(tmp_path: Path) -> None:
    image(tmp_path / "a.jpg")
    write(tmp_path / "data.yaml", "owner: me\nversion: 3\n")
    assert load_layout(tmp_path, ["a.jpg"]).format == "flat"
