"""Path globs: gitignore semantics (checked against git itself), and the patterns that are
errors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from imgeda_ci.globs import GlobError, compile_glob, match, match_any


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.png", "x.png", True),
        ("*.png", "a/b/x.png", True),  # no "/": the file name at any depth
        ("*.png", "x.png/y", True),  # a folder named x.png: everything below it
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("a/**/b", "ab", False),
        ("data/**", "data/x/y.jpg", True),
        ("data/", "data", False),  # a trailing "/": folders only
        ("data/", "data/x/y.jpg", True),
        ("cache", "cache/x.jpg", True),  # a folder name: everything below it
        ("cache", "a/cache/x.jpg", True),
        ("cache/", "a/cache/b/x.jpg", True),
        ("cache", "cached/x.jpg", False),
        ("a/cache", "b/a/cache/x.jpg", False),  # a "/" inside: anchored at the root
        ("/x.jpg", "x.jpg", True),
        ("/x.jpg", "a/x.jpg", False),
        ("./train/*.jpg", "train/a.jpg", True),
        ("./train/*.jpg", "train/x/a.jpg", False),
        ("train/?.jpg", "train/a.jpg", True),
        ("train/?.jpg", "train/ab.jpg", False),
        ("[!a]?.txt", "b1.txt", True),
        ("[!a]?.txt", "a1.txt", False),
        ("[^a]?.txt", "a1.txt", False),
        ("x/[a-c].jpg", "x/b.jpg", True),
        ("x/a+b(1).jpg", "x/a+b(1).jpg", True),  # regex characters are literal
        ("[]]x", "]x", True),  # "]" first in a class is a member
        ("[]]x", "x", False),
        ("\\!x.jpg", "!x.jpg", True),  # escapes
        ("\\#x.jpg", "a/#x.jpg", True),
        ("a\\*.jpg", "a*.jpg", True),
        ("a\\*.jpg", "ab.jpg", False),
        ("a\\[1].jpg", "a[1].jpg", True),
    ],
)
def test_match(pattern: str, path: str, expected: bool) -> None:
    assert match(pattern, path) is expected


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        (["*.jpg", "!keep.jpg"], "a/keep.jpg", False),  # "!" takes back
        (["*.jpg", "!keep.jpg"], "a/other.jpg", True),
        (["!keep.jpg", "*.jpg"], "a/keep.jpg", True),  # the last match wins
        (["cache/*", "!cache/keep.jpg"], "cache/keep.jpg", False),
        (["cache/", "!cache/keep.jpg"], "cache/keep.jpg", True),  # its folder stays matched
        (["cache/*", "!cache/sub/"], "cache/sub/x.jpg", False),
    ],
)
def test_list_reads_like_a_gitignore_file(patterns: list[str], path: str, expected: bool) -> None:
    assert match_any(patterns, path) is expected


GIT_CASES = [
    ["cache"],
    ["cache/"],
    ["*.png"],
    ["*.jpg", "!keep.jpg"],
    ["cache/", "!cache/keep.jpg"],
    ["cache/*", "!cache/keep.jpg"],
    ["a/**/b"],
    ["/top.jpg"],
    ["sub/*.jpg"],
    ["\\!bang.jpg", "\\#hash.jpg"],
    ["[]]x.jpg"],
    ["**/deep/**", "!**/deep/keep.jpg"],
]
FILES = [
    "top.jpg",
    "keep.jpg",
    "x.png",
    "cache/x.jpg",
    "cache/keep.jpg",
    "cache/sub/y.jpg",
    "a/cache/z.jpg",
    "cached/x.jpg",
    "a/b/q.jpg",
    "a/x/b/q.jpg",
    "sub/top.jpg",
    "sub/more/top.jpg",
    "img.png/in.jpg",
    "!bang.jpg",
    "#hash.jpg",
    "]x.jpg",
    "x/deep/keep.jpg",
    "x/deep/y/z.jpg",
]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.parametrize("patterns", GIT_CASES, ids=lambda p: " ".join(p))
def test_same_files_as_git(tmp_path: Path, patterns: list[str]) -> None:
    """What git ignores with these lines in .gitignore is exactly what the globs match."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for rel in FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    (tmp_path / ".gitignore").write_text("\n".join(patterns) + "\n")
    out = subprocess.run(
        ["git", "ls-files", "-z", "--others", "--ignored", "--exclude-standard"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    ).stdout.decode()
    by_git = sorted(p for p in out.split("\0") if p)
    assert by_git == sorted(f for f in FILES if match_any(patterns, f))


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "empty glob pattern"),
        ("  ", "empty glob pattern"),
        ("!", "nothing to match"),
        ("#x.jpg", "a leading '#' makes it a comment"),
        ("a/b**", "'**' must be a whole path part"),
        ("a/**b", "'**' must be a whole path part"),
        ("a/[bc", "unclosed '['"),
        ("a/[z-a]", "invalid glob 'a/[z-a]'"),
        ("x\\", "escapes nothing"),
    ],
)
def test_invalid(pattern: str, message: str) -> None:
    with pytest.raises(GlobError) as err:
        compile_glob(pattern)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_invalid_in_a_list_names_the_pattern() -> None:
    with pytest.raises(GlobError, match=r"'a/\[z-a\]'"):
        match_any(["ok/", "a/[z-a]"], "x")
