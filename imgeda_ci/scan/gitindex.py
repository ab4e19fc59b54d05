"""Blob ids from git, so unchanged files in a work tree are reused without being read.

``git ls-files -s`` lists the blob id of every tracked file as it is in the index, and
``git diff-files`` lists tracked files whose work-tree content may differ from the index (git
decides by stat data, so a file it is unsure of is listed: we then read it, which is merely
slower, never wrong). A tracked, unlisted, regular file's content is therefore the blob whose id
the index holds, and a record with that ``git_oid`` describes it exactly.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

_TIMEOUT = 120


def _start(root: Path, *args: str) -> subprocess.Popen[bytes] | None:
    try:
        return subprocess.Popen(
            ["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
    except OSError:
        return None


def _output(proc: subprocess.Popen[bytes] | None) -> bytes | None:
    if proc is None:
        return None
    try:
        out, _ = proc.communicate(timeout=_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None
    return out if proc.returncode == 0 else None


#: one ``ls-files -s -z`` entry of a regular file at stage 0 with a SHA-1 blob id (SHA-256
#: repositories have 64-hex ids; our records carry SHA-1 ids only): (oid, path)
_ENTRY = re.compile(r"(?:^|\0)100(?:644|755) ([0-9a-f]{40}) 0\t([^\0]*)")


def clean_blob_ids(root: Path) -> dict[str, str]:
    """Map path (relative to ``root``, POSIX) -> blob id for tracked files whose work-tree copy
    equals the index. Empty when ``root`` is not in a git work tree or git is missing."""
    # both at once: git stats every file for the second while the first reads the index
    listing_proc = _start(root, "ls-files", "-s", "-z", "--", ".")
    dirty_proc = _start(root, "diff-files", "--name-only", "-z", "--relative", "--", ".")
    listing, dirty_out = _output(listing_proc), _output(dirty_proc)
    if listing is None or dirty_out is None:
        return {}
    text = listing.decode("utf-8", "surrogateescape")  # once, not per path
    out = {path: oid for oid, path in _ENTRY.findall(text)}
    for path in dirty_out.decode("utf-8", "surrogateescape").split("\0"):
        out.pop(path, None)
    return out
