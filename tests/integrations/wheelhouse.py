"""An offline wheelhouse for pre-commit's hook environment, built from what is installed.

pre-commit installs a ``language: python`` hook by ``pip install .`` into a fresh virtualenv.
Tests have no network, so pip gets ``--no-index --find-links WHEELHOUSE``: this module repacks
the installed distributions imgeda-ci needs (its requirements, recursively) into wheels. A wheel
is a zip of the files a distribution installed into site-packages plus its ``.dist-info``, which
is what each installed distribution's ``RECORD`` lists; files outside site-packages (console
scripts) and byte code are left out, and a new ``RECORD`` is written.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement


def _tag(dist: metadata.Distribution) -> str:
    text = dist.read_text("WHEEL") or ""
    tags = re.findall(r"^Tag:\s*(\S+)", text, re.MULTILINE)
    return tags[0] if tags else "py3-none-any"


def _requirements(name: str) -> list[str]:
    out = []
    for raw in metadata.requires(name) or []:
        req = Requirement(raw)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append(req.name)
    return out


def closure(name: str) -> list[str]:
    """``name``'s runtime requirements, recursively (installed distribution names)."""
    seen: dict[str, None] = {}
    todo = _requirements(name)
    while todo:
        n = todo.pop()
        key = re.sub(r"[-_.]+", "-", n).lower()
        if key in seen:
            continue
        seen[key] = None
        todo.extend(_requirements(n))
    return list(seen)


def repack(name: str, dest: Path) -> Path:
    dist = metadata.distribution(name)
    files = [f for f in dist.files or [] if not str(f).startswith("..")]
    files = [f for f in files if "__pycache__" not in f.parts and not str(f).endswith(".pyc")]
    dist_info = next(f.parts[0] for f in files if f.parts[0].endswith(".dist-info"))
    drop = {f"{dist_info}/{n}" for n in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")}
    norm = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    wheel = dest / f"{norm}-{dist.version}-{_tag(dist)}.whl"
    rows = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as zf:
        for f in files:
            arc = f.as_posix()
            if arc in drop:
                continue
            src = Path(str(f.locate()))
            if not src.is_file():
                continue
            data = src.read_bytes()
            zf.writestr(arc, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            rows.append((arc, f"sha256={digest.decode()}", str(len(data))))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerows([*rows, (f"{dist_info}/RECORD", "", "")])
        zf.writestr(f"{dist_info}/RECORD", buf.getvalue())
    return wheel


def build(dest: Path, project: str = "imgeda-ci") -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    return [repack(n, dest) for n in closure(project)]
