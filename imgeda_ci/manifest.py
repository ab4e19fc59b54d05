"""Manifest I/O: JSON Lines with a header, written atomically, read tolerantly.

Line 1 is a :class:`~imgeda_ci.model.ManifestHeader` (it has the key ``imgeda_ci_manifest``);
each further line is one :class:`~imgeda_ci.model.ImageRecord`, sorted by ``path``. Keys are
sorted so that the same scan gives the same bytes. Reading, a damaged line (cut mid-line by a
killed writer, not JSON, not a record) is skipped with a warning naming the file and line, and
the rest is used; read ``strict`` (a base manifest), it is an error naming the file and line.
"""

from __future__ import annotations

import errno
import operator
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from itertools import chain
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


#: damaged lines warned of one by one; more are summed up in one line
MAX_LINE_WARNINGS = 5


class _Damage:
    """The damaged lines of one manifest being read: a JSON error, a line cut mid-way (an
    interrupted writer), a line that is not an object, a record without ``path``.

    Tolerant (the default), each is skipped with a warning on stderr naming the file and line
    (the first :data:`MAX_LINE_WARNINGS`, then one line with the total), and the other records
    are used; a file with no usable line at all is refused (it is not a manifest). ``strict``
    (a base manifest, whose missing records would show as changes): the first one is an error.
    """

    def __init__(self, name: Path | str, strict: bool) -> None:
        self.name = name
        self.strict = strict
        self.count = 0
        self.first = ""
        self.usable = False

    def line(self, lineno: int, what: str) -> None:
        where = f"{self.name}:{lineno}: {what}"
        if self.strict:
            raise UserError(f"{where}; the manifest is damaged: re-run the scan that made it")
        self.count += 1
        self.first = self.first or where
        if self.count <= MAX_LINE_WARNINGS:
            print(f"imgeda-ci: warning: {where}; line skipped", file=sys.stderr)

    def done(self) -> None:
        if self.count and not self.usable:
            raise UserError(f"{self.first}; not an imgeda-ci manifest")
        if self.count > MAX_LINE_WARNINGS:
            print(
                f"imgeda-ci: warning: {self.name}: {self.count} damaged lines skipped; "
                "re-run the scan to repair it",
                file=sys.stderr,
            )


def iter_lines(path: Path | str, *, strict: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for the header and every record of ``path``; damaged lines
    are skipped with a warning, or refused when ``strict`` (see :class:`_Damage`)."""
    p = Path(path)
    try:
        fh = p.open("rb")
    except FileNotFoundError:
        raise UserError(f"{p}: manifest not found; run 'imgeda-ci scan DIR -o {p}' first") from None
    except OSError as exc:
        raise UserError(f"{p}: cannot read manifest: {exc.strerror}") from None
    with fh:
        yield from _objects(fh, _Damage(p, strict))


def _objects(lines: Iterable[bytes], damage: _Damage) -> Iterator[tuple[int, dict[str, Any]]]:
    """The header (a first object with :data:`HEADER_KEY`) and the records (objects with a
    string ``path``) of ``lines``; anything else is reported to ``damage``."""
    first = True
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            whole = raw.endswith(b"\n")
            damage.line(lineno, "not valid JSON" if whole else "cut mid-line")
            continue
        if not isinstance(obj, dict):
            damage.line(lineno, "expected a JSON object per line")
        elif first and is_header(obj):
            _check_version(cast(ManifestHeader, obj), damage.name)
            damage.usable = True
            yield lineno, obj
        elif not isinstance(obj.get("path"), str):
            damage.line(lineno, "record has no 'path'")
        else:
            damage.usable = True
            yield lineno, obj
        first = False
    damage.done()


def read(
    path: Path | str, *, strict: bool = False
) -> tuple[ManifestHeader | None, Iterator[ImageRecord]]:
    """Return the header (or None) and an iterator over the records of a manifest.
    ``strict``: a damaged line is an error, not a warning (a base manifest)."""
    return _read(iter_lines(path, strict=strict))


def _read(
    it: Iterator[tuple[int, dict[str, Any]]],
) -> tuple[ManifestHeader | None, Iterator[ImageRecord]]:
    first = next(it, None)
    if first is None:
        return None, iter(())
    obj = first[1]
    if is_header(obj):
        return cast(ManifestHeader, obj), (cast(ImageRecord, rec) for _, rec in it)
    return None, (cast(ImageRecord, rec) for rec in chain([obj], (r for _, r in it)))


def _check_version(header: ManifestHeader, path: Path | str) -> None:
    version = header.get(HEADER_KEY)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise UserError(
            f"{path}: manifest schema {version!r} is newer than this imgeda-ci "
            f"understands ({SCHEMA_VERSION}); upgrade imgeda-ci"
        )


def load(
    path: Path | str, *, strict: bool = False
) -> tuple[ManifestHeader | None, list[ImageRecord]]:
    """Read a whole manifest into memory (``strict``: see :func:`read`)."""
    header, recs = read(path, strict=strict)
    return header, list(recs)


def loads(
    data: bytes, name: str, *, strict: bool = False
) -> tuple[ManifestHeader | None, list[ImageRecord], list[bytes] | None]:
    """:func:`load` of a manifest's bytes (``name`` says where they came from, for errors),
    plus each record's line as it is in ``data`` (None unless the data is a header and one
    complete line per record, as :func:`write` makes it)."""
    lines = data.splitlines(keepends=True)
    plain = _plain(lines, name)
    if plain is not None:
        header, records = plain
    else:  # blank, torn or damaged lines: line by line, for the exact error or tolerance
        header, recs = _read(_objects(lines, _Damage(name, strict)))
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


_UNCHANGED = "nothing was replaced: free some space (or raise the limit) and run again"


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
        """Rename the complete file over ``path``; on any failure (the body's, or a disk full
        while flushing) remove the temp file and leave ``path`` as it was. A failed write is
        one line (:func:`cannot_write`), not a traceback."""
        assert self._fh is not None and self._tmp is not None
        failed = exc if isinstance(exc, OSError) else None
        try:
            if exc_type is None:
                self._fh.flush()
                os.fsync(self._fh.fileno())
            self._fh.close()
            if exc_type is None:
                os.chmod(self._tmp, 0o644)
                os.replace(self._tmp, self.path)
                self._tmp = None
        except OSError as err:
            failed = failed or err
        finally:
            if self._tmp is not None and os.path.exists(self._tmp):
                os.unlink(self._tmp)
        if failed is not None:
            raise cannot_write(self.path, failed, _UNCHANGED) from None


def cannot_write(path: Path | str, err: OSError, after: str) -> UserError:
    """The one-line error of a write to ``path`` that failed (a full disk, a file-size limit,
    a read-only file system): what, where, and ``after``: what became of the file."""
    reason = {errno.ENOSPC: "no space left on device", errno.EFBIG: "file too large"}.get(
        err.errno or 0, (err.strerror or str(err)).lower()
    )
    return UserError(f"cannot write {path}: {reason}; {after}")
