"""YOLO: ``data.yaml`` (train/val/test paths, names, nc) and ``labels/*.txt``.

A label file belongs to an image as Ultralytics finds it: the last ``/images/`` folder of the
image path becomes ``/labels/`` and the extension ``.txt``; an image outside any ``images`` folder
has its label next to it. Each line is ``class x_center y_center width height`` (a box) or
``class x1 y1 x2 y2 ... xn yn`` (a polygon), normalised to 0..1 by the size of the image *as
training frameworks load it* (EXIF-oriented: Ultralytics applies the EXIF orientation). An empty
label file is a background image. Paths in ``data.yaml`` resolve as Ultralytics does: relative to
``path:`` (default: the yaml's folder), retried without a leading ``../``.
"""

from __future__ import annotations

import math
import os
from typing import Any

import yaml

from imgeda_ci.formats.base import (
    Layout,
    Obj,
    Source,
    add_problem,
    canonical_split,
    finish_labels,
    new_labels,
    round_norm,
)
from imgeda_ci.formats.files import (
    decode_lines,
    decode_text,
    ext_of,
    is_image_name,
    join,
    parent_of,
    read_bytes,
    stem_of,
    under,
)

CONFIG_NAMES = ("data.yaml", "data.yml", "dataset.yaml", "dataset.yml")
NAMES_FILES = ("classes.txt", "obj.names", "classes.names")
SPLIT_KEYS = ("train", "val", "test")


def label_for(image: str) -> str:
    """Label path of an image, by the Ultralytics rule."""
    s = "/" + image
    i = s.rfind("/images/")
    if i >= 0:
        s = s[:i] + "/labels/" + s[i + len("/images/") :]
    return join(parent_of(s), stem_of(s) + ".txt")


def image_dir_for(label: str) -> str:
    """Folder where the image of a ``labels/`` file should be."""
    s = "/" + parent_of(label) + "/"
    i = s.rfind("/labels/")
    if i >= 0:
        s = s[:i] + "/images/" + s[i + len("/labels/") :]
    return join(s)


def is_label_dir_file(path: str) -> bool:
    return ext_of(path) == "txt" and "labels" in path.split("/")[:-1]


def find_config(src: Source, detecting: bool = False) -> str | None:
    """The dataset yaml: a well-known name near the root, else any shallow yaml with ``names``.

    When ``detecting``, a well-known name must also mention names/nc/train/val: an unrelated
    ``data.yaml`` does not make a folder YOLO; once the format is YOLO, it is read (and its
    problems reported) whatever it holds.
    """
    yamls = [f for f in src.tree.with_ext("yaml", "yml") if f.count("/") <= 2]
    named = sorted(
        (f for f in yamls if f.rsplit("/", 1)[-1].lower() in CONFIG_NAMES),
        key=lambda f: (f.count("/"), f),
    )
    for f in named:
        if not detecting:
            return f
        data, _ = read_bytes(src.tree.abspath(f), limit=1 << 20)
        if data and any(key in data for key in (b"names", b"nc", b"train", b"val")):
            return f
    for f in sorted(yamls, key=lambda f: (f.count("/"), f)):
        data, _ = read_bytes(src.tree.abspath(f), limit=1 << 20)
        if data and b"names" in data and (b"train" in data or b"val" in data):
            return f
    return None


def read(src: Source) -> Layout:
    layout = Layout("yolo")
    config = find_config(src)
    declared: dict[str, list[str]] = {}
    if config is not None:
        layout.used.add(config)
        declared = _read_config(src, config, layout)
    if not layout.classes:
        _read_names_file(src, layout)

    _assign_declared_splits(src, declared, layout)

    texts = set(src.tree.with_ext("txt"))
    parsed: dict[str, dict[str, Any]] = {}
    for image in src.images:
        label = label_for(image)
        if label not in texts:
            continue
        if label not in parsed:
            parsed[label] = parse_label_file(src, label, layout.classes)
            layout.used.add(label)
        layout.labels[image] = parsed[label]

    _orphans(src, texts, layout)
    layout.facts["config"] = config
    return layout


def parse_label_file(src: Source, label: str, names: dict[int, str]) -> dict[str, Any]:
    """One label file -> labels dict (objects, problems with line numbers)."""
    labels = new_labels("yolo", label)
    labels["units"] = "norm"
    data, problem = read_bytes(src.tree.abspath(label))
    if data is None:
        add_problem(labels, problem.message if problem else "cannot read")
        return labels
    lines, text_problems = decode_lines(data)
    for tp in text_problems:
        add_problem(labels, tp.message, tp.line)
    objects: list[Obj] = []
    for number, line in enumerate(lines, 1):
        if line is None or not line.strip():
            continue
        obj, message = parse_line(line, number)
        if obj is None:
            add_problem(labels, message, number)
        else:
            objects.append(obj)
    if objects:
        labels["objects"] = objects
    return finish_labels(labels, names)


