"""Escaping for text that comes from the dataset (paths, EXIF strings, messages).

Two targets, one function each:

- :func:`md_text`: GitHub-flavoured Markdown, inline (table cells, list items, headings). A file
  name must not be able to make a link, an image, HTML, a heading, a table column, a mention
  (``@team``), an issue reference (``#1``), an autolinked URL or e-mail, an emoji, or an HTML
  comment (which would hide the rest of a PR comment or fake the poster's marker). Every ASCII
  punctuation character Markdown uses is backslash-escaped, ``& < > " '`` become entities, and a
  zero-width space is put after ``@``, ``#`` and ``:`` and inside ``www.`` so that GitHub's
  autolinkers (which run on the rendered text, after the escapes are gone) find nothing. Line
  breaks, other control characters and bidirectional overrides are replaced by visible symbols.
- :func:`workflow_data` / :func:`workflow_property`: GitHub Actions workflow commands
  (``::error file=P,title=T::message``). ``%``, CR and LF are percent-encoded in both; ``:`` and
  ``,`` too in property values. Without this a file name with a newline could issue its own
  workflow commands.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_BACKSLASHED = set("\\`*_{}[]()#+-.!|~=^$")
_CONTROL_SYMBOLS = {"\n": "\u240a", "\r": "\u240d", "\t": "\u2409"}
# bidi embeddings/overrides/isolates and other invisible format characters that reorder text
_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
_WWW = re.compile(r"(www)(?=\\?\.)", re.IGNORECASE)


def _char(c: str) -> str:
    if c in _ENTITIES:
        return _ENTITIES[c]
    if c in _BACKSLASHED:
        out = "\\" + c
        return out + ZWSP if c == "#" else out
    if c in ("@", ":"):
        return c + ZWSP
    if c in _CONTROL_SYMBOLS:
        return _CONTROL_SYMBOLS[c]
    o = ord(c)
    if o < 0x20 or 0x7F <= o < 0xA0 or c in _BIDI or c == ZWSP:
        return "\ufffd" if c != ZWSP else c
    return c


def shorten(text: str, max_len: int) -> str:
    """Cut ``text`` to at most ``max_len`` characters, keeping its start and its end (where a
    path's file name is) around an ellipsis."""
    if max_len <= 0 or len(text) <= max_len:
        return text
    if max_len < 5:
        return text[:max_len]
    head = (max_len - 1) // 2
    tail = max_len - 1 - head
    return text[:head] + "\u2026" + text[len(text) - tail :]


def md_text(text: object, max_len: int = 0) -> str:
    """Markdown-safe inline text (see the module doc); ``max_len`` > 0 shortens it first."""
    s = shorten(str(text), max_len) if max_len else str(text)
    out = "".join(_char(c) for c in s)
    return _WWW.sub(lambda m: m.group(1) + ZWSP, out)


def md_code(text: object, max_len: int = 0) -> str:
    """Text for inside a Markdown code span (`` `...` ``): nothing in a code span is a link,
    mention or HTML, but a backtick would end it and ``|`` would end a table cell, and line
    breaks and control characters are replaced as in :func:`md_text`."""
    s = shorten(str(text), max_len) if max_len else str(text)
    out = []
    for c in s:
        if c == "`":
            out.append("'")
        elif c == "|":
            out.append("\\|")
        elif c in _CONTROL_SYMBOLS:
            out.append(_CONTROL_SYMBOLS[c])
        elif ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in _BIDI:
            out.append("\ufffd")
        else:
            out.append(c)
    return "".join(out)


def workflow_data(text: object) -> str:
    """The message part of a workflow command."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: object) -> str:
    """A property value (``file=``, ``title=``) of a workflow command."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")
