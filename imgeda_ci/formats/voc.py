"""Pascal VOC: ``Annotations/*.xml`` (one ``<annotation>`` per image), ``JPEGImages/``, and split
lists ``ImageSets/Main/{train,val,test,trainval}.txt``.

An XML file belongs to the image with the same stem (or, failing that, the one its
``<filename>`` names), preferring the image closest to it in the tree. Boxes stay in pixels as
written (``xmin ymin xmax ymax``); the declared ``<size>`` is kept so that a size that disagrees
with the real image is found. Classes are the object names seen, numbered in sorted order (VOC
declares no class list). Line numbers come from the XML parser, so every problem has one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import PurePosixPath
from typing import Any
from xml.parsers import expat

from imgeda_ci.formats.base import (
    Layout,
    Source,
    add_problem,
    canonical_split,
    finish_labels,
    new_labels,
    round_px,
)
from imgeda_ci.formats.files import decode_lines, head, parent_of, read_bytes, stem_of, under

#: When an image is in several split lists, the first of these wins (``trainval`` = train+val).
SPLIT_PRIORITY = ("test", "val", "train")


class XmlError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


#: Why a document with a DTD is refused: a DTD declares entities, which expand (the "billion
#: laughs") or read other files (``SYSTEM "file:///etc/passwd"``); VOC annotations have none.
NO_DTD = "a DTD (<!DOCTYPE ...>, entity declarations) is not allowed in an annotation file"


def parse_xml(data: bytes) -> tuple[ET.Element, dict[int, int]]:
    """Parse XML keeping each element's line number (``id(element) -> line``). A DTD is refused
    as soon as it starts (:data:`NO_DTD`), so no entity is declared, expanded or fetched."""
    builder = ET.TreeBuilder()
    lines: dict[int, int] = {}
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(tag: str, attrs: dict[str, str]) -> None:
        lines[id(builder.start(tag, attrs))] = parser.CurrentLineNumber

    def refuse(*_: object) -> None:
        raise XmlError(NO_DTD, parser.CurrentLineNumber)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
        return builder.close(), lines
    except expat.ExpatError as exc:
        raise XmlError(f"malformed XML: {expat.ErrorString(exc.code)}", exc.lineno) from None
    except (ValueError, RecursionError, AssertionError) as exc:  # e.g. TreeBuilder on a bad doc
        raise XmlError(f"malformed XML: {exc}", parser.CurrentLineNumber) from None


def is_voc_candidate(src: Source, path: str, stems: dict[str, list[str]]) -> bool:
    folder = parent_of(path).rsplit("/", 1)[-1].lower()
    if folder == "annotations":
        return True
    if b"<annotation" in head(src.tree.abspath(path), 4096):
        return True
    return stem_of(path) in stems


def read(src: Source) -> Layout:
    layout = Layout("voc")
    stems = src.images_by_stem()
    parsed: list[tuple[str, str, dict[str, Any], list[tuple[str, list[Any]]]]] = []
    claimed: set[str] = set()
    for xml in src.tree.with_ext("xml"):
        if not is_voc_candidate(src, xml, stems):
            continue
        result = _parse_file(src, xml)
        if result is None:
            continue  # an XML that is not a VOC annotation
        labels, objects, filename = result
        image = _match_image(xml, filename, stems)
        layout.used.add(xml)
        if image is None:
            layout.problems.add(
                "orphan", xml, f"annotation without an image (no {stem_of(xml)}.* found)"
            )
            for p in labels.get("problems", []):
                layout.problems.add("unparseable", xml, p["message"], line=p.get("line"))
            continue
        if image not in src.image_set or image in claimed:
            continue  # excluded from the scan, or a second XML for the same image
        claimed.add(image)
        parsed.append((xml, image, labels, objects))

    names = sorted({name for _, _, _, objs in parsed for name, _ in objs})
    ids = {name: i for i, name in enumerate(names)}
    layout.classes = dict(enumerate(names))
    for _, image, labels, objects in parsed:
        if objects:
            labels["objects"] = [[ids[name], *row] for name, row in objects]
        layout.labels[image] = finish_labels(labels, layout.classes)
    _read_image_sets(src, layout)
    return layout


def _parse_file(
    src: Source, xml: str
) -> tuple[dict[str, Any], list[tuple[str, list[Any]]], str | None] | None:
    """(labels, [(class name, [x1, y1, x2, y2, line, 0])], <filename>) or None if not VOC."""
    labels = new_labels("voc", xml)
    labels["units"] = "px"
    objects: list[tuple[str, list[Any]]] = []
    data, problem = read_bytes(src.tree.abspath(xml))
    if data is None:
        add_problem(labels, problem.message if problem else "cannot read")
        return labels, objects, None
    try:
        root, lines = parse_xml(data)
    except XmlError as exc:
        add_problem(labels, str(exc), exc.line)
        return labels, objects, None
    if root.tag != "annotation":
        if parent_of(xml).rsplit("/", 1)[-1].lower() != "annotations":
            return None
        add_problem(
            labels, f"root element is <{root.tag}>, expected <annotation>", lines.get(id(root))
        )
        return labels, objects, None
    _read_size(root, lines, labels)
    for obj in root.iter("object"):
        row = _read_object(obj, lines.get(id(obj)), labels)
        if row is not None:
            objects.append(row)
    filename = root.findtext("filename")
    return labels, objects, filename.strip() if filename else None


def _read_size(root: ET.Element, lines: dict[int, int], labels: dict[str, Any]) -> None:
    """The declared ``<size>`` into ``labels["size"]`` (a problem when it is not numeric)."""
    size = root.find("size")
    if size is None:
        return
    w, h = _int(size.findtext("width")), _int(size.findtext("height"))
    if w is None or h is None:
        add_problem(labels, "<size> has no valid width/height", lines.get(id(size)))
    else:
        labels["size"] = [w, h]


def _read_object(
    obj: ET.Element, line: int | None, labels: dict[str, Any]
) -> tuple[str, list[Any]] | None:
    """(class name, [x1, y1, x2, y2, line, 0]) of an ``<object>``; None (and a problem) when it
    lacks a name or a numeric box."""
    name = (obj.findtext("name") or "").strip()
    box = obj.find("bndbox")
    if not name:
        add_problem(labels, "<object> without a <name>", line)
        return None
    if box is None:
        add_problem(labels, f"<object> {name!r} without a <bndbox>", line)
        return None
    coords = [_float(box.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")]
    if any(c is None for c in coords):
        add_problem(labels, f"<bndbox> of {name!r} lacks a numeric xmin/ymin/xmax/ymax", line)
        return None
    x1, y1, x2, y2 = (round_px(c) for c in coords if c is not None)
    return name, [x1, y1, x2, y2, line, 0]


def _int(text: str | None) -> int | None:
    value = _float(text)
    return int(value) if value is not None else None


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _match_image(xml: str, filename: str | None, stems: dict[str, list[str]]) -> str | None:
    """The image an annotation file describes, closest in the tree to the XML's dataset folder."""
    candidates = stems.get(stem_of(xml), [])
    if not candidates and filename:
        candidates = stems.get(stem_of(PurePosixPath(filename).name), [])
    if not candidates:
        return None
    base = parent_of(parent_of(xml)) if parent_of(xml) else ""

    def score(path: str) -> tuple[int, int, str]:
        named = 0 if filename and path.rsplit("/", 1)[-1] == filename else 1
        shared = len(_common_prefix(path, base))
        return (named, -shared, path)

    return min(candidates, key=score)


