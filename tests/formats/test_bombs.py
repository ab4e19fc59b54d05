"""Hostile annotation files (issue 17): XML with a DTD (billion laughs, an external entity), YAML
alias bombs, cycles, runaway nesting and oversized numbers each become one finding, in bounded
time and memory; nothing raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgeda_ci.policy import PolicyError, parse_policy
from tests.formats.bounds import bounded
from tests.formats.datasets import findings, image, records_for, write

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + str(i - 1 if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n<annotation><filename>&lol9;</filename></annotation>\n"
)
EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE annotation [\n'
    ' <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
    "<annotation><filename>&xxe;</filename><object><name>&xxe;</name>"
    "<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>"
    "</annotation>\n"
)
PARAMETER = (
    '<?xml version="1.0"?>\n<!DOCTYPE annotation [\n <!ENTITY % remote SYSTEM '
    '"file:///etc/passwd">\n %remote;\n]>\n<annotation/>\n'
)


def _yaml_bomb(levels: int = 9) -> str:
    """``a`` holds ten values, ``b`` ten ``a``s, ...: 10**levels values from ~300 bytes."""
    out = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, levels):
        out += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n"
    return out


@pytest.mark.parametrize(("name", "doc"), [("laughs", LAUGHS), ("external", EXTERNAL),
                                           ("parameter", PARAMETER)])  # fmt: skip
def test_xml_with_a_dtd_is_one_finding(tmp_path: Path, name: str, doc: str) -> None:
    image(tmp_path / "JPEGImages/a.jpg")
    write(tmp_path / "Annotations/a.xml", doc)
    with bounded(5, trace_memory=True) as spent:
        header, records = records_for(tmp_path, "voc")
        found = findings(header, records)
    bad = [f for fs in found.values() for f in fs if "Annotations/a.xml" in f.paths]
    assert [f.check for f in bad] == ["label_unparseable"], bad
    assert "DTD" in bad[0].message and "not allowed" in bad[0].message, bad[0].message
    assert bad[0].data.get("line") == 2
    assert "root:" not in str(header) + str(records)  # /etc/passwd was not read
    assert spent.peak_bytes < 50 << 20, spent


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        (_yaml_bomb() + "names: *a8\ntrain: *a8\n", "aliases expand the document"),
        ("names: &n [a, *n]\ntrain: images\n", "alias refers to its own anchor"),
        ("names: " + "[" * 5000 + "]" * 5000 + "\ntrain: images\n", "nested more than 64 deep"),
        ("names: [a]\nnc: 1" + "0" * 5000 + "\ntrain: images\n", "cannot read a value"),
    ],
)
def test_yaml_bombs_in_data_yaml_are_one_finding(tmp_path: Path, doc: str, fragment: str) -> None:
    image(tmp_path / "images/a.jpg")
    write(tmp_path / "labels/a.txt", "0 0.5 0.5 0.2 0.2\n")
    write(tmp_path / "data.yaml", doc)
    with bounded(10, trace_memory=True) as spent:
        header, records = records_for(tmp_path, "yolo")
        found = findings(header, records)
    bad = [f for fs in found.values() for f in fs if "data.yaml" in f.paths]
    assert len(bad) == 1 and fragment in bad[0].message, bad
    assert spent.peak_bytes < 200 << 20, spent


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        (_yaml_bomb() + "splits: {train: *a8}\n", "aliases expand the document"),
        ("checks: &c {dark: *c}\n", "alias refers to its own anchor"),
        ("checks: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", "nested more than 64 deep"),
        ("min_images_total: 1" + "0" * 5000 + "\n", "cannot read a value"),
    ],
)
def test_yaml_bombs_in_a_policy_are_one_error(doc: str, fragment: str) -> None:
    with bounded(10), pytest.raises(PolicyError) as exc:
        parse_policy(doc, source="p.yml")
    assert str(exc.value).count("\n") == 0 and fragment in str(exc.value), exc.value


@pytest.mark.parametrize(
    ("fmt", "name", "doc", "fragment"),
    [
        ("coco", "ann.json",
         '{"images": [{"id": {"a": 1}, "file_name": "a.jpg"}], "annotations": '
         '[{"id": 1, "image_id": [1], "category_id": 1, "bbox": [1, 1, 2, 2]}]}',
         "image id is not a number or text"),
        ("coco", "ann.json",
         '{"images": [{"id": 1, "file_name": "a.jpg", "width": 1e300, "height": 1e300}], '
         '"annotations": [{"id": 1, "image_id": 1, "category_id": 1, '
         '"bbox": [1e308, 1, 1e308, 2]}], "categories": [{"id": 1, "name": "x"}]}',
         "bbox is not [x, y, w, h]"),
        ("yolo", "labels/a.txt", "1e308 0.5 0.5 0.1 0.1\n", "class id '1e308' is too large"),
        ("yolo", "labels/a.txt", "0 1.7e308 0.5 1.7e308 0.1\n", "box corners are not finite"),
        ("yolo", "data.yaml", "names: [a]\ntrain: " + "x" * 5000 + "\n", "does not exist"),
    ],
)  # fmt: skip
def test_numbers_and_ids_no_reader_expects(
    tmp_path: Path, fmt: str, name: str, doc: str, fragment: str
) -> None:
    """Each is a finding, and the manifest stays JSON (no integer past 64 bits, no inf)."""
    image(tmp_path / ("images/a.jpg" if fmt == "yolo" else "a.jpg"))
    write(tmp_path / name, doc)
    header, records = records_for(tmp_path, fmt)  # writes every record as JSON
    messages = [f.message for fs in findings(header, records).values() for f in fs]
    assert any(fragment in m for m in messages), messages
