"""PathList: a packed list of paths that reads back exactly what was appended."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from imgeda_ci.scan import discover
from imgeda_ci.scan.pathlist import PathList
from tests.formats.datasets import image

ODD = [
    "a.jpg",
    "caf\u00e9/\u00fc.png",  # non-ASCII: more bytes than characters
    os.fsdecode(b"raw/caf\xe9.jpg"),  # an undecodable file name, surrogate-escaped
    "\u6f22\u5b57/\U0001f600.jpg",
    "",
    "sp ace/new\nline.jpg",
]


@pytest.mark.parametrize("n", [0, 1, 5, 3000])  # none, a few, more than one packed block
def test_reads_back_what_was_appended(n: int) -> None:
    paths = [ODD[i % len(ODD)] + (f"/{i:06d}" * (i % 3)) for i in range(n)]
    packed = PathList(paths)
    assert len(packed) == n
    assert list(packed) == paths
    assert [packed[i] for i in range(n)] == paths
    assert packed == paths and packed == PathList(paths)
    if n:
        assert packed[-1] == paths[-1] and packed[1:4] == paths[1:4] and packed[::-2] == paths[::-2]
    with pytest.raises(IndexError):
        packed[n]


def test_appends_after_reads_and_long_paths() -> None:
    packed = PathList()
    long = "x" * 200_000  # longer than a decoded block
    packed.append("a")
    assert list(packed) == ["a"]
    packed.append(long)
    packed.append("b")
    assert list(packed) == ["a", long, "b"] and packed[1] == long
    assert packed != ["a", long] and packed != ("a", long, "b")


def test_a_path_with_nul_is_refused() -> None:
    with pytest.raises(ValueError):
        PathList(["a\0b"])[0]


def test_smaller_than_a_list() -> None:
    paths = [f"{i // 1000:04d}/{i:07d}.jpg" for i in range(10_000)]
    as_list = sys.getsizeof(paths) + sum(sys.getsizeof(p) for p in paths)
    assert PathList(paths).nbytes() < as_list / 2.5  # 25 bytes a path here, 73 in a list


def test_discovery_paths_come_out_sorted(tmp_path: Path) -> None:
    # names that sort differently as names and as paths: "a" < "a-b" < "a.jpg", but
    # "a-b/x" < "a.jpg" < "a/x"
    names = ["a/x.jpg", "a-b/x.jpg", "a.jpg", "a b.jpg", "a/b/c.jpg", "a/b.jpg", "a0/x.jpg",
             "B/x.jpg", "b.jpg", "\u00e9/x.jpg", "e/x.jpg", "a/a-/x.jpg", "a/a/x.jpg"]  # fmt: skip
    for rel in names:
        image(tmp_path / rel)
    image(tmp_path / os.fsdecode(b"caf\xe9/x.jpg"))
    found = discover.walk(tmp_path)
    assert isinstance(found.paths, PathList)
    on_disk = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.jpg"))
    assert list(found.paths) == on_disk
