"""Blob ids from git, so unchanged files in a work tree are reused without being read.

``git ls-files -s`` lists the blob id of every tracked file as it is in the index, and
``git diff-files`` lists tracked files whose work-tree content may differ from the index (git
decides by stat data, so a file it is unsure of is listed: we then read it, which is merely
slower, never wrong). A tracked, unlisted, regular file's content is therefore the blob whose id
the index holds, and a record with that ``git_oid`` describes it exactly.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

_TIMEOUT = 120


def _git(root: Path, *args: str) -> bytes | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def clean_blob_ids(root: Path) -> dict[str, str]:
    """Map path (relative to ``root``, POSIX) -> blob id for tracked files whose work-tree copy
    equals the index. Empty when ``root`` is not in a git work tree or git is missing."""
    listing = _git(root, "ls-files", "-s", "-z", "--", ".")
    if listing is None:
        return {}
    # SHA-256 repositories have 64-hex blob ids; our records carry SHA-1 ids only.
    dirty_out = _git(root, "diff-files", "--name-only", "-z", "--relative", "--", ".")
    if dirty_out is None:
        return {}
    dirty = set(dirty_out.decode("utf-8", "surrogateescape").split("\0"))
    out: dict[str, str] = {}
    for entry in listing.decode("utf-8", "surrogateescape").split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) != 3:
            continue
        mode, oid, stage = parts
        if stage != "0" or mode not in ("100644", "100755") or len(oid) != 40:
            continue
        if path not in dirty:
            out[path] = oid
    return out
