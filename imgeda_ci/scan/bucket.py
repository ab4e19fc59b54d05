"""Discover the images below a bucket prefix (or any fsspec URL) as if it were a local folder.

``imgeda-ci scan s3://bucket/prefix`` gives the manifest a local scan of the same files gives:
record paths are relative to the prefix (``train/cat.jpg``), the header's ``root`` is the URL,
and the records are byte-identical. To make that literally true the same rules as
:func:`imgeda_ci.scan.discover.walk` apply: images by extension, objects with an unknown
extension sniffed by their first bytes (one ranged read each), the same folders skipped, the same
include/exclude globs. The small non-image objects (labels, ``data.yaml``, COCO JSON) are copied
to a temporary folder so that the dataset-format readers see them, as for a git tree.

Each object's stat key for the journal is (size, ETag or last-modified) from the listing, so an
interrupted bucket scan resumes without downloading the objects it already finished.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from imgeda_ci.errors import UserError
from imgeda_ci.scan.discover import SKIP_DIRS, Discovery, check_globs
from imgeda_ci.scan.remote import DEFAULT_MAX_BYTES, filesystem, redact, remote_locator, scrub
from imgeda_ci.scan.sniff import TEXT_EXTENSIONS, image_extensions, looks_like_image

_MAX_SIDE_FILE = 64 << 20  # non-image objects larger than this become empty placeholders
_BATCH = 256  # objects per concurrent batch request (sniffing, side files)
#: Listing keys that change when an object's content changes, by backend, best first.
_VERSION_KEYS = ("ETag", "etag", "md5Hash", "generation", "LastModified", "last_modified",
                 "updated", "mtime")  # fmt: skip


def stat_key(info: dict[str, Any]) -> list[Any] | None:
    """[size, version tag] from an fsspec listing entry; None when the listing has no tag (then
    the object is always read again on resume, which is safe)."""
    size = info.get("size")
    for key in _VERSION_KEYS:
        tag = info.get(key)
        if tag is not None and size is not None:
            return [int(size), str(tag)]
    return None


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _skipped(rel: str) -> bool:
    return any(part in SKIP_DIRS for part in rel.split("/")[:-1])


def list_objects(url: str) -> tuple[Any, str, dict[str, dict[str, Any]]]:
    """(filesystem, base path, relative path -> listing entry) of every object below ``url``."""
    fs, base = filesystem(url)
    base = base.rstrip("/")
    try:
        found = fs.find(base, detail=True, withdirs=False)
    except FileNotFoundError:
        raise UserError(f"{redact(url)}: no such bucket or prefix") from None
    except PermissionError:
        raise UserError(
            f"{redact(url)}: access denied; check the backend's credentials (environment or "
            "config file)"
        ) from None
    except UserError:
        raise
    except Exception as exc:
        raise UserError(
            f"{redact(url)}: cannot list: {scrub(f'{type(exc).__name__}: {exc}')}"
        ) from None
    objects: dict[str, dict[str, Any]] = {}
    for full, info in sorted(found.items()):
        if info.get("type", "file") != "file":
            continue
        key = str(full)
        if key == base:  # the URL names one object: scan it as a folder of one
            rel = key.rsplit("/", 1)[-1]
        elif key.startswith(base + "/"):
            rel = key[len(base) + 1 :]
        else:
            continue
        if rel and not _skipped(rel):
            objects[rel] = dict(info)
    if not objects:
        raise UserError(f"{redact(url)}: no objects found; check the bucket and prefix")
    return fs, base, objects


def _heads(fs: Any, paths: list[str], n: int) -> list[bytes]:
    out: list[bytes] = []
    for i in range(0, len(paths), _BATCH):
        chunk = paths[i : i + _BATCH]
        got = fs.cat_ranges(chunk, [0] * len(chunk), [n] * len(chunk), on_error="return")
        out.extend(g if isinstance(g, bytes) else b"" for g in got)
    return out


def _object_url(url: str, base: str, rel: str, info: dict[str, Any]) -> str:
    """The URL of ``rel`` below ``url``, in the URL's own spelling (``s3a://``, ``az://``)."""
    if str(info.get("name", "")).rstrip("/") == base:
        return url.rstrip("/")  # the URL names a single object
    return f"{url.rstrip('/')}/{rel}"


def _sort_objects(
    fs: Any, objects: dict[str, dict[str, Any]], sniff_unknown: bool
) -> tuple[list[str], dict[str, tuple[str, int]]]:
    """The images (by extension, or by their first bytes) and the other objects (relative
    path -> (path in the filesystem, size))."""
    exts = image_extensions()
    images: list[str] = []
    others: dict[str, tuple[str, int]] = {}
    unknown: list[str] = []
    for rel, info in objects.items():
        ext = _ext(rel.rsplit("/", 1)[-1])
        if ext in exts:
            images.append(rel)
        elif sniff_unknown and ext not in TEXT_EXTENSIONS and int(info.get("size") or 0) > 0:
            unknown.append(rel)
        else:
            others[rel] = (str(info.get("name", "")), int(info.get("size") or 0))
    if unknown:
        heads = _heads(fs, [str(objects[r]["name"]) for r in unknown], 32)
        for rel, head in zip(unknown, heads, strict=True):
            if looks_like_image(head):
                images.append(rel)
            else:
                others[rel] = (str(objects[rel]["name"]), int(objects[rel].get("size") or 0))
    return images, others


def discover_bucket(
    url: str,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    sniff_unknown: bool = True,
) -> tuple[Discovery, dict[str, tuple[str, int]], Any]:
    """The images below ``url`` and the other objects (relative path -> (path in the
    filesystem, size)) for the format readers, and the filesystem."""
    select = check_globs(include, exclude)
    fs, base, objects = list_objects(url)
    images, others = _sort_objects(fs, objects, sniff_unknown)
    selected = sorted(rel for rel in images if select.selected(rel))
    found = Discovery(
        root=Path("."),  # nothing local yet: the caller points it at the side files' folder
        paths=selected,
        warnings=select.warnings(),
        locators={
            r: remote_locator(_object_url(url, base, r, objects[r]), max_bytes) for r in selected
        },
        stat_keys={r: k for r in selected if (k := stat_key(objects[r])) is not None},
    )
    return found, others, fs


def materialize(fs: Any, blobs: dict[str, tuple[str, int]], dest: Path) -> None:
    """Copy the small objects into ``dest`` (batched, concurrent reads); larger ones become
    empty placeholders so that the format readers still see that they exist."""
    small = [(rel, name) for rel, (name, size) in blobs.items() if 0 <= size <= _MAX_SIDE_FILE]
    for rel, (_, size) in blobs.items():
        if size > _MAX_SIDE_FILE:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.touch()
    for i in range(0, len(small), _BATCH):
        chunk = small[i : i + _BATCH]
        got = fs.cat([name for _, name in chunk], on_error="return")
        for rel, name in chunk:
            data = got.get(name)
            if not isinstance(data, bytes):
                continue  # vanished or unreadable: the format readers see it missing
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def side_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="imgeda-ci-bucket-")
