"""What a failure becomes in a record: the one place exceptions are mapped to error codes.

A decoder or Pillow plugin may raise anything on hostile bytes: ``OSError`` and ``SyntaxError``
as documented, but also ``NotImplementedError`` (Pillow's DDS plugin: "Unimplemented DXGI format
93"), ``KeyError``, ``TypeError``, ``ZeroDivisionError``, ``RecursionError``, ``MemoryError``...
:func:`classify` turns each into a stable code with the library's message on one line:

- ``decompression_bomb``: Pillow's own pixel limit (when a caller set ``MAX_IMAGE_PIXELS``);
- ``truncated``: the data ends early (``EOFError``, "truncated", "premature end");
- ``unsupported_format``: the library says it does not implement this variant
  (``NotImplementedError``, "unknown/unsupported/unimplemented ... format/mode", "... is not
  supported"): a newer decoder may read the file, so such a record is not reused by content;
- ``decode_error``: everything else, i.e. damaged data.

``worker_crashed`` is not an exception: it is a worker process that died (a segfault in a codec,
the out-of-memory killer), and :func:`failure_record` makes that record in the parent.
"""

from __future__ import annotations

import os
import re
import signal
import struct

from PIL import Image

from imgeda_ci.model import Depth, ErrorInfo, ImageRecord

#: Longest message kept in a record.
MAX_MESSAGE = 300
#: Exceptions whose message alone says what happened (the decoders' usual complaints); any other
#: exception's message is prefixed with its type, since "'tEXt'" alone says nothing.
_PLAIN = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    NotImplementedError,
    Image.DecompressionBombError,
)
_UNSUPPORTED = re.compile(
    r"\b(unknown|unsupported|unimplemented)\b.*\b(format|mode)\b|\bnot (supported|implemented)\b",
    re.IGNORECASE,
)
_TRUNCATED = re.compile(r"truncated|premature end", re.IGNORECASE)


def error(code: str, message: str) -> ErrorInfo:
    """An error for a record: its message on one line, at most :data:`MAX_MESSAGE` characters."""
    return {"code": code, "message": " ".join(message.split())[:MAX_MESSAGE]}


def describe(exc: BaseException) -> str:
    """The library's message for ``exc``, with the exception's type where the message needs it."""
    msg = " ".join(str(exc).split())
    if isinstance(exc, _PLAIN):
        return msg or type(exc).__name__
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def classify(exc: BaseException) -> ErrorInfo:
    """The error code and message for an exception raised while reading or decoding an image."""
    if isinstance(exc, Image.DecompressionBombError):
        return error("decompression_bomb", describe(exc))
    if isinstance(exc, MemoryError):
        return error("decode_error", "out of memory while decoding")
    msg = describe(exc)
    if isinstance(exc, EOFError) or _TRUNCATED.search(msg):
        return error("truncated", msg)
    if isinstance(exc, NotImplementedError) or _UNSUPPORTED.search(msg):
        return error("unsupported_format", msg)
    return error("decode_error", msg)


def exit_cause(exitcode: int | None) -> str:
    """Why a worker process ended, in words: its signal or its exit status."""
    if exitcode is None:
        return "it closed its pipe and did not exit"
    if exitcode >= 0:
        return f"exit code {exitcode}"
    if -exitcode == signal.SIGKILL:
        return "killed by SIGKILL (the out-of-memory killer sends it)"
    try:
        return f"killed by {signal.Signals(-exitcode).name} ({signal.strsignal(-exitcode)})"
    except ValueError:
        return f"killed by signal {-exitcode}"


def failure_record(locator: str, code: str, message: str, depth: Depth) -> ImageRecord:
    """The record of a file the analysis could not produce one for (its worker died, or it ran
    past its time limit): the file's size when it can be seen, no content hashes."""
    size = -1
    try:
        size = os.stat(locator).st_size
    except (OSError, ValueError):
        pass
    return {
        "size": size,
        "sha256": None,
        "git_oid": None,
        "depth": depth,
        "error": error(code, message),
    }
