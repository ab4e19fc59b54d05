"""Scanning a commit's tree from git blobs, reusing every record the head already has."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from imgeda_ci import manifest
from imgeda_ci.errors import UserError
from imgeda_ci.scan.api import scan_folder
from imgeda_ci.scan.gittree import scan_tree
from imgeda_ci.scan.settings import Settings
from tests.builders import photo, save

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_base_tree_equals_a_scan_of_its_checkout(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    data = repo / "data"
    for i in range(6):
        save(data / "train" / f"{i}.jpg", photo(i, (200, 150)))
    (data / "train" / "0.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    base_sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    # the base as a plain folder, for reference
    ref_manifest = tmp_path / "ref.jsonl"
    scan_folder(data, ref_manifest, use_git=False)

    # head: one image removed, one modified, one added
    (data / "train" / "5.jpg").unlink()
    save(data / "train" / "4.jpg", photo(40, (200, 150)))
    save(data / "train" / "new.jpg", photo(50, (200, 150)))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")
    head = tmp_path / "head.jsonl"
    scan_folder(data, head)

    base = tmp_path / "base.jsonl"
    stats = scan_tree(data, base_sha, base, settings=Settings(), caches=[head])
    # 0-3 come from the head's records by blob id; 4 (old) and 5 (deleted) are decoded
    assert (stats.reused_git, stats.analysed) == (4, 2)
    _, got = manifest.load(base)
    _, want = manifest.load(ref_manifest)
    assert got == want


def test_unknown_ref_is_a_clear_error(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    save(repo / "a.jpg", photo(1, (64, 48)))
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "x")
    with pytest.raises(UserError, match="not a commit"):
        scan_tree(repo, "no-such-branch", tmp_path / "b.jsonl", settings=Settings())
