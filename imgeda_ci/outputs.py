"""Where a command's outputs go: a file, written atomically, or ``-`` for standard output.

Every option that names an output file (``ci --json-out`` and the other ``--*-out`` options,
``gate --json``, ``diff --out``, ``export -o``) takes ``-`` for standard output. When an output
goes there, the command's own lines for people go to standard error instead, so what is piped
is the output alone; at most one output of a command can take standard output.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

from imgeda_ci import manifest
from imgeda_ci.errors import UserError

STDOUT = "-"


def is_stdout(target: str | Path | None) -> bool:
    return target is not None and str(target) == STDOUT


def write_output(target: str | Path, data: bytes) -> None:
    """``data`` to the file ``target`` (atomically: a reader never sees half of it), or to
    standard output when ``target`` is ``-``."""
    if is_stdout(target):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        with manifest.atomic_writer(target) as fh:
            fh.write(data)
    except OSError as exc:
        raise UserError(f"{target}: cannot write: {exc.strerror or exc}") from None


def one_stdout(options: Mapping[str, str | Path | None], *, prints: Iterable[str] = ()) -> None:
    """Refuse two outputs on standard output (``options``: option name -> target), or one
    beside an option that prints there itself (``prints``)."""
    taken = [name for name, target in options.items() if is_stdout(target)]
    if len(taken) > 1 or (taken and list(prints)):
        names = " and ".join([*taken, *prints])
        raise UserError(f"{names} would all write to standard output: give all but one a file")


def human_stream(*targets: str | Path | None) -> TextIO:
    """Where a command's lines for people go: standard error when an output takes stdout."""
    return sys.stderr if any(is_stdout(t) for t in targets) else sys.stdout
