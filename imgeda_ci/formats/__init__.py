"""Dataset layouts: detect the format, read the labels, answer "split and labels of this image".

Entry point (the scanner calls it once, in the parent process, after discovery)::

    layout = load_layout(root, image_paths, fmt=None)  # fmt: None/"auto" | yolo | coco | voc |
                                                        #      classification | flat
    split, labels = layout.annotate(relpath)           # per image; a dict lookup
    header["dataset"] = layout.header_facts()           # dataset-level facts (JSON-ready)

Formats: YOLO (:mod:`.yolo`), COCO JSON (:mod:`.coco`), Pascal VOC (:mod:`.voc`),
classification folders (:mod:`.classification`), flat folders (:mod:`.flat`); detection rules in
:mod:`.detect`. Bad annotation files never raise: they become problems with file and line.

Record fields
-------------
``split``: ``"train"`` | ``"val"`` | ``"test"`` | another name a format declares | ``None``.
Taken from the format (data.yaml paths, the COCO file, ``ImageSets/Main`` lists), else from the
first folder of the path that is a split word. Names are canonical: ``valid``, ``validation``,
``validate``, ``dev`` -> ``val``; ``training`` -> ``train``; ``train2017`` -> ``train``.

``labels`` (absent/None for flat folders)::

    {
      "format":   "yolo" | "coco" | "voc" | "classification",
      "file":     "train/labels/x.txt" | None,   # annotation file; None = image has none
      "classes":  ["ship", ...],     # sorted distinct class names in the image
                                     # (an id the dataset does not declare shows as "#44")
      "n":        3,                 # objects (classification: 1 when the image has a class)
      "units":    "norm" | "px",     # coordinates of "objects": YOLO normalised, VOC/COCO pixels
      "size":     [640, 480],        # VOC <size> / COCO images[].width,height as declared
      "objects":  [[class_id, x1, y1, x2, y2, ref, n_points], ...],
      "problems": [{"code": "unparseable", "line": 7, "message": "..."}, ...],
    }                                # (COCO problems carry "annotation_id" instead of "line")

``objects`` rows: ``class_id`` as declared (YOLO index into names, COCO category id, VOC index
into the sorted names); the box corners ``x1 y1 x2 y2`` (a polygon's bounding box for a
polygon); ``ref`` = the line number in ``file`` (YOLO, VOC) or the COCO annotation id;
``n_points`` = 0 for a plain box, else the polygon's point count (COCO: the smallest part of
the segmentation). YOLO coordinates refer to the image as training frameworks load it
(EXIF-oriented); normalised values are rounded to 6 decimals without crossing 0 or 1, so a
coordinate outside 0..1 stays outside. ``units``, ``size``, ``objects``, ``problems`` are absent
when empty/unknown. An image with ``file`` None has no annotation; with ``file`` set and
``n`` 0 it is explicitly empty (background).

Header ``dataset`` (:meth:`Layout.header_facts`)::

    {
      "format": "yolo", "detected": true, "detected_by": "YOLO dataset config data.yaml",
      "classes": [{"id": 0, "name": "Ships"}, {"id": 1, "name": "x", "super": true}],
      "classes_declared": true,      # false when classes were collected from the labels (VOC)
      "files_read": 513,             # annotation/config files read
      "problems": [{"code", "path", "message", "line"?, ...}],  # capped at 20,000 per code
      "problem_counts": {"orphan": 34, ...},                    # uncapped totals
      # per format: "config", "nc", "declared_splits", "names_file" (YOLO);
      #             "annotation_files" (COCO); "declared_splits" (VOC)
    }

Problem codes in the header: ``unparseable`` (a file or line no reader could parse: malformed
XML, invalid JSON/YAML, non-UTF-8 text; with ``line``), ``orphan`` (a label file or COCO image
entry without an image), ``missing_path`` (data.yaml or an ImageSets list names a path that
does not exist; ``key``, ``value``, ``line``, ``hint``), ``coco_missing_image`` (an annotation
whose ``image_id`` is not in ``images``), ``config_invalid`` (nc/names disagree, no names, bad
categories), ``class_unknown`` (a line of a label file *without an image* whose class id is not
declared: objects of images are judged from the records), ``stray_file`` (not an image, not read
by the format, not docs/code/config).

Dataset facts for the report and the diff: :func:`imgeda_ci.formats.facts.dataset_facts`.
"""

from __future__ import annotations

from imgeda_ci.formats.base import Layout
from imgeda_ci.formats.loader import FORMATS, check_format, load_layout

__all__ = ["FORMATS", "Layout", "check_format", "load_layout"]
