"""Path globs with gitignore semantics, used by discovery, policy overrides, waivers and splits.

A list of patterns is read like a ``.gitignore`` file (through ``pathspec``'s gitignore
matcher), against POSIX paths relative to the dataset root:
  ``*`` any run of characters except ``/``; ``?`` one character except ``/``; ``[abc]`` /
  ``[!abc]`` a character class (``[]]`` holds ``]``); ``**`` any number of whole folders;
  ``\\`` escapes the next character (``\\!x.jpg``, ``\\#x.jpg``, ``a\\*.jpg``).
  A pattern without a ``/`` (other than a trailing one) matches a name at any depth; one with
  a ``/`` is anchored at the root. A pattern that matches a folder matches everything below it
  (``cache``, ``cache/``: every file under any ``cache`` folder); a trailing ``/`` matches
  folders only. ``!pattern`` takes back what earlier patterns matched, the last match wins, and
  (as in git) a file below a matched folder cannot be taken back: ``cache/*`` with
  ``!cache/keep.jpg`` keeps it, ``cache/`` with ``!cache/keep.jpg`` does not.
Beyond gitignore: a leading ``./`` is dropped, and patterns that git would silently read as
something else are errors: a leading ``#`` (a comment), ``**`` inside a path part (``a**``),
an unclosed ``[`` (never matches in git), an invalid range (``[z-a]``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from pathspec import GitIgnoreSpec


class GlobError(ValueError):
    """An invalid glob pattern."""


def _fail(pattern: str, why: str) -> GlobError:
    return GlobError(f"invalid glob {pattern!r}: {why}")


def _class_end(pattern: str, body: str, start: int) -> int:
    """Where the character class opened at ``body[start]`` closes; GlobError when it does
    not."""
    n = len(body)
    j = start + 1
    j += 1 if j < n and body[j] in "!^" else 0
    j += 1 if j < n and body[j] == "]" else 0  # "[]]": a class holding "]"
    while j < n and body[j] != "]":
        j += 2 if body[j] == "\\" else 1
    if j >= n:
        raise _fail(pattern, "unclosed '['; close the class or write '\\[' for a '['")
    return j


def _check_brackets(pattern: str, body: str) -> None:
    """Refuse an unclosed ``[`` and ``**`` inside a path part (escapes respected)."""
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "\\":
            if i + 1 >= n:
                raise _fail(pattern, "a trailing '\\' escapes nothing; remove it")
            i += 2
            continue
        if c == "[":
            i = _class_end(pattern, body, i) + 1
            continue
        if body.startswith("**", i):
            whole = (i == 0 or body[i - 1] == "/") and (i + 2 >= n or body[i + 2] == "/")
            if not whole:
                raise _fail(
                    pattern, "'**' must be a whole path part ('a/**/b'); use '*' inside a name"
                )
            i += 2
            continue
        i += 1


def _normalised(pattern: str) -> str:
    """``pattern`` without leading blanks or a leading ``./`` (after any ``!``); GlobError when
    git would read it as something else than the user meant."""
    pat = pattern.lstrip()
    if not pat.strip():
        raise GlobError("empty glob pattern; give a path pattern such as 'cache/' or '*.png'")
    if pat.startswith("#"):
        raise _fail(pattern, "a leading '#' makes it a comment; write '\\#' for a '#'")
    neg = "!" if pat.startswith("!") else ""
    body = pat[len(neg) :]
    while body.startswith("./"):
        body = body[2:]
    if not body.strip():
        raise _fail(pattern, "nothing to match; give a path after '!' or './'")
    _check_brackets(pattern, body)
    return neg + body


class Globs:
    """A list of patterns read as a ``.gitignore`` file (see the module doc).

    pathspec compiles each pattern; the matching follows git: the folders above a file are
    tried first, top down, and a matched one matches the file; else the file's own last match
    decides. A pattern's regex marks a match that stops at a folder boundary with the group
    ``ps_d``: such a match counts only when that folder is the path itself."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        lines = [_normalised(p) for p in self.patterns]
        try:
            spec = GitIgnoreSpec.from_lines(lines)
        except (ValueError, re.error) as exc:  # pathspec's own pattern errors, bad ranges
            bad = next((p for p in self.patterns if _invalid(p)), ", ".join(self.patterns))
            why = exc.msg if isinstance(exc, re.error) else str(exc).splitlines()[0]
            raise _fail(bad, why) from None
        self._rules: list[tuple[bool, re.Pattern[str]]] = [
            (bool(p.include), p.regex)
            for p in spec.patterns
            if p.include is not None and p.regex is not None  # None: a blank or comment
        ]
        self._dirs: dict[str, bool] = {}

    def _decides(self, s: str) -> bool:
        """Whether the last pattern matching ``s`` itself (a file, or a folder as ``"a/b/"``)
        is a positive one (False when none matches)."""
        for include, regex in reversed(self._rules):
            m = regex.match(s)
            if m is not None and _matches_itself(m, s):
                return include
        return False

    def match(self, path: str) -> bool:
        """True when the file at POSIX ``path`` is matched (see the class doc)."""
        end = path.find("/")
        while end > 0:
            folder = path[: end + 1]
            hit = self._dirs.get(folder)
            if hit is None:
                hit = self._dirs[folder] = self._decides(folder)
            if hit:
                return True
            end = path.find("/", end + 1)
        return self._decides(path)


def _matches_itself(m: re.Match[str], s: str) -> bool:
    """Whether the regex match ``m`` matches ``s`` itself, not only a folder above it."""
    if "ps_d" in m.re.groupindex and m.group("ps_d"):
        return m.end("ps_d") == len(s)  # else a folder above matched: decided there
    # a whole-path match, or one that takes everything below ("a/**"), not "a/" itself
    return not (s.endswith("/") and m.end() == len(s))


def _invalid(pattern: str) -> bool:
    try:
        GitIgnoreSpec.from_lines([_normalised(pattern)])
    except (ValueError, re.error):
        return True
    return False


@lru_cache(maxsize=1024)
def compile_globs(patterns: tuple[str, ...]) -> Globs:
    """The matcher of ``patterns`` (see the module doc); GlobError when one is invalid."""
    return Globs(patterns)


def compile_glob(pattern: str) -> Globs:
    """The matcher of one pattern; GlobError when it is invalid."""
    return compile_globs((pattern,))


def match(pattern: str, path: str) -> bool:
    """True when POSIX ``path`` matches ``pattern`` (see module doc)."""
    return compile_glob(pattern).match(path)


def match_any(patterns: Iterable[str], path: str) -> bool:
    """True when ``patterns``, read as a ``.gitignore`` file, match ``path``."""
    return compile_globs(tuple(patterns)).match(path)


class PathFilter:
    """The ``--include`` / ``--exclude`` selection of a scan, which remembers the patterns that
    matched something, to warn about the others (usually a typo or a wrong root)."""

    def __init__(self, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> None:
        self.include = compile_globs(tuple(include)) if include else None
        self.exclude = compile_globs(tuple(exclude)) if exclude else None
        self._unseen = {
            (opt, p): compile_glob(p.lstrip().removeprefix("!") or p)
            for opt, pats in (("--include", include), ("--exclude", exclude))
            for p in pats
        }

    def _seen(self, opt: str, path: str) -> None:
        for key in [k for k, g in self._unseen.items() if k[0] == opt and g.match(path)]:
            del self._unseen[key]

    def selected(self, path: str) -> bool:
        """Whether the image at ``path`` is scanned: included (when --include is given) and not
        excluded. Exclude patterns are tried on the included paths only."""
        if self._unseen:
            self._seen("--include", path)
        if self.include is not None and not self.include.match(path):
            return False
        if self._unseen:
            self._seen("--exclude", path)
        return self.exclude is None or not self.exclude.match(path)

    def warnings(self) -> list[str]:
        """One warning per pattern that matched no image."""
        return [
            f"{opt} {p!r} matched no image file; check the pattern (gitignore syntax, relative "
            "to the scanned folder)"
            for opt, p in self._unseen
        ]
