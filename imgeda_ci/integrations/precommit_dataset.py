"""The dataset pre-commit hook: refresh the committed manifest and gate it.

:func:`run_dataset` refreshes the manifest with a scan (unchanged images are reused, so this is
quick; the header carries no time stamp, so an unchanged dataset gives the same bytes and
pre-commit sees no modification) and judges it with the policy, as ``gate`` does. Like the
per-file hook (:mod:`imgeda_ci.integrations.precommit`), it keeps the images committed in git
(``HEAD``) and names the added copy: committed images come first in the duplicate checks' keeper
order. A manifest git does not track yet (the first commit) fails the hook with a line asking to
``git add`` it, as pre-commit does for a refreshed one: later commits are compared with it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from imgeda_ci.model import ImageRecord, ManifestHeader

if TYPE_CHECKING:
    from imgeda_ci.policy import Policy
    from imgeda_ci.verdict import Verdict


def _git(cwd: str | Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    """``git args`` in ``cwd``; None when git cannot run."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None


def untracked(path: Path) -> bool:
    """Whether ``path`` lies in a git work tree but is not tracked (nor staged) there."""
    inside = _git(path.parent, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.returncode != 0:
        return False
    tracked = _git(path.parent, "ls-files", "--error-unmatch", "--", path.name)
    return tracked is not None and tracked.returncode != 0


def run_dataset(
    dataset: str | Path,
    manifest_path: str | Path,
    *,
    policy_path: str | Path | None = None,
    strict: bool = False,
) -> tuple[int, list[str]]:
    """Refresh the manifest of ``dataset`` and gate it: (exit code, lines to print)."""
    from imgeda_ci import manifest
    from imgeda_ci.dupes import verdictfile
    from imgeda_ci.policy import load_policy
    from imgeda_ci.policy.discovery import discover_policy
    from imgeda_ci.render.gate_table import gate_lines
    from imgeda_ci.scan.api import scan_folder

    # without -p, the policy at the repository root (pre-commit runs the hooks there)
    policy = load_policy(policy_path or discover_policy(Path.cwd()))
    out = Path(manifest_path)
    before = out.read_bytes() if out.exists() else None
    kept = verdictfile.path_beside(out)
    kept_before = kept.read_bytes() if kept.exists() else None
    scan_folder(Path(dataset), out, timestamp=None, progress=False)
    changed = before != out.read_bytes()
    header, records = manifest.load(out)
    verdict = _judge_committed_first(
        records, policy, header, committed_paths(dataset), strict, kept
    )
    lines = gate_lines(verdict, show_passing=False)
    if untracked(out):
        lines.append(
            f"imgeda-ci: {out} is new: 'git add {out}' and commit again (later commits are "
            "compared with it)"
        )
        return max(verdict.exit_code, 1), lines
    if changed:
        lines.append(
            f"imgeda-ci: {out} was refreshed; review it and 'git add {out}' with your commit"
        )
    return verdict.exit_code, lines + _verdict_lines(kept, kept_before, changed)


def _verdict_lines(kept: Path, before: bytes | None, manifest_changed: bool) -> list[str]:
    """What to say of the verdict file beside the manifest: ask for it to be added with a
    refreshed manifest while git does not track it; say when a tracked one was rewritten (new
    pairs, or another version of the verifier), which pre-commit reports as a modified file."""
    if not kept.exists():
        return []
    if untracked(kept):
        if not manifest_changed:
            return []
        return [
            f"imgeda-ci: {kept} keeps the near-copy verdicts: 'git add {kept}' too, so that "
            "later commits and CI verify only the pairs a change makes"
        ]
    if kept.read_bytes() == before:
        return []
    return [f"imgeda-ci: {kept} was refreshed (near-copy verdicts); 'git add {kept}' with it"]


def committed_paths(dataset: str | Path) -> set[str]:
    """Paths (relative to ``dataset``) of the files committed in git's ``HEAD``; none outside a
    repository or before the first commit."""
    proc = _git(dataset, "ls-tree", "-r", "-z", "--name-only", "HEAD")
    if proc is None or proc.returncode != 0:
        return set()
    return set(filter(None, proc.stdout.decode("utf-8", "surrogateescape").split("\0")))


def _judge_committed_first(
    records: list[ImageRecord],
    policy: Policy,
    header: ManifestHeader | None,
    committed: set[str],
    strict: bool,
    verdicts: Path,
) -> Verdict:
    """Evaluate and judge ``records`` as ``gate`` does, with the committed images first in the
    quality order, so a duplicate group's keeper is a committed image when it has one; the
    near-copy verdicts start from the file ``verdicts`` and are kept there
    (:mod:`imgeda_ci.dupes.verdictfile`: a commit verifies only the pairs it made)."""
    from dataclasses import replace

    import numpy as np

    from imgeda_ci.dupes import verdictfile
    from imgeda_ci.dupes.content import content_of, with_content
    from imgeda_ci.dupes.search import DupeSearch
    from imgeda_ci.evaluate import evaluate
    from imgeda_ci.verdict import judge

    search = DupeSearch()
    key, seed = verdictfile.load(verdicts, search.verdict_memo())
    cols = search.columns(records)
    content = content_of(cols)
    new = np.array([r.get("path") not in committed for r in records], dtype=bool)
    order = np.lexsort((content.rank, new))  # committed first, then the quality order
    rank = np.empty_like(content.rank)
    rank[order] = np.arange(len(order))
    with_content(cols, replace(content, rank=rank))
    ev = evaluate(records, policy, header=header, cols=cols, search=search)
    verdictfile.keep(verdicts, search.verdict_memo(), key, had=seed is not None)
    return judge(ev, strict=strict)
