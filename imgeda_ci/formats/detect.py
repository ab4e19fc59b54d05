"""Which dataset format a folder holds, from the files in it (first match wins).

1. a YOLO ``data.yaml`` (or another shallow yaml with ``names`` and ``train``/``val``);
2. a COCO JSON (``images`` plus ``annotations``/``categories`` near the start of the file);
3. Pascal VOC XML (``<annotation>`` files, or XML in an ``Annotations`` folder);
4. YOLO label files without a yaml (``labels/*.txt`` next to ``images/``);
5. classification folders (``[split/]class/image``, at least two sibling classes);
6. otherwise flat folders.
"""

from __future__ import annotations

from imgeda_ci.formats import classification, coco, yolo, yolo_config
from imgeda_ci.formats.base import Source
from imgeda_ci.formats.files import head, parent_of

#: How many XML files detection opens at most (their first 4 KiB each).
MAX_XML_PROBES = 50


def detect(src: Source) -> tuple[str, str]:
    """(format, why) for the dataset in ``src``."""
    config = yolo_config.find_config(src, detecting=True)
    if config is not None:
        return "yolo", f"YOLO dataset config {config}"
    jsons = coco.candidates(src)
    if jsons:
        return "coco", f"COCO annotation file {jsons[0]}"
    xml = _voc_probe(src)
    if xml is not None:
        return "voc", f"Pascal VOC annotation {xml}"
    if yolo.looks_like_labels(src):
        return "yolo", "YOLO label files in labels/ folders"
    if classification.looks_like_classification(src):
        return "classification", "images in class folders"
    return "flat", "no annotation files found"


def _voc_probe(src: Source) -> str | None:
    xmls = src.tree.with_ext("xml")
    for path in xmls:
        if parent_of(path).rsplit("/", 1)[-1].lower() == "annotations":
            return path
    for path in xmls[:MAX_XML_PROBES]:
        if b"<annotation" in head(src.tree.abspath(path), 4096):
            return path
    return None
