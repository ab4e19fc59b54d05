"""A compact list of file paths: one bytes buffer and an array of offsets.

A Python list of 100k short relative paths costs ~80 bytes a path (a ``str`` object and a
pointer to it), which made the scanner's memory grow with the dataset. Here a path costs its
UTF-8 bytes plus 9 (a NUL and an offset); a ``str`` is made only when a path is read. Paths keep
their surrogate escapes (an undecodable file name round-trips), and NUL, which no file name
holds, separates them, so iteration decodes a block of paths at a time.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, islice, repeat
from typing import overload

_ENC = "utf-8"
_ERRORS = "surrogateescape"
_BLOCK = 1 << 16  # bytes decoded at once when iterating
_PENDING = 1024  # paths appended before they are packed


class PathList(Sequence[str]):
    """An append-only sequence of paths (``str``), stored packed."""

    __slots__ = ("_buf", "_pending", "_starts")

    def __init__(self, paths: Iterable[str] = ()) -> None:
        self._buf = bytearray()
        self._starts = array("q")
        self._pending: list[str] = []  # appended, not packed yet: packed a block at a time
        for path in paths:
            self.append(path)

    def append(self, path: str) -> None:
        pending = self._pending
        pending.append(path)
        if len(pending) >= _PENDING:
            self._pack()

    def _pack(self) -> None:
        """Move the pending paths into the buffer: one join and one encode for the block,
        and, when every character took one byte, offsets summed in C."""
        pending = self._pending
        if not pending:
            return
        text = "\0".join(pending) + "\0"
        if text.count("\0") != len(pending):
            raise ValueError("a path with a NUL character")  # no file name has one
        data = text.encode(_ENC, _ERRORS)
        sizes: Iterable[int] = (
            map(len, pending)
            if len(data) == len(text)  # one byte a character: byte sizes are string lengths
            else (len(p.encode(_ENC, _ERRORS)) for p in pending)
        )
        ends = accumulate(map(operator.add, sizes, repeat(1)), initial=len(self._buf))
        self._starts.extend(islice(ends, len(pending)))
        self._buf += data
        pending.clear()

    def __len__(self) -> int:
        return len(self._starts) + len(self._pending)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        self._pack()
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start = self._starts[index]  # IndexError and negative indices as a list's
        end = self._buf.index(0, start)
        return self._buf[start:end].decode(_ENC, _ERRORS)

    def __iter__(self) -> Iterator[str]:
        self._pack()
        buf = self._buf
        pos, size = 0, len(buf)
        while pos < size:
            end = buf.find(0, min(pos + _BLOCK, size - 1))  # the NUL ending a path
            yield from buf[pos:end].decode(_ENC, _ERRORS).split("\0")
            pos = end + 1

    def __eq__(self, other: object) -> bool:
        """Equal to a PathList or a list of the same paths (it stands in for such a list)."""
        if isinstance(other, PathList):
            self._pack()
            other._pack()
            return self._buf == other._buf
        if isinstance(other, list):
            return len(other) == len(self) and all(map(operator.eq, self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"PathList({list(self)!r})"

    def nbytes(self) -> int:
        """Memory held by the stored paths (for tests and benchmarks)."""
        self._pack()
        return len(self._buf) + self._starts.itemsize * len(self._starts)


#: paths handled at once by :func:`chunks`' callers: C passes over a list of this many, and
#: what they make for these paths (a scan's manifest lines) held at once
CHUNK = 1 << 12


def chunks(paths: Iterable[str], size: int = CHUNK) -> Iterator[tuple[int, list[str]]]:
    """``paths`` as lists of ``size`` paths, each with the index of its first path: per-path
    work in C passes over a list, without ever holding a :class:`PathList` as one list."""
    it = iter(paths)
    start = 0
    while chunk := list(islice(it, size)):
        yield start, chunk
        start += len(chunk)
