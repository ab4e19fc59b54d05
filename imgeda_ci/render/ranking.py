"""What the renderers show first, and where a finding's file is in the repository.

:func:`ranked` orders a run's findings the same way for the PR comment, the job summary and the
annotations: unwaived only; findings the change introduced before existing ones; then by
severity (error, warning, info); then findings of limits that failed before those that only
warned; then the worst score first; then by path, so the order is deterministic.

:func:`ranked_causes` is the same order with the findings of one cause (the same images named
by several checks, e.g. a leaked near-copy: see :mod:`imgeda_ci.render.causes`) shown once.

Paths: every output people read (annotations, SARIF, the comment, the summary and the report)
shows an image by its path relative to the repository root (:func:`repo_path` of the manifest
path, which is relative to the scanned folder), and so do the messages that name other images
(:func:`shown_message`). The JSON result, the manifest and the command-line tables keep manifest
paths: they are read next to the scanned folder.

:func:`annotated` picks the causes that become GitHub annotations, at most ``per_severity`` of
each severity (GitHub shows only 10 error and 10 warning annotations per step, so more would be
dropped silently); :func:`annotation_counts` says how many were left out, and the job summary
reports it.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping, Sequence

from imgeda_ci.evaluate import FindingResult
from imgeda_ci.render.causes import Cause, by_cause
from imgeda_ci.run_result import RunResult

ANNOTATIONS_PER_SEVERITY = 10
SEVERITY_RANK: Mapping[str, int] = {"error": 0, "warning": 1, "info": 2}
# A path stands on its own: after the start, a space, a bracket or a quote; before the end, a
# space, a closing bracket or quote, a comma, semicolon or colon, or a full stop ending a sentence.
_BEFORE = r"(?<![^\s(\['\"`])"
_AFTER = r"(?=$|[\s)\]'\"`,;:]|\.(?:\s|$))"
_STATUS_RANK: Mapping[str, int] = {"fail": 0, "warn": 1, "info": 2, "skipped": 3, "pass": 4}


def introduced_ids(result: RunResult) -> set[int]:
    """``id()`` of the findings the change introduced (every finding without a base).

    ``result.introduced`` holds the very objects of ``result.evaluation.findings``, so identity
    is exact and cheap (a fingerprint is a SHA-256 per finding)."""
    if not result.has_base:
        return {id(f) for f in result.evaluation.findings}
    return {id(f) for f in result.introduced}


def pool(result: RunResult) -> list[FindingResult]:
    """The unwaived findings worth showing: under ``mode: new-only`` with a base only those the
    change introduced (the others are not judged), else all of them."""
    if result.has_base and result.mode == "new-only":
        return [f for f in result.introduced if f.waived is None]
    return [f for f in result.evaluation.findings if f.waived is None]


def ranked(result: RunResult) -> list[FindingResult]:
    """:func:`pool`, most important first (see the module doc)."""
    new = introduced_ids(result)
    status: dict[str, int] = {}
    for lim in result.verdict.limits:
        for c in lim.checks:
            rank = _STATUS_RANK[lim.status]
            status[c] = min(rank, status.get(c, rank))

    def key(f: FindingResult) -> tuple[int, int, int, float, str, str]:
        return (
            0 if id(f) in new else 1,
            SEVERITY_RANK.get(f.severity, 3),
            status.get(f.check, 4),
            f.score if f.score is not None else 0.0,
            f.path,
            f.check,
        )

    return sorted(pool(result), key=key)


def ranked_causes(result: RunResult) -> list[Cause]:
    """:func:`ranked`, each cause once (led by its first finding in that order)."""
    return by_cause(ranked(result))


def scan_root(result: RunResult, root: str | None = None) -> str:
    """The scanned folder relative to the repository (``""`` for the repository itself).

    ``root`` wins; else the manifest header's root. An absolute root is made relative to
    ``GITHUB_WORKSPACE`` (or the current directory) when it lies inside it; outside it there is
    no repository to be relative to, and paths stay relative to the scanned folder (``""``).
    """
    r = root if root is not None else str((result.header or {}).get("root") or "")
    if not r or r == ".":
        return ""
    if os.path.isabs(r):
        base = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
        rel = os.path.relpath(r, base)
        if rel == "." or rel.startswith(".."):
            return ""
        r = rel
    return posixpath.normpath(r.replace(os.sep, "/")).lstrip("/") if r else ""


def repo_path(path: str, root: str) -> str:
    """``path`` (relative to the scanned folder) relative to the repository root."""
    if not root or "://" in path:
        return path
    return posixpath.join(root, path)


def shown_message(f: FindingResult, root: str) -> str:
    """``f.message`` with the other images it names (``paths[1:]``) written as repository paths.

    A path is replaced where it stands on its own (between spaces, brackets, quotes or the
    punctuation that follows a path in a sentence), never inside a longer path."""
    msg = f.message
    if not root:
        return msg
    for p in dict.fromkeys(f.paths[1:]):
        full = repo_path(p, root)
        pattern = _BEFORE + re.escape(p) + _AFTER
        msg = re.sub(pattern, full.replace("\\", "\\\\"), msg)
    return msg


def annotated(result: RunResult, per_severity: int) -> dict[str, list[Cause]]:
    """Severity -> the causes annotated for it: :func:`ranked_causes`, ``per_severity`` at most
    (a cause counts under its lead's severity)."""
    picked: dict[str, list[Cause]] = {s: [] for s in SEVERITY_RANK}
    for c in ranked_causes(result):
        bucket = picked.setdefault(c.lead.severity, [])
        if len(bucket) < per_severity:
            bucket.append(c)
    return picked


def annotation_counts(
    causes: Sequence[Cause], *, per_severity: int = ANNOTATIONS_PER_SEVERITY
) -> dict[str, tuple[int, int]]:
    """Severity -> (annotations shown, causes that could be annotated), of a run's
    :func:`ranked_causes` (computed once by the caller, which shows them too)."""
    totals = {s: 0 for s in SEVERITY_RANK}
    for c in causes:
        totals[c.lead.severity] = totals.get(c.lead.severity, 0) + 1
    return {s: (min(per_severity, n), n) for s, n in totals.items()}
