"""The pre-commit hooks: a fast per-file check of staged images, and the dataset gate.

**Per file** (:func:`check_files`): each staged image is analysed on its own and judged by the
checks that need nothing but the image: the file cannot be read or decoded (``unreadable``,
``truncated``, ``empty_file``, ``decompression_bomb``), ``too_small``, and privacy EXIF
(``gps_location``, ``exif_identity``), with the thresholds and severities of the policy when one
is given. With a committed manifest it also finds staged images that copy an image already in
the manifest: the same bytes (SHA-256), the same pixels (``pixel_sha256``: re-saved metadata) or
a near copy (perceptual hash within :func:`near_threshold` bits). Nothing depends on which other
files are in the same batch (pre-commit splits the file names into batches and may run them in
parallel), so the answer for a file is the same for any subset of staged files. Duplicates
*among* the staged files are left to the dataset hook, which sees everything.

A manifest record at the staged file's own path is the same image (an edit, not a copy); a
match whose file no longer exists in the work tree is a rename and is not reported. No manifest
yet (the first commit, before the dataset hook has created it) means nothing committed to compare
with: the staged images are checked on their own and one line says so.

**Dataset**: :mod:`imgeda_ci.integrations.precommit_dataset`.

Start-up time matters for a hook: this module imports only what the per-file check needs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from imgeda_ci.model import ImageRecord, ManifestHeader

if TYPE_CHECKING:
    from imgeda_ci.policy import Policy

#: Hamming distance (bits of the 256-bit pHash) at or below which two images are near copies
#: when the ``near_duplicate`` check is not installed. Measured on real photos (DESIGN.md): a
#: resize moves the hash by <= 4 bits, brightness x1.12 by <= 16, a 1.5% crop by a median of 20;
#: distinct photos were >= 100 apart.
NEAR_DUPLICATE_BITS = 24
EXACT_CHECK = "duplicate_exact"
NEAR_CHECK = "near_duplicate"
_FAIL_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class HookFinding:
    file: str  # as given on the command line (relative to the repository)
    check: str
    severity: str
    message: str


@dataclass
class HookResult:
    files: int
    findings: list[HookFinding] = field(default_factory=list)
    fail_on: str = "warning"
    notes: list[str] = field(default_factory=list)

    @property
    def failing(self) -> list[HookFinding]:
        limit = _FAIL_RANK[self.fail_on]
        return [f for f in self.findings if _FAIL_RANK.get(f.severity, 3) <= limit]

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0

    def lines(self) -> list[str]:
        if not self.findings:
            return list(self.notes)
        bad = {f.file for f in self.failing}
        head = (
            f"imgeda-ci: {len(bad)} of {self.files} staged images "
            f"{'has' if len(bad) == 1 else 'have'} problems:"
            if bad
            else "imgeda-ci: notes on staged images (not blocking):"
        )
        out = [*self.notes, head]
        for f in self.findings:
            out.append(f"  {f.file}: {f.check} ({f.severity}): {f.message}")
        if bad:
            out.append(
                "Fix or remove these images, or change the policy (checks.<id>.severity: off, or "
                "a waiver) if they are intended."
            )
        return out


def near_threshold() -> int:
    """The near-copy threshold: the ``near_duplicate`` check's default when it is installed."""
    from imgeda_ci.checks.registry import all_checks

    check = all_checks().get(NEAR_CHECK)
    t = check.default_threshold if check is not None else None
    return int(t) if isinstance(t, int | float) and 0 <= t < 256 else NEAR_DUPLICATE_BITS


def _rel_to(path: str, root: str | None) -> str:
    """``path`` relative to the manifest's root when it lies inside it (POSIX separators)."""
    p = path.replace(os.sep, "/")
    if not root:
        return p
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return p if rel.startswith("..") else rel.replace(os.sep, "/")


@dataclass
class _Index:
    """The committed manifest, reduced to what the duplicate search needs."""

    root: str | None
    by_sha: dict[str, str] = field(default_factory=dict)
    by_pixels: dict[str, str] = field(default_factory=dict)
    hash_paths: list[str] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)  # the pHash of each of hash_paths


def load_index(path: str | Path) -> _Index:
    from imgeda_ci import manifest

    header, records = manifest.read(path)
    root = _root_of(header, Path(path))
    idx = _Index(root)
    for rec in records:
        p = rec["path"]
        sha = rec.get("sha256")
        if sha:
            idx.by_sha.setdefault(sha, p)
        if rec.get("error"):
            continue
        pix = rec.get("pixel_sha256")
        if pix:
            idx.by_pixels.setdefault(pix, p)
        ph = rec.get("phash")
        if isinstance(ph, str) and len(ph) == 64:
            idx.hashes.append(ph)
            idx.hash_paths.append(p)
    return idx


def _root_of(header: ManifestHeader | None, manifest_path: Path) -> str | None:
    root = (header or {}).get("root")
    if not isinstance(root, str) or not root or "://" in root:
        return None
    return root


def _shown(idx: _Index, path: str) -> str:
    """A manifest path as the user sees it: relative to the repository (the current folder)."""
    if not idx.root or idx.root == ".":
        return path
    full = os.path.join(idx.root, path)
    if os.path.isabs(full):
        rel = os.path.relpath(full)
        return full if rel.startswith("..") else rel.replace(os.sep, "/")
    return full.replace(os.sep, "/")


def _exists(idx: _Index, path: str) -> bool:
    if idx.root is None:
        return True
    return os.path.exists(os.path.join(idx.root, path))


#: manifest hash rows near a staged image, as (distance, row), closest first
Near = list[tuple[int, int]]


