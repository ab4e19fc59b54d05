"""The scan as a whole: determinism, reuse by content and git blob id, crash-safe resume."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from imgeda_ci import manifest
from imgeda_ci.cli import main
from imgeda_ci.scan.api import scan_folder
from imgeda_ci.scan.pipeline import journal_path
from tests.builders import encode, photo, save

REPO = Path(__file__).resolve().parents[2]


def make_dataset(root: Path, n: int = 10, size: tuple[int, int] = (160, 120)) -> list[Path]:
    out = []
    for i in range(n):
        split = "train" if i % 3 else "test"
        ext = "png" if i % 4 == 0 else "jpg"
        out.append(save(root / split / f"img_{i:03d}.{ext}", photo(i, size)))
    (root / "notes.txt").write_text("not an image")
    return out


def test_scan_writes_sorted_manifest_with_header(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds")
    out = tmp_path / "m.jsonl"
    stats = scan_folder(tmp_path / "ds", out)
    header, recs = manifest.load(out)
    assert header is not None and header["counts"]["images"] == 10 == stats.images
    paths = [r["path"] for r in recs]
    assert paths == sorted(paths) and paths[0] == "test/img_000.png"
    assert not journal_path(out).exists()


def test_two_scans_identical_bytes(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds")
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    scan_folder(tmp_path / "ds", a, workers=2, use_git=False)
    scan_folder(tmp_path / "ds", b, workers=1, use_git=False)
    assert a.read_bytes() == b.read_bytes()


def test_rename_rescan_decodes_nothing(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds")
    out = tmp_path / "m.jsonl"
    scan_folder(tmp_path / "ds", out, use_git=False)
    (tmp_path / "ds" / "train").rename(tmp_path / "ds" / "renamed")
    for p in (tmp_path / "ds").rglob("*.jpg"):
        os.utime(p, (1, 1))  # fresh mtimes, as after a checkout
    stats = scan_folder(tmp_path / "ds", out, use_git=False)
    assert stats.analysed == 0
    assert stats.reused_content == 10
    _, recs = manifest.load(out)
    assert sum(r["path"].startswith("renamed/") for r in recs) == 6


def test_cache_from_another_manifest(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds")
    scan_folder(tmp_path / "ds", tmp_path / "old.jsonl", use_git=False)
    shutil.copytree(tmp_path / "ds", tmp_path / "copy")
    save(tmp_path / "copy" / "new.jpg", photo(99, (160, 120)))
    stats = scan_folder(
        tmp_path / "copy", tmp_path / "new.jsonl", caches=[tmp_path / "old.jsonl"], use_git=False
    )
    assert (stats.analysed, stats.reused_content) == (1, 10)


def test_other_settings_invalidate_the_cache(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 3)
    out = tmp_path / "m.jsonl"
    scan_folder(tmp_path / "ds", out, use_git=False)
    stats = scan_folder(tmp_path / "ds", out, use_git=False, analysis_size=256)
    assert stats.analysed == 3


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_fresh_git_checkout_reads_no_file(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    make_dataset(repo / "data", 8)
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "add", ".")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "data")
    scan_folder(repo / "data", tmp_path / "committed.jsonl")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(repo), str(clone))
    stats = scan_folder(
        clone / "data", tmp_path / "ci.jsonl", caches=[tmp_path / "committed.jsonl"]
    )
    assert stats.reused_git == 8 and stats.analysed == 0 and stats.reused_content == 0
    # a modified tracked file is read (git lists it as changed), the others are not
    save(clone / "data" / "train" / "img_001.jpg", photo(50, (160, 120)))
    stats = scan_folder(clone / "data", tmp_path / "ci.jsonl")
    assert (stats.reused_git, stats.analysed) == (7, 1)


def _scan_cmd(root: Path, out: Path) -> list[str]:
    code = "import sys; from imgeda_ci.cli import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, "scan", str(root), "-o", str(out), "--workers", "2",
            "--no-git", "-q"]  # fmt: skip


@pytest.mark.slow
def test_kill_9_then_resume_equals_clean_scan(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 80, size=(900, 700))
    clean = tmp_path / "clean.jsonl"
    scan_folder(tmp_path / "ds", clean, workers=2, use_git=False)

    out = tmp_path / "killed.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(_scan_cmd(tmp_path / "ds", out), env=env, start_new_session=True)
    jpath = journal_path(out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if jpath.exists() and jpath.read_bytes().count(b"\n") > 20:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists(), "the scan finished before it could be killed"
    done_before = jpath.read_bytes().count(b"\n") - 1
    with jpath.open("ab") as fh:  # and a torn line, as if killed mid-write
        fh.write(b'{"path": "train/img_0')

    stats = scan_folder(tmp_path / "ds", out, workers=2, use_git=False)
    assert stats.reused_journal >= done_before > 0
    assert stats.analysed == 80 - stats.reused_journal
    assert out.read_bytes() == clean.read_bytes()
    assert not jpath.exists()


def test_files_from_and_globs(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds")
    listing = tmp_path / "list.txt"
    listing.write_text("train/img_001.jpg\n# comment\n\ntest/img_003.jpg\n")
    scan_folder(tmp_path / "ds", tmp_path / "a.jsonl", files_from=str(listing))
    assert [r["path"] for r in manifest.load(tmp_path / "a.jsonl")[1]] == [
        "test/img_003.jpg",
        "train/img_001.jpg",
    ]
    scan_folder(tmp_path / "ds", tmp_path / "b.jsonl", include=["train/**"], exclude=["*.png"])
    paths = [r["path"] for r in manifest.load(tmp_path / "b.jsonl")[1]]
    assert paths and all(p.startswith("train/") and p.endswith(".jpg") for p in paths)


def test_symlink_loop_and_misnamed_image(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 2)
    (tmp_path / "ds" / "train" / "loop").symlink_to(tmp_path / "ds")
    (tmp_path / "ds" / "odd.bak").write_bytes(encode(photo(1), "PNG"))  # an image, misnamed
    stats = scan_folder(tmp_path / "ds", tmp_path / "m.jsonl")
    assert any("symlink loop" in w for w in stats.warnings)
    recs = {r["path"]: r for r in manifest.load(tmp_path / "m.jsonl")[1]}
    assert recs["odd.bak"]["ext_mismatch"] is True
    assert len(recs) == 3


def test_bad_file_never_stops_the_scan(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 5)
    (tmp_path / "ds" / "empty.jpg").write_bytes(b"")
    (tmp_path / "ds" / "junk.png").write_bytes(b"\x00" * 100)
    stats = scan_folder(tmp_path / "ds", tmp_path / "m.jsonl", workers=2)
    assert stats.images == 7
    assert dict(stats.errors) == {"empty_file": 1, "not_an_image": 1}


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path / "missing"), "-o", str(tmp_path / "m.jsonl")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no such folder" in err
    assert main(["info", "-m", str(tmp_path / "nope.jsonl")]) == 1
    assert "manifest not found" in capsys.readouterr().err


def test_cli_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "exit codes" in out and "2  the policy failed" in out


def test_usage_errors_exit_1_not_2(capsys: pytest.CaptureFixture[str]) -> None:
    # 2 means "the policy failed"; a mistyped flag must not look like a failed gate
    with pytest.raises(SystemExit) as exc:
        main(["scan", "--no-such-flag"])
    assert exc.value.code == 1
    with pytest.raises(SystemExit) as exc:
        main(["ci"])  # missing PATH
    assert exc.value.code == 1
    assert "imgeda-ci: error:" in capsys.readouterr().err


Indexed = tuple[dict[str, Any], dict[str, str], dict[str, str]]


def _indexed(records: list[dict[str, Any]], earlier: list[dict[str, Any]] | None = None) -> Indexed:
    from imgeda_ci.scan.store import RecordStore

    store = RecordStore("h")
    if earlier:
        store.add_records(earlier)
    store.add_records(records)
    return store.by_sha, store.by_oid, store.codes


def _one_by_one(
    records: list[dict[str, Any]], earlier: list[dict[str, Any]] | None = None
) -> Indexed:
    """The index's rules, record by record: what :meth:`RecordStore._index` does in C passes."""
    from imgeda_ci.scan.analyze import CONTENT_ERRORS
    from imgeda_ci.scan.store import MEMORY

    by_sha: dict[str, tuple[int, int]] = {}
    by_oid: dict[str, str] = {}
    codes: dict[str, str] = {}
    for batch in (earlier or [], records):
        for k, obj in enumerate(batch):
            sha = obj.get("sha256")
            err = obj.get("error")
            if not sha or "_ref" in obj or (err and err.get("code") not in CONTENT_ERRORS):
                continue
            if sha in by_sha:
                continue
            by_sha[sha] = (MEMORY, k)
            if err:
                codes[sha] = err["code"]
            if obj.get("git_oid"):
                by_oid.setdefault(obj["git_oid"], sha)
    return by_sha, by_oid, codes


