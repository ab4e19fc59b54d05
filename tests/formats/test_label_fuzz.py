"""A seeded fuzz of malformed annotation files (issue 17): YOLO label lines and data.yaml, COCO
JSON, VOC XML, each damaged in ways real files are (byte flips, truncation, bytes that are not
UTF-8, huge line counts) and in ways an attacker would choose (deep nesting, huge numbers, NaN,
wrong types, entity and alias bombs). For every file: reading the dataset never raises, stays
within a time bound, the manifest stays writable as JSON, and every problem the reader records
becomes a finding."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.formats.bounds import bounded
from tests.formats.datasets import findings, image, records_for, write

SEED = 17
CASES_PER_FORMAT = 40
SECONDS_PER_FILE = 5.0  # CPU seconds for one damaged dataset, read and judged

HUGE = ["1" * 400, "9" * 5000, "1e308", "1.7e308", "1e400", "-1e400", "nan", "NaN", "inf",
        "-0", "0x10", "18446744073709551616", "-9223372036854775809", "1_0", "", " ",
        "\u00a0", "\x00"]  # fmt: skip

YOLO_LINE = "0 0.5 0.5 0.2 0.2"
VOC_DOC = (
    "<annotation>\n<filename>a.jpg</filename>\n<size><width>64</width><height>48</height>"
    "<depth>3</depth></size>\n<object><name>cat</name><bndbox><xmin>1</xmin><ymin>2</ymin>"
    "<xmax>30</xmax><ymax>40</ymax></bndbox></object>\n</annotation>\n"
)


def coco_doc() -> dict[str, Any]:
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 20, 30],
             "segmentation": [[1, 2, 3, 4, 5, 6]], "area": 600, "iscrowd": 0}
        ],
        "categories": [{"id": 1, "name": "cat", "supercategory": "animal"}],
    }  # fmt: skip


# --- generic damage: what a disk, a transfer or a careless tool does -------------------------
def damage_bytes(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    how = rng.randrange(6)
    if how == 0:
        return data[:at]  # truncated
    if how == 1:  # byte flips
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if out:
                out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if how == 2:
        return (
            data[:at] + rng.choice([b"\xff\xfe", b"\xc3\x28", b"\x00", b"\xed\xa0\x80"]) + data[at:]
        )
    if how == 3:
        return data[:at] + bytes(rng.randrange(256) for _ in range(64)) + data[at:]
    if how == 4:
        return data * rng.randint(2, 50)
    return b"\xef\xbb\xbf" + data  # a BOM


# --- format-aware damage -------------------------------------------------------------------
def yolo_label(rng: random.Random) -> bytes:
    how = rng.randrange(5)
    if how == 0:  # huge line counts
        n = rng.choice([20_000, 100_000])
        return (YOLO_LINE + "\n").encode() * n
    if how == 1:  # odd numbers in every field
        return "\n".join(
            " ".join(rng.choice([*HUGE, "0.5", "-1", "3"]) for _ in range(rng.randint(0, 12)))
            for _ in range(rng.randint(1, 30))
        ).encode()
    if how == 2:  # a long polygon, a line of 10 MB
        return ("0 " + " ".join(["0.5"] * rng.choice([7, 20_000, 200_001]))).encode()
    if how == 3:
        return "\r\n".join([YOLO_LINE] * 5).encode("utf-16")
    return damage_bytes(rng, (YOLO_LINE + "\n1 0.1 0.1 0.3 0.3 0.2 0.4\n").encode())


def data_yaml(rng: random.Random) -> bytes:
    how = rng.randrange(6)
    value = rng.choice(
        [*HUGE, "[a, [b, [c]]]", "{1: x, -1: y, 99999999999999999999: z}", "!!binary AAAA",
         "!!python/object:os.system x", "2026-13-45", "&a [*a]", "{a: 1, a: 2}", "~", "yes",
         "[" * 200 + "]" * 200, "'" + "x" * 100_000 + "'", "!!int zz", ".nan"]
    )  # fmt: skip
    key = rng.choice(["names", "nc", "train", "val", "test", "path", "download"])
    base = {"names": "[cat, dog]", "nc": "2", "train": "images", "val": "images"}
    base[key] = value
    text = "".join(f"{k}: {v}\n" for k, v in base.items())
    if how == 0:
        levels = rng.randint(3, 9)
        text += "b0: &b0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 10) + "]\n" for i in range(1, levels)
        )
        text = text.replace(f"{key}: {value}", f"{key}: *b{levels - 1}") + f"{key}: *b0\n"
    if how == 1:
        return damage_bytes(rng, text.encode())
    if how == 2:
        text = text.replace("names: [cat, dog]", "names: {" + ", ".join(
            f"{i * rng.choice([1, -1, 10**12])}: n{i}" for i in range(200)) + "}")  # fmt: skip
    return text.encode("utf-8", "surrogatepass")


def _junk(rng: random.Random, depth: int = 0) -> Any:
    how = rng.randrange(9 if depth < 3 else 6)
    if how == 0:
        return rng.choice([10**30, -(10**30), 2**64, 1e308, -1e308, 5e-324, 0.1])
    if how == 1:
        return rng.choice([None, True, False, "", "x" * 1000, "\u0000", "../../etc/passwd"])
    if how in (2, 3):
        return rng.randint(-3, 3)
    if how in (4, 5):
        return rng.random() * rng.choice([1, 1e6, -1])
    if how == 6:
        return [_junk(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    if how == 7:
        return {rng.choice(["id", "bbox", "image_id", "x"]): _junk(rng, depth + 1)}
    return [[[[]]]]


def _replace(rng: random.Random, doc: Any) -> None:
    """Replace one value somewhere inside ``doc`` by junk."""
    for _ in range(8):
        if isinstance(doc, dict) and doc:
            key = rng.choice(list(doc))
            if rng.random() < 0.4 or not isinstance(doc[key], dict | list):
                doc[key] = _junk(rng)
                return
            doc = doc[key]
        elif isinstance(doc, list) and doc:
            i = rng.randrange(len(doc))
            if rng.random() < 0.4 or not isinstance(doc[i], dict | list):
                doc[i] = _junk(rng)
                return
            doc = doc[i]
        else:
            return


def coco_json(rng: random.Random) -> bytes:
    how = rng.randrange(5)
    doc = coco_doc()
    if how == 0:  # nesting past orjson's limit, or just under it
        depth = rng.choice([200, 1000, 1100, 100_000])
        return b'{"images": [], "annotations": ' + b"[" * depth + b"]" * depth + b"}"
    if how == 1:  # many annotations
        ann = doc["annotations"][0]
        doc["annotations"] = [dict(ann, id=i) for i in range(rng.choice([1000, 20_000]))]
        return json.dumps(doc).encode()
    for _ in range(rng.randint(1, 6)):
        _replace(rng, doc)
    text = json.dumps(doc)
    if how == 2:  # not JSON: NaN, Infinity, huge exponents
        text = text.replace("20", rng.choice(["NaN", "Infinity", "1e999", "-1e999", "1" * 5000]), 1)
    if how == 3:
        return damage_bytes(rng, text.encode())
    return text.encode()


def voc_xml(rng: random.Random) -> bytes:
    how = rng.randrange(6)
    if how == 0:  # deep nesting
        depth = rng.choice([1000, 100_000])
        return b"<annotation>" + b"<a>" * depth + b"</a>" * depth + b"</annotation>"
    if how == 1:  # many objects
        obj = VOC_DOC[VOC_DOC.index("<object>") : VOC_DOC.index("</object>") + 9]
        return VOC_DOC.replace(obj, obj * rng.choice([1000, 10_000])).encode()
    if how == 2:
        field = rng.choice(["xmin", "ymin", "xmax", "ymax", "width", "height", "name"])
        doc = VOC_DOC.replace(f"<{field}>", f"<{field}>{rng.choice(HUGE)}", 1)
        return doc.encode("utf-8", "surrogateescape")
    if how == 3:  # entities of every kind
        dtd = rng.choice([
            '<!DOCTYPE a [<!ENTITY e "' + "x" * 1000 + '">]>',
            '<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
            '<!DOCTYPE a SYSTEM "http://example.invalid/a.dtd">',
            '<!DOCTYPE a [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
        ])  # fmt: skip
        return (dtd + VOC_DOC.replace("cat", "&e;")).encode()
    if how == 4:
        return VOC_DOC.replace("<object>", '<object a="' + "&amp;" * 1000 + '">').encode()
    return damage_bytes(rng, VOC_DOC.encode())


# --- the datasets the damaged files go into ------------------------------------------------
def _yolo(root: Path, rng: random.Random) -> str:
    image(root / "images/a.jpg")
    image(root / "images/b.jpg", seed=1)
    write(root / "labels/b.txt", YOLO_LINE + "\n")
    if rng.random() < 0.5:
        write(root / "data.yaml", "names: [cat, dog]\ntrain: images\nval: images\n")
        write(root / "labels/a.txt", yolo_label(rng))
        return "labels/a.txt"
    write(root / "labels/a.txt", YOLO_LINE + "\n")
    write(root / "data.yaml", data_yaml(rng))
    return "data.yaml"


def _coco(root: Path, rng: random.Random) -> str:
    image(root / "a.jpg")
    write(root / "_annotations.coco.json", coco_json(rng))
    return "_annotations.coco.json"


def _voc(root: Path, rng: random.Random) -> str:
    image(root / "JPEGImages/a.jpg")
    write(root / "Annotations/a.xml", voc_xml(rng))
    return "Annotations/a.xml"


MAKERS: dict[str, Callable[[Path, random.Random], str]] = {
    "yolo": _yolo,
    "coco": _coco,
    "voc": _voc,
}


def _every_problem_is_a_finding(header: dict[str, Any], records: list[Any], found: Any) -> None:
    messages = [f.message for fs in found.values() for f in fs]
    for p in header["dataset"].get("problems", []):
        assert any(m.endswith(p["message"]) and p["path"] in m for m in messages), p
    for rec in records:
        for p in (rec.get("labels") or {}).get("problems", []):
            assert any(m.endswith(p["message"]) for m in messages), p


@pytest.mark.parametrize("fmt", sorted(MAKERS))
def test_damaged_annotation_files_never_raise(tmp_path: Path, fmt: str) -> None:
    rng = random.Random(f"{SEED}-{fmt}")
    slowest = 0.0
    for case in range(CASES_PER_FORMAT):
        root = tmp_path / str(case)
        damaged = MAKERS[fmt](root, rng)
        start = time.process_time()
        with bounded(30):
            header, records = records_for(root, fmt)  # also writes every record as JSON
            found = findings(header, records)
        spent = time.process_time() - start
        slowest = max(slowest, spent)
        assert spent < SECONDS_PER_FILE, (fmt, case, damaged, (root / damaged).read_bytes()[:200])
        assert records, (fmt, case)
        _every_problem_is_a_finding(header, records, found)
    print(f"{fmt}: {CASES_PER_FORMAT} damaged files, slowest {slowest:.2f} s CPU")