def near_rows(staged: Sequence[object], idx: _Index, bits: int) -> list[Near]:
    """For each staged pHash, the manifest's hash rows within ``bits`` bits, closest first (ties
    in manifest order): the exact search every duplicate check uses
    (:func:`imgeda_ci.dupes.near_pairs`), between the staged images and the manifest's."""
    import numpy as np

    from imgeda_ci.dupes.content import hashes_of
    from imgeda_ci.dupes.hashindex import near_pairs

    n = len(idx.hashes)
    rows, valid = hashes_of([*idx.hashes, *staged])
    side = np.arange(len(rows)) >= n  # True: a staged image
    keep = np.flatnonzero(valid)
    found = near_pairs(rows[keep], bits, side=side[keep])
    unique_of = np.full(len(rows), -1, dtype=np.int64)
    unique_of[keep] = found.inverse
    manifest_unique = unique_of[:n]
    out: list[Near] = []
    for u in unique_of[n:].tolist():
        if u < 0 or not n:
            out.append([])
            continue
        dist = np.full(len(found.unique) + 1, -1, dtype=np.int64)  # the last: invalid rows
        dist[u] = 0
        dist[found.j[found.i == u]] = found.dist[found.i == u]
        dist[found.i[found.j == u]] = found.dist[found.j == u]
        d = dist[manifest_unique]
        hits = np.flatnonzero(d >= 0)
        hits = hits[np.argsort(d[hits], kind="stable")]
        out.append(list(zip(d[hits].tolist(), hits.tolist(), strict=True)))
    return out


def duplicates(
    rec: ImageRecord, rel: str, idx: _Index, near: Near, bits: int
) -> tuple[str, str] | None:
    """(check id, message) when ``rec`` copies an image of the manifest, else None. ``near``:
    its :func:`near_rows`."""
    sha = rec.get("sha256")
    other = idx.by_sha.get(sha) if sha else None
    if other is not None and other != rel and _exists(idx, other):
        return EXACT_CHECK, f"the same file as {_shown(idx, other)} (already in the manifest)"
    pix = rec.get("pixel_sha256")
    other = idx.by_pixels.get(pix) if pix else None
    if other is not None and other != rel and _exists(idx, other):
        return EXACT_CHECK, f"the same pixels as {_shown(idx, other)} (already in the manifest)"
    for d, row in near:
        other = idx.hash_paths[row]
        if other != rel and _exists(idx, other):
            return NEAR_CHECK, (
                f"a near copy of {_shown(idx, other)} (perceptual hash {d} of 256 bits apart, "
                f"at most {bits}; already in the manifest)"
            )
    return None


def check_files(
    files: Sequence[str],
    *,
    manifest_path: str | Path | None = None,
    policy_path: str | Path | None = None,
    fail_on: str = "warning",
) -> HookResult:
    """Judge each staged file on its own (see the module doc)."""
    from imgeda_ci.checks.registry import staged_checks
    from imgeda_ci.evaluate import evaluate
    from imgeda_ci.policy import load_policy
    from imgeda_ci.policy.discovery import discover_policy
    from imgeda_ci.scan.analyze import analyze_path, finalize
    from imgeda_ci.scan.settings import Settings

    # without -p, the policy at the repository root (pre-commit runs the hooks there)
    policy = load_policy(policy_path or discover_policy(Path.cwd()))
    notes: list[str] = []
    if manifest_path and not os.path.exists(manifest_path):
        notes.append(
            f"imgeda-ci: {manifest_path} does not exist yet: nothing committed to compare with, "
            "so the staged images were checked on their own (the imgeda-ci-dataset hook creates it)"
        )
        manifest_path = None
    idx = load_index(manifest_path) if manifest_path else None
    root = idx.root if idx else None
    settings = Settings(depth="standard")
    records: list[ImageRecord] = []
    rels: list[str] = []
    for f in files:
        rel = _rel_to(f, root)
        rec = finalize(analyze_path(f, settings, use_alarm=False), rel)
        records.append(rec)
        rels.append(rel)
    result = HookResult(len(files), fail_on=fail_on, notes=notes)
    ev = evaluate(records, policy, only=staged_checks())  # declared with each check
    by_rel = dict(zip(rels, files, strict=True))
    for fr in ev.findings:
        if fr.waived is None:
            name = by_rel.get(fr.path, fr.path)
            result.findings.append(HookFinding(name, fr.check, fr.severity, fr.message))
    if idx is not None:
        _add_duplicates(result, records, files, rels, idx, policy)
    result.findings.sort(key=lambda h: (h.file, _FAIL_RANK.get(h.severity, 3), h.check))
    return result


def _add_duplicates(
    result: HookResult,
    records: Sequence[ImageRecord],
    files: Sequence[str],
    rels: Sequence[str],
    idx: _Index,
    policy: Policy,
) -> None:
    from imgeda_ci.checks.registry import all_checks

    checks = all_checks()
    bits = near_threshold()
    near = near_rows([None if r.get("error") else r.get("phash") for r in records], idx, bits)
    for rec, name, rel, close in zip(records, files, rels, near, strict=True):
        if rec.get("error"):
            continue
        found = duplicates(rec, rel, idx, close, bits)
        if found is None:
            continue
        check_id, message = found
        severity = "warning"
        if check_id in checks:
            st = policy.resolve(checks[check_id])
            if st.severity == "off":
                continue
            severity = st.severity
        waived = any(w.matches(check_id, rel) for w in policy.waivers)
        if not waived:
            result.findings.append(HookFinding(name, check_id, severity, message))
