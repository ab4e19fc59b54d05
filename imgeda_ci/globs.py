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
    if not pattern or not pattern.strip():
        raise GlobError("empty glob pattern")
    pat = pattern.strip()
    if pat.startswith("./"):
        pat = pat[2:]
    if "/" not in pat.rstrip("/"):
        pat = "**/" + pat
    pat = pat.rstrip("/") if pat != "/" else pat
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if pat.startswith("**", i):
            before_ok = i == 0 or pat[i - 1] == "/"
            after = i + 2
            if not before_ok or (after < n and pat[after] != "/"):
                raise GlobError(f"'**' must be a whole path part in {pattern!r}")
            if after < n:  # "**/" : zero or more folders
                out.append("(?:[^/]+/)*")
                i = after + 1
            else:  # trailing "**": anything below
                out.append(".*")
                i = after
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pat.find("]", i + 2 if i + 1 < n and pat[i + 1] in "!^" else i + 1)
            if j < 0:
                raise GlobError(f"unclosed '[' in glob {pattern!r}")
            body = pat[i + 1 : j]
            if body.startswith(("!", "^")):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out) + r"\Z")
    except re.error as exc:
        raise GlobError(f"invalid glob {pattern!r}: {exc}") from None


def match(pattern: str, path: str) -> bool:
    """True when POSIX ``path`` matches ``pattern`` (see module doc)."""
    return compile_glob(pattern).match(path) is not None


def match_any(patterns: Iterable[str], path: str) -> bool:
    return any(match(p, path) for p in patterns)
