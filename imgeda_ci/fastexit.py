"""Ending the process without tearing down what a run built.

A run can end holding gigabytes of small objects (two manifests' records). Freeing them one by
one, when the function holding them returns and again at interpreter exit, is pure waiting: the
operating system takes the whole address space back at once. The console script
(:func:`imgeda_ci.cli.run`) calls :func:`arm` before the command runs and :func:`exit` after it;
in between, :func:`keep` holds large results alive until the process ends. Called any other way
(tests, a library user calling :func:`imgeda_ci.cli.main`), :func:`keep` does nothing, so
nothing is held longer than its caller holds it.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import Any, NoReturn

_armed = False
_kept: list[Any] = []


def arm() -> None:
    """This process ends through :func:`exit`: :func:`keep` may hold objects until then."""
    global _armed
    _armed = True


def keep(obj: Any) -> None:
    """Never free ``obj`` before the process ends, when :func:`arm` was called."""
    if _armed:
        _kept.append(obj)


def exit(code: int) -> NoReturn:
    """Run the exit handlers, flush the standard streams and end the process with ``code``,
    without the interpreter's teardown. Every file must be closed and every child joined."""
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:  # an interpreter without it: the ordinary, slower exit
        sys.exit(code)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