def parse_line(line: str, number: int) -> tuple[Obj | None, str]:
    """``class x y w h`` or ``class x1 y1 ... xn yn`` -> object row, or None and why not."""
    tokens = line.split()
    try:
        cls_f = float(tokens[0])
    except ValueError:
        return None, f"class id {tokens[0][:20]!r} is not a number"
    if not cls_f.is_integer():
        return None, f"class id {tokens[0][:20]!r} is not an integer"
    try:
        coords = [float(t) for t in tokens[1:]]
    except ValueError:
        bad = next(t for t in tokens[1:] if not _is_float(t))
        return None, f"coordinate {bad[:20]!r} is not a number"
    if not all(math.isfinite(c) for c in coords):
        return None, "coordinate is not a finite number"
    n = len(coords)
    cls = int(cls_f)
    if n == 4:
        xc, yc, w, h = coords
        return [
            cls,
            round_norm(xc - w / 2),
            round_norm(yc - h / 2),
            round_norm(xc + w / 2),
            round_norm(yc + h / 2),
            number,
            0,
        ], ""
    if n == 0:
        return None, "class id without coordinates"
    if n % 2:
        return None, f"{n} coordinates: expected 4 (box) or an even number (polygon)"
    xs, ys = coords[0::2], coords[1::2]
    return [
        cls,
        round_norm(min(xs)),
        round_norm(min(ys)),
        round_norm(max(xs)),
        round_norm(max(ys)),
        number,
        n // 2,
    ], ""


