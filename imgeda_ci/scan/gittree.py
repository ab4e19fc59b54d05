"""Scan a commit's tree straight from git: no second checkout.

The base branch of a pull request is usually nearly the same as its head, so its manifest is
built almost entirely from records already known: every blob of the base tree whose id appears
in a cache (the head's manifest, a committed manifest) is reused unread, and only images that
exist solely in the base are read (``git cat-file``) and decoded. The small non-image files of
the tree (labels, data.yaml, COCO JSON, VOC XML) are written to a temporary folder so that the
dataset-format readers see the base's labels.

In a Git LFS dataset the base's blobs are pointer files: a pointer's ``oid sha256:`` is its
content's SHA-256, so the head's record of that content is reused without an LFS download (see
:func:`imgeda_ci.scan.analyze.analyze_path`); a pointer whose content no record describes is an
``lfs_pointer`` record.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from imgeda_ci.errors import UserError
from imgeda_ci.scan.discover import SKIP_DIRS, Discovery, check_globs
from imgeda_ci.scan.pipeline import ScanStats
from imgeda_ci.scan.readers import git_blob_locator
from imgeda_ci.scan.settings import Settings
from imgeda_ci.scan.sniff import image_extensions

_MAX_SIDE_FILE = 64 << 20  # label/config blobs larger than this are not materialised


def _git(cwd: Path, *args: str, input: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(
            ["git", "-C", str(cwd), *args], input=input, capture_output=True, check=False
        )
    except OSError as exc:
        raise UserError(f"git is needed to read the base commit: {exc.strerror}") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UserError(f"git {args[0]} failed in {cwd}: {msg[-1] if msg else 'error'}")
    return proc.stdout


def repo_paths(dataset: Path) -> tuple[Path, str, str]:
    """(work-tree top, absolute git dir, dataset prefix relative to the top)."""
    if not dataset.is_dir():
        raise UserError(f"{dataset}: no such folder")
    top = Path(_git(dataset, "rev-parse", "--show-toplevel").decode().strip())
    git_dir = _git(dataset, "rev-parse", "--absolute-git-dir").decode().strip()
    prefix = os.path.relpath(dataset.resolve(), top.resolve())
    prefix = "" if prefix == "." else Path(prefix).as_posix()
    return top, git_dir, prefix


def resolve_commit(dataset: Path, ref: str) -> str:
    try:
        out = _git(dataset, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except UserError:
        out = b""
    sha = out.decode().strip()
    if not sha:
        raise UserError(
            f"base ref {ref!r} is not a commit in this repository; fetch it (git fetch origin "
            f"{ref}) or pass --base-manifest FILE"
        )
    return sha


def tree_entries(dataset: Path, ref: str) -> dict[str, tuple[str, int]]:
    """Regular-file blobs below the dataset folder at ``ref``: relative path -> (oid, size)."""
    top, _, prefix = repo_paths(dataset)
    commit = resolve_commit(dataset, ref)
    args = ["ls-tree", "-r", "-z", "-l", "--full-tree", commit]
    if prefix:
        args += ["--", prefix]
    out: dict[str, tuple[str, int]] = {}
    for entry in _git(top, *args).decode("utf-8", "surrogateescape").split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) != 4 or parts[1] != "blob" or parts[0] not in ("100644", "100755"):
            continue
        rel = path[len(prefix) + 1 :] if prefix else path
        if any(part in SKIP_DIRS for part in rel.split("/")[:-1]):
            continue
        size = int(parts[3]) if parts[3].isdigit() else -1
        out[rel] = (parts[2], size)
    return out


def discover_tree(
    dataset: Path,
    ref: str,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    known_image_oids: frozenset[str] = frozenset(),
) -> tuple[Discovery, dict[str, tuple[str, int]]]:
    """The images of the tree at ``ref`` (by extension, or by a blob id known to be an image),
    and the other blobs (for the format readers)."""
    _, git_dir, _ = repo_paths(dataset)
    select = check_globs(include, exclude)
    entries = tree_entries(dataset, ref)
    exts = image_extensions()
    images: list[str] = []
    others: dict[str, tuple[str, int]] = {}
    for rel, (oid, size) in entries.items():
        name = rel.rsplit("/", 1)[-1]
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext in exts or oid in known_image_oids:
            if select.selected(rel):
                images.append(rel)
        else:
            others[rel] = (oid, size)
    images.sort()
    found = Discovery(
        root=dataset,
        paths=images,
        warnings=select.warnings(),
        locators={rel: git_blob_locator(git_dir, entries[rel][0]) for rel in images},
        oids={rel: entries[rel][0] for rel in images},
    )
    return found, others


def materialize(dataset: Path, blobs: dict[str, tuple[str, int]], dest: Path) -> None:
    """Write the small blobs into ``dest`` (one ``git cat-file --batch`` call)."""
    wanted = [(rel, oid) for rel, (oid, size) in blobs.items() if 0 <= size <= _MAX_SIDE_FILE]
    if not wanted:
        return
    raw = _git(dataset, "cat-file", "--batch", input="".join(f"{o}\n" for _, o in wanted).encode())
    pos = 0
    for rel, _ in wanted:
        nl = raw.index(b"\n", pos)
        head = raw[pos:nl].split()
        pos = nl + 1
        if len(head) < 3 or head[1] != b"blob":
            continue
        size = int(head[2])
        data = raw[pos : pos + size]
        pos += size + 1
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def scan_tree(
    dataset: Path,
    ref: str,
    output: Path,
    *,
    settings: Settings,
    caches: Sequence[Path] = (),
    workers: int | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    dataset_format: str | None = None,
    known_image_oids: frozenset[str] = frozenset(),
    progress: bool = False,
) -> ScanStats:
    """Scan the dataset folder as it is at commit ``ref`` into the manifest ``output``."""
    from imgeda_ci.formats import check_format
    from imgeda_ci.scan.api import scan_with_layout

    fmt = check_format(dataset_format)
    found, others = discover_tree(
        dataset, ref, include=include, exclude=exclude, known_image_oids=known_image_oids
    )
    with tempfile.TemporaryDirectory(prefix="imgeda-ci-base-") as tmp:
        materialize(dataset, others, Path(tmp))
        return scan_with_layout(
            found,
            output,
            layout_root=Path(tmp),
            dataset_format=fmt,
            settings=settings,
            workers=workers,
            caches=caches,
            use_git=False,
            root_label=f"{ref}:{dataset.as_posix()}",
            progress=progress,
        )