def test_indexing_records_in_memory_at_once_equals_one_by_one() -> None:
    def r(sha: object, oid: object = None, **kw: object) -> dict[str, object]:
        return {"path": f"{sha}.jpg", "sha256": sha, "git_oid": oid, "error": None, **kw}

    plain = [r("a", "1"), r("b", None), r("c", "1"), r("d", "4")]  # an oid twice: first holds
    cases = [
        plain,
        [*plain, r("a", "9")],  # a sha twice
        [*plain, r("e", "5", error={"code": "truncated", "message": ""})],
        [*plain, r("e", "5", error={"code": "not_an_image", "message": ""})],
        [*plain, r("", "6")],
        [*plain, r(None, "7")],
        [*plain, {**r("f", "8"), "_ref": "a"}],
        [*plain, {"path": "g.jpg", "sha256": "g"}],  # keys missing
    ]
    for records in cases:
        assert _indexed(records) == _one_by_one(records)
    earlier = [r("a", "0"), r("z", "4")]  # content indexed before: it holds
    assert _indexed(plain, earlier) == _one_by_one(plain, earlier)


@pytest.mark.parametrize("held", [True, False])
def test_records_in_memory_are_reused_only_where_still_the_path_s(
    tmp_path: Path, held: bool
) -> None:
    """A re-scan from a manifest in memory (what ``ci`` does), or from the same records in a
    cache file, writes the bytes a scan from scratch writes: records whose path, split or
    labels no longer fit are rebuilt, the others (in memory) written as their lines."""
    data = tmp_path / "data"
    for i, cls in enumerate(("cat", "cat", "dog", "dog")):
        save(data / "train" / cls / f"{i}.jpg", photo(i, (96, 72)))
    first = tmp_path / "first.jsonl"
    scan_folder(data, first, use_git=False)
    _, records, lines = manifest.loads(first.read_bytes(), str(first))
    assert lines is not None
    records[0]["labels"] = {**records[0]["labels"], "classes": ["dog"]}  # labels changed since
    records[1]["split"] = "test"  # the split changed since
    (data / "train" / "dog" / "2.jpg").rename(data / "train" / "dog" / "2b.jpg")  # renamed
    save(data / "test" / "cat" / "9.jpg", photo(9, (96, 72)))  # new
    out = tmp_path / "out.jsonl"
    if held:
        stats = scan_folder(
            data, out, use_git=False, collect=True, cache_records=records, cache_lines=lines
        )
    else:
        cache = tmp_path / "cache.jsonl"
        manifest.write(cache, manifest.load(first)[0], records)
        stats = scan_folder(data, out, use_git=False, collect=True, caches=[cache])
    scratch = tmp_path / "scratch.jsonl"
    scan_folder(data, scratch, use_git=False)
    assert out.read_bytes() == scratch.read_bytes()
    assert stats.records == manifest.load(scratch)[1]
    assert stats.analysed == 1 and stats.reused_content == 4


