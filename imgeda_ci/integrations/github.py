"""GitHub Actions: annotations (workflow commands) and the files a step reports through.

:func:`annotations` turns the most important causes (picked by
:func:`imgeda_ci.render.ranking.annotated`; the findings of several checks about the same
images are one cause, see :mod:`imgeda_ci.render.causes`) into ``::error`` / ``::warning`` /
``::notice`` lines, one per cause, at most ``per_severity`` of each: GitHub shows only 10 error
and 10 warning annotations per step, so more would be dropped silently;
:func:`imgeda_ci.render.ranking.annotation_counts` says how many were left out, and the job
summary reports it.

:func:`append_file` adds text to ``$GITHUB_STEP_SUMMARY`` / ``$GITHUB_OUTPUT``-style files, and
:func:`notice` prints a workflow ``::notice`` / ``::warning`` line with its text escaped.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from imgeda_ci.render.causes import Cause
from imgeda_ci.render.escape import workflow_data, workflow_property
from imgeda_ci.render.ranking import (
    ANNOTATIONS_PER_SEVERITY,
    SEVERITY_RANK,
    annotated,
    repo_path,
    scan_root,
    shown_message,
)
from imgeda_ci.run_result import RunResult

COMMAND: Mapping[str, str] = {"error": "error", "warning": "warning", "info": "notice"}


def annotation(cause: Cause, root: str = "", *, introduced: bool = False) -> str:
    """One workflow command line for a cause: its lead finding, naming the other checks."""
    f = cause.lead
    cmd = COMMAND.get(f.severity, "notice")
    props = [f"title={workflow_property('imgeda-ci: ' + f.check)}"]
    if f.paths:
        props.insert(0, f"file={workflow_property(repo_path(f.path, root))}")
    where = f"{repo_path(f.path, root)}: " if f.paths else ""
    also = cause.also_checks
    tail = f" (also {', '.join(also)})" if also else ""
    tail += " (introduced by this change)" if introduced else ""
    return f"::{cmd} {','.join(props)}::{workflow_data(where + shown_message(f, root) + tail)}"


# The name is the interface ``imgeda-ci ci`` calls; it shadows the ``__future__`` feature
# object of the same name, which only matters at compile time.
def annotations(  # type: ignore[no-redef]
    result: RunResult, *, per_severity: int = ANNOTATIONS_PER_SEVERITY, root: str | None = None
) -> list[str]:
    """Workflow command lines for the most important findings, ``per_severity`` at most each.

    ``root`` is the scanned folder relative to the repository (default: the manifest header's
    root), so that ``file=`` points at the image in the repository.
    """
    base = scan_root(result, root)
    new = {id(f) for f in result.introduced} if result.has_base else set()
    out = []
    picked = annotated(result, per_severity)
    for sev in SEVERITY_RANK:
        for c in picked.get(sev, []):
            out.append(annotation(c, base, introduced=id(c.lead) in new))
    return out


def append_file(path: str | Path | None, text: str) -> bool:
    """Append ``text`` to ``path`` (e.g. ``$GITHUB_STEP_SUMMARY``); False when it cannot."""
    if not path:
        return False
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text if text.endswith("\n") else text + "\n")
    except OSError:
        return False
    return True


def notice(message: str, *, level: str = "notice", stream: TextIO | None = None) -> None:
    """Print a workflow ``::notice::`` (or ``::warning::``) line, escaped."""
    print(f"::{level}::{workflow_data(message)}", file=stream or sys.stdout)


def summary_path() -> str | None:
    return os.environ.get("GITHUB_STEP_SUMMARY") or None
