"""Conformance on the real datasets in ../shared/corpora: every count its README states comes
out of imgeda-ci's own output (the scan's manifest, the annotation checks, the dataset facts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from imgeda_ci.checks.registry import Finding
from imgeda_ci.formats.facts import dataset_facts
from imgeda_ci.model import ImageRecord
from tests.formats.datasets import counts, findings, scan

pytestmark = pytest.mark.corpora

Scanned = tuple[dict[str, Any], list[ImageRecord], dict[str, list[Finding]], dict[str, Any]]


def scanned(corpora: Path, name: str, tmp_path: Path) -> Scanned:
    header, records = scan(corpora / name, tmp_path / f"{name}.jsonl")
    return header, records, findings(header, records), dataset_facts(records, header)


def test_voc_bccd(corpora: Path, tmp_path: Path) -> None:
    header, _, found, facts = scanned(corpora, "voc-bccd", tmp_path)
    assert header["dataset"]["format"] == "voc"
    assert facts["images"] == 364 and facts["labelled"] == 364
    assert facts["objects"] == facts["boxes"] == 4888
    zero = found["label_box_degenerate"]
    assert len(zero) == 2 and all(f.value == 0 for f in zero)
    assert sorted((f.path, f.data["line"]) for f in zero) == [
        ("BCCD/JPEGImages/BloodImage_00338.jpg", 158),
        ("BCCD/JPEGImages/BloodImage_00343.jpg", 50),
    ]
    assert facts["images_per_split"] == {"test": 72, "train": 205, "val": 87}
    instances = {k: v["instances_total"] for k, v in facts["classes"].items()}
    assert instances == {"Platelets": 361, "RBC": 4155, "WBC": 372}
    assert counts(found) == {"label_box_degenerate": 2}


def test_voc_raccoon(corpora: Path, tmp_path: Path) -> None:
    header, _, found, facts = scanned(corpora, "voc-raccoon", tmp_path)
    assert header["dataset"]["format"] == "voc"
    assert facts["images"] == 200 and facts["labelled"] == 200 and facts["objects"] == 217
    assert header["dataset"]["files_read"] == 200  # 200 XML, one per image
    assert counts(found) == {"dataset_stray_file": 1}  # data/test.record (a TFRecord export)


def test_coco_person_detection(corpora: Path, tmp_path: Path) -> None:
    header, _, found, facts = scanned(corpora, "coco-person-detection", tmp_path)
    assert header["dataset"]["format"] == "coco"
    assert facts["images"] == 121
    assert facts["images_per_split"] == {"test": 12, "train": 85, "val": 24}
    [empty] = found["label_empty"]
    assert empty.path == (
        "train/DJI_0839_5meter_305_MP4-0136_jpg.rf.2c0e9ade29d6ec740361d34201394c7b.jpg"
    )
    [stray] = found["dataset_stray_file"]
    assert stray.path.endswith(".mp4")
    assert not found["label_missing"] and not found["label_coco_missing_image"]
    assert facts["objects"] == 147
    assert {k: v["images_total"] for k, v in facts["classes"].items()} == {"person": 120}


def test_yolo_ships(corpora: Path, tmp_path: Path) -> None:
    header, _, found, facts = scanned(corpora, "yolo-ships", tmp_path)
    info = header["dataset"]
    assert info["format"] == "yolo" and info["nc"] == 1
    assert info["classes"] == [{"id": 0, "name": "Ships"}]
    [missing] = found["dataset_yaml_missing_path"]
    assert (missing.data["value"], missing.data["hint"]) == ("../valid/images", "validate/images")
    assert facts["images"] == 567
    assert len(found["label_missing"]) == facts["unlabeled"] == 88
    assert len(found["label_orphan"]) == 34
    assert facts["labelled"] + len(found["label_orphan"]) == 513  # every label file accounted for
    assert max(f.value for f in found["label_class_unknown"]) == 44  # type: ignore[type-var]
    # boxes and polygons mixed: 558 box lines, 112 polygon lines (in images' label files),
    # each file holding one kind
    assert (facts["boxes"], facts["polygons"]) == (558, 112)
    assert facts["images_by_shape"] == {"box_only": 389, "polygon_only": 90, "mixed": 0}
    out = found["label_box_out_of_bounds"]
    assert len(out) == 7 and all(f.data["line"] for f in out)
    assert sorted(f.path for f in found["dataset_stray_file"]) == sorted(
        f"{d}#temp" for d in ("test/", "test/images/", "test/labels/", "train/", "train/images/",
                              "train/labels/", "validate/", "validate/images/", "validate/labels/")
    )  # fmt: skip
    assert facts["images_per_split"] == {"test": 63, "train": 405, "val": 99}
    assert len(found["max_unlabeled_pct"]) == 1