@pytest.mark.parametrize("held", [True, False])
def test_records_in_memory_reused_by_blob_id_keep_their_error_counts(
    tmp_path: Path, held: bool
) -> None:
    """Reuse by git blob id from records in memory (or from the same manifest as a cache
    file) takes every unchanged file unread, a corrupt one's error code included in the
    header's counts."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    from tests.builders import truncated_jpeg

    repo = tmp_path / "repo"
    make_dataset(repo / "data", 6)
    (repo / "data" / "train" / "broken.jpg").write_bytes(truncated_jpeg(keep=0.3))
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "add", ".")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "data")
    first = tmp_path / "first.jsonl"
    scan_folder(repo / "data", first)
    header, records, lines = manifest.loads(first.read_bytes(), str(first))
    save(repo / "data" / "train" / "img_001.jpg", photo(50, (160, 120)))  # modified: read
    out = tmp_path / "out.jsonl"
    if held:
        stats = scan_folder(
            repo / "data", out, collect=True, cache_records=records, cache_lines=lines
        )
    else:
        stats = scan_folder(repo / "data", out, collect=True, caches=[first])
    assert (stats.reused_git, stats.analysed) == (6, 1)
    scratch = tmp_path / "scratch.jsonl"
    scan_folder(repo / "data", scratch, use_git=False)
    assert out.read_bytes() == scratch.read_bytes()
    assert header is not None and manifest.load(out)[0] == manifest.load(scratch)[0]
    assert sum(1 for k in manifest.load(out)[0]["counts"] if k.startswith("error:")) == 1


def test_blocks_of_paths_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reuse decisions and manifest lines are made a block of paths at a time, and a cache
    file indexed a block of records at a time: blocks of three (two) give the bytes and counts
    of one block, for records in memory and in a cache file."""
    from functools import partial

    from imgeda_ci.scan import pathlist, reuse, store, writing

    data = tmp_path / "data"
    for i, cls in enumerate(("cat", "cat", "dog", "dog", "cat", "dog", "cat")):
        save(data / "train" / cls / f"{i}.jpg", photo(i, (64, 48)))
    first = tmp_path / "first.jsonl"
    scan_folder(data, first, use_git=False)
    _, records, lines = manifest.loads(first.read_bytes(), str(first))
    save(data / "test" / "cat" / "9.jpg", photo(9, (64, 48)))
    whole = tmp_path / "whole.jsonl"
    ref = scan_folder(data, whole, use_git=False, cache_records=records, cache_lines=lines)
    monkeypatch.setattr(reuse, "chunks", partial(pathlist.chunks, size=3))
    monkeypatch.setattr(writing, "chunks", partial(pathlist.chunks, size=3))
    monkeypatch.setattr(store, "_BLOCK", 2)
    held = tmp_path / "held.jsonl"
    got = scan_folder(data, held, use_git=False, cache_records=records, cache_lines=lines)
    from_file = tmp_path / "file.jsonl"
    got_file = scan_folder(data, from_file, use_git=False, caches=[first])
    assert held.read_bytes() == whole.read_bytes() == from_file.read_bytes()
    for stats in (got, got_file):
        assert (stats.analysed, stats.reused_content) == (ref.analysed, ref.reused_content)