def _is_float(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _read_config(src: Source, config: str, layout: Layout) -> dict[str, list[str]]:
    """Parse data.yaml: names, nc and the declared split paths (problems recorded)."""
    data, problem = read_bytes(src.tree.abspath(config), limit=16 << 20)
    if data is None:
        layout.problems.add("unparseable", config, problem.message if problem else "unreadable")
        return {}
    text, tp = decode_text(data)
    if text is None:
        assert tp is not None
        layout.problems.add("unparseable", config, tp.message, line=tp.line)
        return {}
    try:
        doc = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        layout.problems.add("unparseable", config, f"invalid YAML: {reason}", line=line)
        return {}
    if not isinstance(doc, dict):
        layout.problems.add("unparseable", config, "expected a mapping (train, val, names, ...)")
        return {}
    key_lines = _key_lines(node)
    _read_names(doc, config, key_lines, layout)

    base = parent_of(config)
    root_key = doc.get("path")
    if isinstance(root_key, str) and root_key and not os.path.isabs(root_key):
        base = join(base, root_key)
    declared: dict[str, list[str]] = {}
    splits_info: dict[str, Any] = {}
    for key in SPLIT_KEYS:
        value = doc.get(key)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        resolved: list[str] = []
        for v in values:
            if not isinstance(v, str):
                layout.problems.add(
                    "config_invalid", config, f"{key}: expected a path, got {v!r}"[:200],
                    line=key_lines.get(key), key=key,
                )  # fmt: skip
                continue
            found = _resolve(src, base, v)
            if found is None:
                hint = _suggest(src, key)
                msg = f"{key}: {v!r} does not exist"
                if hint:
                    msg += f" (found {hint!r}: did you mean that?)"
                layout.problems.add(
                    "missing_path", config, msg, line=key_lines.get(key), key=key, value=v,
                    hint=hint,
                )  # fmt: skip
            else:
                resolved.append(found)
        split = canonical_split(key) or key
        declared[split] = resolved
        splits_info[split] = {"declared": value, "resolved": resolved}
    layout.facts["declared_splits"] = splits_info
    return declared


def _read_names(
    doc: dict[Any, Any], config: str, key_lines: dict[str, int], layout: Layout
) -> None:
    names = doc.get("names")
    nc = doc.get("nc")
    classes: dict[int, str] = {}
    if isinstance(names, list):
        classes = {i: str(n) for i, n in enumerate(names)}
    elif isinstance(names, dict):
        for k, v in names.items():
            try:
                classes[int(k)] = str(v)
            except (TypeError, ValueError):
                layout.problems.add(
                    "config_invalid", config, f"names: key {k!r} is not a class id",
                    line=key_lines.get("names"),
                )  # fmt: skip
    elif names is not None:
        layout.problems.add(
            "config_invalid", config, "names: expected a list or a mapping of id: name",
            line=key_lines.get("names"),
        )  # fmt: skip
    if isinstance(nc, bool) or (nc is not None and not isinstance(nc, int)):
        layout.problems.add(
            "config_invalid", config, f"nc: expected an integer, got {nc!r}"[:200],
            line=key_lines.get("nc"),
        )  # fmt: skip
        nc = None
    if nc is not None and classes and nc != len(classes):
        layout.problems.add(
            "config_invalid", config, f"nc is {nc} but names lists {len(classes)} classes",
            line=key_lines.get("nc"),
        )  # fmt: skip
    if not classes and isinstance(nc, int) and nc > 0:
        classes = {i: str(i) for i in range(min(nc, 100_000))}
    if names is None and nc is None:
        layout.problems.add("config_invalid", config, "no 'names' (class names) declared")
    layout.classes = classes
    layout.classes_declared = bool(classes)
    layout.facts["nc"] = nc


def _key_lines(node: yaml.Node | None) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    out: dict[str, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            out[str(key_node.value)] = key_node.start_mark.line + 1
    return out


def _resolve(src: Source, base: str, value: str) -> str | None:
    """Resolved POSIX path relative to the root (may start with ``..``), or None if missing."""
    if os.path.isabs(value):
        try:
            rel = os.path.relpath(value, src.root)
        except ValueError:
            return None
        return rel.replace(os.sep, "/") if os.path.exists(value) else None
    candidates = [join(base, value)]
    if value.startswith("../"):
        candidates.append(join(base, value[3:]))
    for cand in candidates:
        if src.tree.abspath(cand).exists():
            return cand
    return None


def _suggest(src: Source, key: str) -> str | None:
    """An existing image folder that looks like the one a missing split path meant."""
    want = canonical_split(key)
    dirs = sorted({parent_of(p) for p in src.images})
    for d in dirs:
        for part in d.split("/"):
            if canonical_split(part) == want and part.lower() != key.lower():
                return d
    return None


def _assign_declared_splits(src: Source, declared: dict[str, list[str]], layout: Layout) -> None:
    for split, paths in declared.items():
        for path in paths:
            if ext_of(path) == "txt":
                for image in _read_image_list(src, path):
                    layout.splits.setdefault(image, split)
                layout.used.add(path)
                continue
            if path.startswith(".."):
                continue
            for image in src.images:
                if under(image, path) or under(image, _images_dir_alias(path)):
                    layout.splits.setdefault(image, split)


def _images_dir_alias(path: str) -> str:
    """``train`` declared for ``train/images``: Ultralytics looks in ``images`` below it."""
    return join(path, "images")


def _read_image_list(src: Source, listfile: str) -> list[str]:
    data, _ = read_bytes(src.tree.abspath(listfile))
    if data is None:
        return []
    lines, _ = decode_lines(data)
    base = parent_of(listfile)
    out = []
    for line in lines:
        if not line or not line.strip():
            continue
        entry = line.strip()
        if os.path.isabs(entry):
            rel = os.path.relpath(entry, src.root).replace(os.sep, "/")
        else:
            rel = join(base, entry)
        if rel in src.image_set:
            out.append(rel)
    return out


def _read_names_file(src: Source, layout: Layout) -> None:
    """No yaml: class names from ``classes.txt`` / ``obj.names`` (one per line), if any."""
    for f in src.tree.files:
        if f.rsplit("/", 1)[-1].lower() in NAMES_FILES and f.count("/") <= 2:
            data, _ = read_bytes(src.tree.abspath(f), limit=1 << 20)
            if data is None:
                continue
            lines, _ = decode_lines(data)
            names = [ln.strip() for ln in lines if ln and ln.strip()]
            if names:
                layout.classes = dict(enumerate(names))
                layout.classes_declared = True
                layout.used.add(f)
                layout.facts["names_file"] = f
                return


def _orphans(src: Source, texts: set[str], layout: Layout) -> None:
    """Label files in ``labels/`` folders whose image does not exist anywhere on disk."""
    stems: set[tuple[str, str]] = {(parent_of(p), stem_of(p)) for p in src.disk_images}
    for label in sorted(texts):
        if label in layout.used or not is_label_dir_file(label):
            continue
        if label.rsplit("/", 1)[-1].lower() in NAMES_FILES:
            continue
        img_dir = image_dir_for(label)
        if (img_dir, stem_of(label)) in stems or (parent_of(label), stem_of(label)) in stems:
            continue  # the image exists but was not scanned (excluded): not an orphan
        layout.used.add(label)
        layout.problems.add(
            "orphan", label, f"label file without an image (no {join(img_dir, stem_of(label))}.*)"
        )
        orphan = parse_label_file(src, label, layout.classes)
        for p in orphan.get("problems", []):
            layout.problems.add("unparseable", label, p["message"], line=p.get("line"))
        if not layout.classes_declared:
            continue
        for obj in orphan.get("objects", []):
            if obj[0] not in layout.classes:
                layout.problems.add(
                    "class_unknown", label, f"class id {obj[0]} is not declared",
                    line=obj[5], class_id=obj[0],
                )  # fmt: skip


def looks_like_labels(src: Source) -> bool:
    """Detection: some ``labels/*.txt`` file belongs to a scanned image."""
    texts = {f for f in src.tree.with_ext("txt") if is_label_dir_file(f)}
    if not texts:
        return False
    return any(label_for(img) in texts for img in src.images if is_image_name(img))
