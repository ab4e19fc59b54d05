"""Manifest I/O: JSON Lines with a header, written atomically, read tolerantly.

Line 1 is a :class:`~imgeda_ci.model.ManifestHeader` (it has the key ``imgeda_ci_manifest``);
each further line is one :class:`~imgeda_ci.model.ImageRecord`, sorted by ``path``. Keys are
sorted so that the same scan gives the same bytes. A torn last line (a writer killed mid-line) is
ignored when reading; any other malformed line is an error naming the file and line.
"""

from __future__ import annotations

import operator
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

import orjson

from imgeda_ci.errors import UserError
from imgeda_ci.model import SCHEMA_VERSION, ImageRecord, ManifestHeader

HEADER_KEY = "imgeda_ci_manifest"
_DUMP_OPTS = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def dumps(obj: Any) -> bytes:
    """One JSON line (sorted keys, trailing newline)."""
    return orjson.dumps(obj, option=_DUMP_OPTS)


def is_header(obj: dict[str, Any]) -> bool:
    return HEADER_KEY in obj


def iter_lines(path: Path | str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for every complete JSON line of ``path``.

    A final line without a newline that does not parse is a torn write and is skipped.
    """
    p = Path(path)
    try:
        fh = p.open("rb")
    except FileNotFoundError:
        raise UserError(f"{p}: manifest not found; run 'imgeda-ci scan DIR -o {p}' first") from None
    except OSError as exc:
        raise UserError(f"{p}: cannot read manifest: {exc.strerror}") from None
    with fh:
        yield from _objects(fh, p)


def _objects(lines: Iterable[bytes], name: Path | str) -> Iterator[tuple[int, dict[str, Any]]]:
    lineno = 0
    for raw in lines:
        lineno += 1
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            if not raw.endswith(b"\n"):
                return  # torn last line from an interrupted writer
            raise UserError(
                f"{name}:{lineno}: not valid JSON; the manifest is damaged, re-run the scan"
            ) from None
        if not isinstance(obj, dict):
            raise UserError(f"{name}:{lineno}: expected a JSON object per line")
        yield lineno, obj


def read(path: Path | str) -> tuple[ManifestHeader | None, Iterator[ImageRecord]]:
    """Return the header (or None) and an iterator over the records of a manifest."""
    return _read(iter_lines(path), path)


def _read(
    it: Iterator[tuple[int, dict[str, Any]]], path: Path | str
) -> tuple[ManifestHeader | None, Iterator[ImageRecord]]:
    first = next(it, None)
    header: ManifestHeader | None = None
    pending: list[dict[str, Any]] = []
    if first is not None:
        _, obj = first
        if is_header(obj):
            header = cast(ManifestHeader, obj)
            _check_version(header, path)
        else:
            pending.append(obj)

    def records() -> Iterator[ImageRecord]:
        for obj in pending:
            yield _check_record(path, 1, obj)
        for lineno, obj in it:
            yield _check_record(path, lineno, obj)

    return header, records()


def _check_version(header: ManifestHeader, path: Path | str) -> None:
    version = header.get(HEADER_KEY)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise UserError(
            f"{path}: manifest schema {version!r} is newer than this imgeda-ci "
            f"understands ({SCHEMA_VERSION}); upgrade imgeda-ci"
        )


def _check_record(path: Path | str, lineno: int, obj: dict[str, Any]) -> ImageRecord:
    if not isinstance(obj.get("path"), str):
        raise UserError(f"{path}:{lineno}: record has no 'path'; is this an imgeda-ci manifest?")
    return cast(ImageRecord, obj)


def load(path: Path | str) -> tuple[ManifestHeader | None, list[ImageRecord]]:
    """Read a whole manifest into memory."""
    header, recs = read(path)
    return header, list(recs)


def loads(
    data: bytes, name: str
) -> tuple[ManifestHeader | None, list[ImageRecord], list[bytes] | None]:
    """:func:`load` of a manifest's bytes (``name`` says where they came from, for errors),
    plus each record's line as it is in ``data`` (None unless the data is a header and one
    complete line per record, as :func:`write` makes it)."""
    lines = data.splitlines(keepends=True)
    plain = _plain(lines, name)
    if plain is not None:
        header, records = plain
    else:  # blank, torn or damaged lines: line by line, for the exact error or tolerance
        header, recs = _read(_objects(lines, name), name)
        records = list(recs)
    raw: list[bytes] | None = None
    if header is not None and len(lines) == len(records) + 1 and lines[-1].endswith(b"\n"):
        raw = lines[1:]
    return header, records, raw


def _plain(
    lines: list[bytes], name: Path | str
) -> tuple[ManifestHeader | None, list[ImageRecord]] | None:
    """What :func:`_read` gives for ``lines`` when every line is a JSON object and every one
    after a header has a string ``path`` (what :func:`write` makes), parsed in one C loop;
    None for anything else."""
    try:
        objs = list(map(orjson.loads, lines))
    except orjson.JSONDecodeError:
        return None
    if not objs or set(map(type, objs)) != {dict}:
        return None
    header: ManifestHeader | None = None
    if is_header(objs[0]):
        header = cast(ManifestHeader, objs[0])
        _check_version(header, name)
        del objs[0]
    try:
        paths = list(map(operator.itemgetter("path"), objs))
    except KeyError:
        return None
    if objs and set(map(type, paths)) != {str}:
        return None
    return header, cast(list[ImageRecord], objs)


def write(path: Path | str, header: ManifestHeader | None, records: Iterable[ImageRecord]) -> None:
    """Write a manifest atomically: temp file in the same folder, fsync, rename over."""
    write_lines(path, header, map(dumps, records))


def write_lines(path: Path | str, header: ManifestHeader | None, lines: Iterable[bytes]) -> None:
    """:func:`write` of records already serialised by :func:`dumps`."""
    with atomic_writer(path) as fh:
        if header is not None:
            fh.write(dumps(header))
        fh.writelines(lines)


class atomic_writer:
    """``with atomic_writer(path) as fh:`` writes bytes to a temp file renamed over ``path``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._tmp: str | None = None
        self._fh: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes]:
        parent = self.path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=parent)
        except OSError as exc:
            raise UserError(f"{self.path}: cannot write here: {exc.strerror}") from None
        self._fh = os.fdopen(fd, "wb", buffering=1 << 20)
        return self._fh

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        assert self._fh is not None and self._tmp is not None
        try:
            if exc_type is None:
                self._fh.flush()
                os.fsync(self._fh.fileno())
            self._fh.close()
            if exc_type is None:
                os.chmod(self._tmp, 0o644)
                os.replace(self._tmp, self.path)
                self._tmp = None
        finally:
            if self._tmp is not None and os.path.exists(self._tmp):
                os.unlink(self._tmp)