def _common_prefix(a: str, b: str) -> list[str]:
    out = []
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        out.append(x)
    return out


def _read_image_sets(src: Source, layout: Layout) -> None:
    """Split lists ``ImageSets/Main/<split>.txt``: image ids, one per line."""
    lists = [
        f for f in src.tree.with_ext("txt") if "/ImageSets/" in "/" + f and "_" not in stem_of(f)
    ]
    if not lists:
        return
    members = _split_lists(src, layout, lists)
    by_stem: dict[str, list[str]] = {}
    for image in src.images:
        by_stem.setdefault(stem_of(image), []).append(image)
    for split in _split_order(members):
        for listfile, ids in members[split].items():
            _assign_split(layout, split, listfile, ids, by_stem)


#: One split list as read: (line number, image id) of each entry.
_Ids = list[tuple[int, str]]


def _split_lists(src: Source, layout: Layout, lists: list[str]) -> dict[str, dict[str, _Ids]]:
    """Read the split lists: split -> list file -> its entries; notes them in the facts."""
    members: dict[str, dict[str, _Ids]] = {}
    info: dict[str, Any] = {}
    for f in lists:
        split = canonical_split(stem_of(f)) or stem_of(f).lower()
        if stem_of(f).lower() == "trainval":
            split = "trainval"
        data, _ = read_bytes(src.tree.abspath(f))
        if data is None:
            layout.problems.add("unparseable", f, "cannot read the split list")
            continue
        lines, problems = decode_lines(data)
        for tp in problems:
            layout.problems.add("unparseable", f, tp.message, line=tp.line)
        ids = [(n, ln.split()[0]) for n, ln in enumerate(lines, 1) if ln and ln.strip()]
        members.setdefault(split, {})[f] = ids
        layout.used.add(f)
        info[split] = {"declared": f, "entries": len(ids)}
    layout.facts["declared_splits"] = info
    return members


def _split_order(members: dict[str, dict[str, _Ids]]) -> list[str]:
    """:data:`SPLIT_PRIORITY` first, then other names in order, ``trainval`` last."""
    order = [s for s in SPLIT_PRIORITY if s in members]
    order += sorted(s for s in members if s not in SPLIT_PRIORITY and s != "trainval")
    order += ["trainval"] if "trainval" in members else []
    return order


def _assign_split(
    layout: Layout, split: str, listfile: str, ids: _Ids, by_stem: dict[str, list[str]]
) -> None:
    """Give the images a list names its split, unless an earlier list gave them one."""
    base = parent_of(parent_of(parent_of(listfile)))
    for number, image_id in ids:
        found = [p for p in by_stem.get(image_id, []) if under(p, base)]
        if not found:
            layout.problems.add(
                "missing_path", listfile, f"lists {image_id!r} but no such image exists",
                line=number, value=image_id,
            )  # fmt: skip
            continue
        for image in found:
            layout.splits.setdefault(image, "train" if split == "trainval" else split)
