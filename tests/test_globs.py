"""Path globs: what each pattern part matches, and the patterns that are errors."""

from __future__ import annotations

import pytest

from imgeda_ci.globs import GlobError, compile_glob, match


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.png", "x.png", True),
        ("*.png", "a/b/x.png", True),  # no "/": the file name at any depth
        ("*.png", "x.png/y", False),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("a/**/b", "ab", False),
        ("data/**", "data/x/y.jpg", True),
        ("data/", "data", True),  # a trailing "/" is dropped
        ("./train/*.jpg", "train/a.jpg", True),
        ("./train/*.jpg", "train/x/a.jpg", False),
        ("train/?.jpg", "train/a.jpg", True),
        ("train/?.jpg", "train/ab.jpg", False),
        ("[!a]?.txt", "b1.txt", True),
        ("[!a]?.txt", "a1.txt", False),
        ("[^a]?.txt", "a1.txt", False),
        ("x/[a-c].jpg", "x/b.jpg", True),
        ("x/a+b(1).jpg", "x/a+b(1).jpg", True),  # regex characters are literal
    ],
)
def test_match(pattern: str, path: str, expected: bool) -> None:
    assert match(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "empty glob pattern"),
        ("  ", "empty glob pattern"),
        ("a/b**", "'**' must be a whole path part"),
        ("a/**b", "'**' must be a whole path part"),
        ("a/[bc", "unclosed '['"),
        ("a/[z-a]", "invalid glob"),
    ],
)
def test_invalid(pattern: str, message: str) -> None:
    with pytest.raises(GlobError, match=message.replace("[", r"\[").replace("*", r"\*")):
        compile_glob(pattern)
