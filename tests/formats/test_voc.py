from __future__ import annotations

from pathlib import Path

from imgeda_ci.formats import load_layout
from tests.formats.datasets import counts, findings, image, records_for, scan, write


def voc_xml(name: str, size: tuple[int, int], objects: list[tuple[str, tuple[int, ...]]]) -> str:
    objs = "".join(
        f"""
  <object>
    <name>{cls}</name>
    <bndbox><xmin>{b[0]}</xmin><ymin>{b[1]}</ymin><xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox>
  </object>"""
        for cls, b in objects
    )
    return f"""<annotation>
  <folder>JPEGImages</folder>
  <filename>{name}</filename>
  <size><width>{size[0]}</width><height>{size[1]}</height><depth>3</depth></size>{objs}
</annotation>
"""


def make_voc(root: Path) -> Path:
    base = root / "VOC"
    for i, stem in enumerate(("a", "b", "c", "d", "e")):
        image(base / f"JPEGImages/{stem}.jpg", seed=i)
    ann = base / "Annotations"
    write(
        ann / "a.xml",
        voc_xml("a.jpg", (64, 48), [("cell", (1, 1, 10, 10)), ("cell", (1, 1, 10, 10)),
                                     ("cell", (20, 20, 20, 20)), ("wbc", (50, 10, 70, 20))]),
    )  # fmt: skip
    write(ann / "b.xml", voc_xml("b.jpg", (640, 480), [("cell", (1, 1, 10, 10))]))
    write(ann / "c.xml", "<annotation>\n  <filename>c.jpg</filename>\n  <object>\n</annotation>\n")
    write(ann / "d.xml", voc_xml("d.jpg", (64, 48), [("cell", (1, 1, 10, 10))]).replace(
        "<bndbox>", "<box>").replace("</bndbox>", "</box>"))  # fmt: skip
    write(ann / "ghost.xml", voc_xml("ghost.jpg", (64, 48), []))
    sets = base / "ImageSets/Main"
    write(sets / "train.txt", "a\nb\n")
    write(sets / "val.txt", "c\nmissing\n")
    write(sets / "trainval.txt", "a\nb\nc\n")
    write(sets / "cell_train.txt", "a  1\nb -1\n")  # per-class list: not a split
    return root


def test_every_problem_found_from_the_scan(tmp_path: Path) -> None:
    root = make_voc(tmp_path / "ds")
    header, records = scan(root, tmp_path / "m.jsonl")
    found = findings(header, records)
    assert counts(found) == {
        "label_missing": 1,  # e.jpg has no XML
        "label_orphan": 1,
        "label_unparseable": 2,
        "label_box_out_of_bounds": 1,
        "label_box_degenerate": 1,
        "label_box_duplicate": 1,
        "label_size_mismatch": 1,
        "dataset_yaml_missing_path": 1,
        "max_unlabeled_pct": 1,
    }
    assert found["label_missing"][0].path == "VOC/JPEGImages/e.jpg"
    assert found["label_orphan"][0].path == "VOC/Annotations/ghost.xml"
    bad = sorted((f.data["file"], f.data["line"]) for f in found["label_unparseable"])
    assert bad == [("VOC/Annotations/c.xml", 4), ("VOC/Annotations/d.xml", 5)]
    assert found["label_box_degenerate"][0].data["line"] == 13
    assert found["label_box_duplicate"][0].data == {
        "file": "VOC/Annotations/a.xml", "line": 9, "class_id": 0, "duplicate_of": 5,
    }  # fmt: skip
    assert found["label_box_out_of_bounds"][0].data["line"] == 17
    size = found["label_size_mismatch"][0]
    assert size.paths == ("VOC/JPEGImages/b.jpg", "VOC/Annotations/b.xml")
    assert size.data == {
        "file": "VOC/Annotations/b.xml",
        "declared": [640, 480],
        "actual": [64, 48],
    }
    listed = found["dataset_yaml_missing_path"][0]
    assert (listed.path, listed.data["line"]) == ("VOC/ImageSets/Main/val.txt", 2)

    splits = {r["path"].rsplit("/", 1)[-1]: r.get("split") for r in records}
    assert splits == {
        "a.jpg": "train",
        "b.jpg": "train",
        "c.jpg": "val",
        "d.jpg": None,
        "e.jpg": None,
    }
    info = header["dataset"]
    assert info["format"] == "voc"
    assert info["classes"] == [{"id": 0, "name": "cell"}, {"id": 1, "name": "wbc"}]
    assert info["classes_declared"] is False
    assert findings(header, records, only=["label_class_unknown"]) == {"label_class_unknown": []}


def test_labels_record_shape(tmp_path: Path) -> None:
    root = make_voc(tmp_path / "ds")
    _, records = records_for(root)
    b = next(r for r in records if r["path"].endswith("b.jpg"))
    assert b["labels"] == {
        "format": "voc",
        "file": "VOC/Annotations/b.xml",
        "classes": ["cell"],
        "n": 1,
        "units": "px",
        "size": [640, 480],
        "objects": [[0, 1, 1, 10, 10, 5, 0]],
    }


def test_annotation_folder_next_to_images(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    image(root / "images/r-1.jpg")
    write(root / "annotations/r-1.xml", voc_xml("r-1.jpg", (64, 48), [("r", (1, 2, 3, 4))]))
    layout = load_layout(root, ["images/r-1.jpg"])
    assert layout.format == "voc"
    assert layout.annotate("images/r-1.jpg")[1]["n"] == 1  # type: ignore[index]


def test_non_voc_xml_is_ignored(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    image(root / "img/a.jpg")
    write(root / "img/a.xml", voc_xml("a.jpg", (64, 48), [("x", (1, 1, 5, 5))]))
    write(root / "config/settings.xml", "<settings><x>1</x></settings>")
    layout = load_layout(root, ["img/a.jpg"], "voc")
    assert layout.header_facts()["problems"] == []
    assert layout.header_facts()["files_read"] == 1


def test_object_and_size_problems_have_their_line(tmp_path: Path) -> None:
    base = tmp_path / "ds/VOC"
    image(base / "JPEGImages/a.jpg")
    image(base / "JPEGImages/b.jpg", seed=1)
    write(
        base / "Annotations/a.xml",
        "<annotation>\n<filename>a.jpg</filename>\n"
        "<size><width>x</width><height>2</height></size>\n"
        "<object><bndbox/></object>\n"
        "<object><name>cat</name></object>\n"
        "<object><name>cat</name><bndbox><xmin>1</xmin><ymin>a</ymin></bndbox></object>\n"
        "<object><name>dog</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3.5</xmax>"
        "<ymax>4</ymax></bndbox></object>\n</annotation>\n",
    )
    write(base / "Annotations/b.xml", "<notes/>\n")
    layout = load_layout(tmp_path / "ds", ["VOC/JPEGImages/a.jpg", "VOC/JPEGImages/b.jpg"])
    a = layout.labels["VOC/JPEGImages/a.jpg"]
    assert [(p["line"], p["message"]) for p in a["problems"]] == [
        (3, "<size> has no valid width/height"),
        (4, "<object> without a <name>"),
        (5, "<object> 'cat' without a <bndbox>"),
        (6, "<bndbox> of 'cat' lacks a numeric xmin/ymin/xmax/ymax"),
    ]
    assert a["objects"] == [[0, 1.0, 2.0, 3.5, 4.0, 7, 0]] and "size" not in a
    b = layout.labels["VOC/JPEGImages/b.jpg"]
    assert [p["message"] for p in b["problems"]] == [
        "root element is <notes>, expected <annotation>"
    ]
