"""Git LFS pointers: their own error code with the fix, and a base read from git blobs that
reuses the head's records by the pointer's ``oid sha256:`` (no LFS download)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from imgeda_ci import manifest
from imgeda_ci.cli import main
from imgeda_ci.scan.api import scan_folder
from imgeda_ci.scan.gittree import scan_tree
from imgeda_ci.scan.settings import Settings
from tests.builders import photo, save

HINT = "`lfs: true` on actions/checkout; locally: git lfs pull"


def pointer(data: bytes) -> bytes:
    sha = hashlib.sha256(data).hexdigest()
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {len(data)}\n"
    ).encode()


def unreadable(m: Path, capsys: pytest.CaptureFixture[str]) -> list[dict]:  # type: ignore[type-arg]
    """The ``unreadable`` findings of ``imgeda-ci check --json`` on the manifest ``m``."""
    capsys.readouterr()
    assert main(["check", "-m", str(m), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["findings"]
    return [f for f in found if f["check"] == "unreadable"]


def test_a_pointer_written_by_hand_is_lfs_pointer_and_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    save(data / "ok.jpg", photo(1, (64, 48)))
    (data / "cat.jpg").write_bytes(pointer(b"\xff\xd8\xff" + b"x" * 5000))
    out = tmp_path / "m.jsonl"
    scan_folder(data, out, use_git=False)
    _, records = manifest.load(out)
    by_path = {r["path"]: r for r in records}
    err = by_path["cat.jpg"]["error"]
    assert err is not None and err["code"] == "lfs_pointer"
    assert "\n" not in err["message"] and HINT in err["message"]
    assert by_path["ok.jpg"]["error"] is None
    # the `unreadable` check flags it, with the hint, on one line
    hits = unreadable(out, capsys)
    assert [f["path"] for f in hits] == ["cat.jpg"]
    assert "lfs_pointer" in hits[0]["message"] and HINT in hits[0]["message"]


def test_a_pointer_record_is_never_reused_for_the_pulled_image(tmp_path: Path) -> None:
    data = tmp_path / "data"
    content = tmp_path / "img.jpg"
    save(content, photo(2, (64, 48)))
    data.mkdir()
    (data / "a.jpg").write_bytes(pointer(content.read_bytes()))
    out = tmp_path / "m.jsonl"
    scan_folder(data, out, use_git=False)
    shutil.copy(content, data / "a.jpg")  # git lfs pull
    scan_folder(data, out, use_git=False)
    _, records = manifest.load(out)
    assert records[0]["error"] is None and records[0]["format"] == "JPEG"


lfs = pytest.mark.skipif(
    shutil.which("git") is None
    or subprocess.run(["git", "lfs", "version"], capture_output=True).returncode != 0,
    reason="git lfs is not installed",
)


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_LFS_SKIP_SMUDGE": "1"}
    return subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout


@pytest.fixture
def lfs_repo(tmp_path: Path) -> Path:
    """main: 6 photos tracked by Git LFS; branch pr: one modified, one added."""
    root = tmp_path / "repo"
    data = root / "data"
    for i in range(6):
        save(data / f"{i}.jpg", photo(i, (160, 120)))
    git(root, "init", "-q", "-b", "main")
    git(root, "lfs", "install", "--local")
    git(root, "lfs", "track", "*.jpg")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    assert git(root, "show", "HEAD:data/0.jpg").startswith("version https://git-lfs")
    git(root, "checkout", "-q", "-b", "pr")
    save(data / "1.jpg", photo(11, (160, 120)))
    save(data / "new.jpg", photo(12, (160, 120)))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a change")
    return root


@lfs
def test_a_clone_without_lfs_content_reports_lfs_pointer(
    lfs_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(lfs_repo), str(clone))
    out = tmp_path / "m.jsonl"
    assert main(["scan", str(clone / "data"), "-o", str(out), "-q"]) == 0
    hits = unreadable(out, capsys)
    assert len(hits) == 7
    assert all("lfs_pointer" in f["message"] and HINT in f["message"] for f in hits)


@lfs
def test_base_from_git_blobs_reuses_records_by_the_pointers_oid(
    lfs_repo: Path, tmp_path: Path
) -> None:
    data = lfs_repo / "data"
    head = tmp_path / "head.jsonl"
    scan_folder(data, head)
    base = tmp_path / "base.jsonl"
    stats = scan_tree(data, "main", base, settings=Settings(), caches=[head])
    # 0, 2-5 are the head's records by the pointer's oid; only the old 1.jpg is unknown
    assert (stats.reused_content, stats.analysed) == (5, 1)
    _, records = manifest.load(base)
    by_path = {r["path"]: r for r in records}
    assert by_path["0.jpg"]["format"] == "JPEG" and by_path["0.jpg"]["error"] is None
    # nobody has the old 1.jpg's content: its pointer is the lfs_pointer record
    assert by_path["1.jpg"]["error"]["code"] == "lfs_pointer"  # type: ignore[index]


@lfs
def test_ci_base_ref_on_an_lfs_dataset(lfs_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = main(["ci", str(lfs_repo / "data"), "--base-ref", "main", "--manifest-out",
                 str(tmp_path / "head.jsonl"), "--json-out", str(out), "-q"])  # fmt: skip
    result = json.loads(out.read_text())
    # the base's unchanged images are the head's records (by the pointers' oids): unchanged
    summary = result["diff"]["summary"]
    assert (summary["added"], summary["modified"], summary["unchanged"]) == (1, 1, 5)
    assert result["scan"]["errors"] == {}
    assert code == 0


@lfs
def test_after_git_lfs_pull_the_pointers_records_are_not_reused(
    lfs_repo: Path, tmp_path: Path
) -> None:
    """In the index a pulled LFS file has its pointer's blob id: a record of the pointer must
    not stand for the image (scanned again into the same manifest)."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(lfs_repo), str(clone))
    out = tmp_path / "m.jsonl"
    scan_folder(clone / "data", out)
    _, records = manifest.load(out)
    assert {r["error"]["code"] for r in records} == {"lfs_pointer"}  # type: ignore[index]
    subprocess.run(["git", "lfs", "pull"], cwd=clone, check=True, capture_output=True)
    stats = scan_folder(clone / "data", out)
    _, records = manifest.load(out)
    assert [r["error"] for r in records] == [None] * 7 and stats.analysed == 7
