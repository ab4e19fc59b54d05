"""manifest.loads: the one-pass parse of a well-formed manifest gives what the line-by-line
reader gives, and anything else still gets the line-by-line reader's tolerance (damaged lines
skipped with a warning) and, read strictly, its errors."""

from __future__ import annotations

import pytest

from imgeda_ci import manifest
from imgeda_ci.errors import UserError

HEADER = b'{"imgeda_ci_manifest":1,"root":"d"}\n'
A = b'{"path":"a.jpg","size":1}\n'
B = b'{"path":"b.jpg","stats":{"luma_mean":1.5}}\n'


def _line_by_line(data: bytes) -> tuple[object, list[object]]:
    lines = data.splitlines(keepends=True)
    header, recs = manifest._read(manifest._objects(lines, manifest._Damage("m", strict=False)))
    return header, list(recs)


@pytest.mark.parametrize(
    "data",
    [
        HEADER + A + B,
        HEADER,
        A + B,  # no header
        HEADER + A + b"\n" + B,  # a blank line
        HEADER + A + B[:-5],  # a torn last line
        HEADER + A + B[:-1],  # a last line without its newline
    ],
)
def test_same_records_as_line_by_line(data: bytes) -> None:
    header, records, lines = manifest.loads(data, "m")
    assert (header, records) == _line_by_line(data)
    whole = data.endswith(b"\n") and b"\n\n" not in data and data.startswith(HEADER)
    assert lines == (data.splitlines(keepends=True)[1:] if whole else None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (HEADER + A + b'{"size":1}\n', "m:3: record has no 'path'"),
        (HEADER + A + b'{"path":7}\n', "m:3: record has no 'path'"),
        (HEADER + b"[1]\n", "m:2: expected a JSON object"),
        (HEADER + b"{oops\n" + A, "m:2: not valid JSON"),
        (b'{"imgeda_ci_manifest":99}\n' + A, "manifest schema 99 is newer"),
        (A + HEADER, "m:2: record has no 'path'"),
    ],
)
def test_the_same_errors(data: bytes, message: str) -> None:
    with pytest.raises(UserError, match=message):  # read strictly, as a base manifest is
        manifest.loads(data, "m", strict=True)
