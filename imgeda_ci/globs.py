"""Path globs with ``**``, used by discovery, policy overrides, waivers and split rules.

Patterns match POSIX paths relative to the dataset root:
  ``*`` any run of characters except ``/``; ``?`` one character except ``/``;
  ``[abc]`` / ``[!abc]`` a character class; ``**`` any number of whole folders (``a/**/b``
  matches ``a/b`` and ``a/x/y/b``; a trailing ``/**`` matches everything below).
A pattern without ``/`` matches the file name at any depth (``*.png`` == ``**/*.png``), as
.gitignore does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


class GlobError(ValueError):
    """An invalid glob pattern."""


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The regular expression of ``pattern`` (see the module doc); GlobError when invalid."""
    pat = _normalised(pattern)
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if pat.startswith("**", i):
            part, i = _double_star(pat, i, pattern)
            out.append(part)
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            part, i = _char_class(pat, i, pattern)
            out.append(part)
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out) + r"\Z")
    except re.error as exc:
        raise GlobError(f"invalid glob {pattern!r}: {exc}") from None


def _normalised(pattern: str) -> str:
    """``pattern`` stripped, without a leading ``./`` or trailing ``/``, and under ``**/`` when it
    names no folder."""
    if not pattern or not pattern.strip():
        raise GlobError("empty glob pattern")
    pat = pattern.strip()
    if pat.startswith("./"):
        pat = pat[2:]
    if "/" not in pat.rstrip("/"):
        pat = "**/" + pat
    return pat.rstrip("/") if pat != "/" else pat


def _double_star(pat: str, i: int, pattern: str) -> tuple[str, int]:
    """The regex of the ``**`` at ``pat[i]``, and the index after it (and its ``/``)."""
    n = len(pat)
    before_ok = i == 0 or pat[i - 1] == "/"
    after = i + 2
    if not before_ok or (after < n and pat[after] != "/"):
        raise GlobError(f"'**' must be a whole path part in {pattern!r}")
    if after < n:  # "**/" : zero or more folders
        return "(?:[^/]+/)*", after + 1
    return ".*", after  # trailing "**": anything below


def _char_class(pat: str, i: int, pattern: str) -> tuple[str, int]:
    """The regex of the ``[...]`` class at ``pat[i]``, and the index of its ``]``."""
    n = len(pat)
    j = pat.find("]", i + 2 if i + 1 < n and pat[i + 1] in "!^" else i + 1)
    if j < 0:
        raise GlobError(f"unclosed '[' in glob {pattern!r}")
    body = pat[i + 1 : j]
    if body.startswith(("!", "^")):
        body = "^" + body[1:]
    return "[" + body.replace("\\", "\\\\") + "]", j


def match(pattern: str, path: str) -> bool:
    """True when POSIX ``path`` matches ``pattern`` (see module doc)."""
    return compile_glob(pattern).match(path) is not None


def match_any(patterns: Iterable[str], path: str) -> bool:
    return any(match(p, path) for p in patterns)
