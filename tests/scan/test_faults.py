"""Faults a scan survives: kill -9 at random moments, two scans on one output, a damaged
manifest, a full disk, symlinks leading out of the dataset. Each with real processes where the
fault is a process's (kills, locks, file-size limits)."""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imgeda_ci import manifest
from imgeda_ci.cli import main
from imgeda_ci.errors import UserError
from imgeda_ci.scan.api import scan_folder
from imgeda_ci.scan.lock import lock_path
from imgeda_ci.scan.pipeline import journal_path
from tests.builders import photo, save
from tests.scan.test_pipeline import make_dataset

REPO = Path(__file__).resolve().parents[2]
_MAIN = "import sys; from imgeda_ci.cli import main; sys.exit(main(sys.argv[1:]))"


def _cli(*args: str, **kw: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-c", _MAIN, *args],
        env=env,
        start_new_session=True,
        stderr=subprocess.PIPE,
        **kw,
    )


def _scan_args(root: Path, out: Path, workers: int = 2) -> list[str]:
    return ["scan", str(root), "-o", str(out), "--workers", str(workers), "--no-git", "-q"]


# --- kill -9 at ten random moments -------------------------------------------------------------


@pytest.mark.slow
def test_ten_random_kills_then_resume_equal_a_clean_scan(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 60, size=(900, 700))
    clean = tmp_path / "clean.jsonl"
    started = time.monotonic()
    proc = _cli(*_scan_args(tmp_path / "ds", clean))
    assert proc.wait() == 0
    whole = time.monotonic() - started  # how long an uninterrupted scan takes here

    out = tmp_path / "killed.jsonl"
    jpath = journal_path(out)
    rng = random.Random(17)
    mid_scan = 0  # kills that found the scan still running
    journaled: list[int] = []
    for _ in range(10):
        proc = _cli(*_scan_args(tmp_path / "ds", out))
        time.sleep(rng.uniform(0.0, whole))
        if proc.poll() is None:
            mid_scan += 1
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        journaled.append(jpath.read_bytes().count(b"\n") if jpath.exists() else 0)
        if out.exists():  # it finished before the kill: the next run scans from scratch
            out.unlink()
    assert mid_scan >= 5, f"only {mid_scan} of 10 kills came mid-scan"
    assert max(journaled) > 1, "no kill came after a record was journaled"

    proc = _cli(*_scan_args(tmp_path / "ds", out))
    assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    assert out.read_bytes() == clean.read_bytes()
    assert not jpath.exists() and not lock_path(out).exists()


# --- two scans writing one output ---------------------------------------------------------------


def _open_writer(fifo: Path, timeout: float) -> int:
    """The write end of ``fifo``, once a reader has opened it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # no reader yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def test_second_scan_on_the_same_output_is_refused(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 10)
    out = tmp_path / "m.jsonl"
    gate = tmp_path / "gate.jsonl"  # a --cache the first scan reads once it holds the output:
    os.mkfifo(gate)  # a named pipe, so it waits there until the test lets it go on
    first = _cli(*_scan_args(tmp_path / "ds", out), "--cache", str(gate))
    deadline = time.monotonic() + 60
    while not lock_path(out).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    second = _cli(*_scan_args(tmp_path / "ds", out))
    _, err = second.communicate(timeout=60)
    os.close(_open_writer(gate, 60))  # an empty cache: the first scan goes on
    assert first.wait(timeout=120) == 0
    assert second.returncode == 1
    assert err.decode().strip().splitlines() == [
        f"imgeda-ci: error: another imgeda-ci scan is writing {out} (pid {first.pid}); "
        "wait for it or choose another --output"
    ]
    clean = tmp_path / "clean.jsonl"
    scan_folder(tmp_path / "ds", clean, use_git=False)
    assert out.read_bytes() == clean.read_bytes()
    assert not lock_path(out).exists() and not journal_path(out).exists()


def test_a_stale_lock_file_does_not_block(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 2)
    out = tmp_path / "m.jsonl"
    lock_path(out).write_text("12345\n")  # left by a scan killed with kill -9
    scan_folder(tmp_path / "ds", out, use_git=False)
    assert out.exists() and not lock_path(out).exists()


# --- a damaged manifest -------------------------------------------------------------------------


def _damaged(tmp_path: Path) -> tuple[Path, Path, int]:
    """A good manifest, and a copy with a garbage line, a non-record and a line cut mid-way;
    the number of records left intact."""
    make_dataset(tmp_path / "ds", 6)
    good = tmp_path / "good.jsonl"
    scan_folder(tmp_path / "ds", good, use_git=False)
    lines = good.read_bytes().splitlines(keepends=True)
    # header, r1, GARBAGE, r2, [1,2], r3, r4, r5, r6 cut mid-line
    damaged = [lines[0], lines[1], b"\x00\x17garbage{\n", lines[2], b"[1, 2]\n", *lines[3:6]]
    damaged.append(lines[6][:40])
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(damaged))
    return good, bad, 5


def test_damaged_lines_are_skipped_with_a_warning_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad, intact = _damaged(tmp_path)
    capsys.readouterr()
    header, records = manifest.load(bad)
    assert header is not None and len(records) == intact
    assert records == manifest.load(good)[1][:intact]
    assert capsys.readouterr().err.splitlines() == [
        f"imgeda-ci: warning: {bad}:3: not valid JSON; line skipped",
        f"imgeda-ci: warning: {bad}:5: expected a JSON object per line; line skipped",
        f"imgeda-ci: warning: {bad}:9: cut mid-line; line skipped",
    ]
    assert main(["info", "-m", str(bad)]) == 0


def test_many_damaged_lines_are_summed_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, _, _ = _damaged(tmp_path)
    lines = good.read_bytes().splitlines(keepends=True)
    bad = tmp_path / "many.jsonl"
    bad.write_bytes(b"".join([lines[0], *[b"oops\n"] * 40, *lines[1:]]))
    capsys.readouterr()
    assert len(manifest.load(bad)[1]) == 6
    err = capsys.readouterr().err.splitlines()
    assert len(err) == manifest.MAX_LINE_WARNINGS + 1
    assert err[0] == f"imgeda-ci: warning: {bad}:2: not valid JSON; line skipped"
    assert (
        err[-1]
        == f"imgeda-ci: warning: {bad}: 40 damaged lines skipped; re-run the scan to repair it"
    )


def test_a_file_with_no_manifest_line_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "coco.json"
    other.write_text('{"images": [], "annotations": []}\n')
    with pytest.raises(UserError, match=r"coco.json:1: record has no 'path'; not an imgeda-ci"):
        manifest.load(other)


def test_a_damaged_base_manifest_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad, _ = _damaged(tmp_path)
    capsys.readouterr()
    assert main(["diff", "--old", str(bad), "--new", str(good)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        f"imgeda-ci: error: {bad}:3: not valid JSON; the manifest is damaged: re-run the scan "
        "that made it"
    )
    (tmp_path / "p.yml").write_text("checks: {}\n")
    head = tmp_path / "head.jsonl"
    code = main(["ci", str(tmp_path / "ds"), "--no-git", "-q", "-p", str(tmp_path / "p.yml"),
                 "--manifest-out", str(head), "--base-manifest", str(bad)])  # fmt: skip
    assert code == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == err
    # the head side of a diff is only warned about
    assert main(["diff", "--old", str(good), "--new", str(bad)]) != 1


def test_rescan_over_a_damaged_output_reuses_the_rest(tmp_path: Path) -> None:
    good, bad, intact = _damaged(tmp_path)
    stats = scan_folder(tmp_path / "ds", bad, use_git=False)
    assert (stats.reused_content, stats.analysed) == (intact, 6 - intact)
    assert any(w.startswith(f"{bad}:3: 2 damaged line(s) skipped") for w in stats.warnings)
    assert bad.read_bytes() == good.read_bytes()


# --- a full disk --------------------------------------------------------------------------------


def _file_size_limit(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit raises EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_disk_full_keeps_the_previous_manifest_and_the_rerun_resumes(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 30)
    out = tmp_path / "m.jsonl"
    scan_folder(tmp_path / "ds", out, use_git=False)
    before = out.read_bytes()
    for i in range(3):  # new images: the next scan must write a new manifest
        save(tmp_path / "ds" / f"new_{i}.jpg", photo(100 + i, (160, 120)))
    limit = len(before) // 2  # the journal fits, the manifest does not
    proc = _cli(
        *_scan_args(tmp_path / "ds", out, workers=1), preexec_fn=lambda: _file_size_limit(limit)
    )
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert err.decode().strip().splitlines() == [
        f"imgeda-ci: error: cannot write {out}: file too large; nothing was replaced: free some "
        "space (or raise the limit) and run again"
    ]
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".m.jsonl")] == []
    assert journal_path(out).exists()
    stats = scan_folder(tmp_path / "ds", out, use_git=False)
    assert (stats.reused_journal, stats.analysed) == (33, 0)
    clean = tmp_path / "clean.jsonl"
    scan_folder(tmp_path / "ds", clean, use_git=False)
    assert out.read_bytes() == clean.read_bytes()


def test_disk_full_in_the_journal_is_one_line(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 8)
    out = tmp_path / "m.jsonl"
    # a record line is ~3 kB (the 32x32 thumbnail): two fit in the journal, not eight
    proc = _cli(
        *_scan_args(tmp_path / "ds", out, workers=1), preexec_fn=lambda: _file_size_limit(7000)
    )
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"imgeda-ci: error: cannot write {journal_path(out)}: file too large"
    )
    assert not out.exists()
    stats = scan_folder(tmp_path / "ds", out, use_git=False)  # the rerun resumes
    assert stats.reused_journal > 0 and stats.reused_journal + stats.analysed == 8


# --- symlinks leading out of the dataset --------------------------------------------------------


def _linked_dataset(tmp_path: Path) -> Path:
    ds = tmp_path / "ds"
    make_dataset(ds, 3)
    outside = tmp_path / "elsewhere"
    save(outside / "private.jpg", photo(50, (160, 120)))
    save(outside / "dir" / "a.jpg", photo(51, (160, 120)))
    (ds / "leak.jpg").symlink_to(outside / "private.jpg")
    (ds / "train" / "leakdir").symlink_to(outside / "dir")
    (ds / "alias.jpg").symlink_to(ds / "train" / "img_001.jpg")  # inside: followed
    (ds / "train" / "loop").symlink_to(ds)  # a loop: skipped, no hang
    (ds / "self.jpg").symlink_to(ds / "self.jpg")  # a link to itself
    return ds


def test_symlinks_outside_the_root_are_not_followed(tmp_path: Path) -> None:
    ds = _linked_dataset(tmp_path)
    stats = scan_folder(ds, tmp_path / "m.jsonl", use_git=False)
    paths = [r["path"] for r in manifest.load(tmp_path / "m.jsonl")[1]]
    assert "leak.jpg" not in paths and not any("leakdir" in p for p in paths)
    assert "alias.jpg" in paths and "train/loop: skipped folder: symlink loop" in stats.warnings
    assert (
        f"2 symlink(s) pointing outside {ds} not followed (first: leak.jpg -> "
        f"{(tmp_path / 'elsewhere' / 'private.jpg').resolve()}); pass --follow-symlinks to "
        "scan them" in stats.warnings
    )
    header = manifest.load(tmp_path / "m.jsonl")[0]
    assert header is not None and any("--follow-symlinks" in w for w in header["warnings"])

    stats = scan_folder(ds, tmp_path / "f.jsonl", use_git=False, follow_symlinks=True)
    paths = [r["path"] for r in manifest.load(tmp_path / "f.jsonl")[1]]
    assert "leak.jpg" in paths and "train/leakdir/a.jpg" in paths
    assert not any("outside" in w for w in stats.warnings)


def test_follow_symlinks_is_a_documented_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["scan", "--help"])
    assert "--follow-symlinks" in capsys.readouterr().out
    ds = _linked_dataset(tmp_path)
    assert (
        main(["scan", str(ds), "-o", str(tmp_path / "m.jsonl"), "--no-git", "--follow-symlinks"])
        == 0
    )
    assert "leak.jpg" in [r["path"] for r in manifest.load(tmp_path / "m.jsonl")[1]]


def test_ci_skips_outside_symlinks_unless_asked(tmp_path: Path) -> None:
    ds = _linked_dataset(tmp_path)
    for extra, present in (((), False), (("--follow-symlinks",), True)):
        out = tmp_path / f"ci{len(extra)}.jsonl"
        main(["ci", str(ds), "--manifest-out", str(out), "--no-git", "--workers", "1", *extra])
        assert ("leak.jpg" in [r["path"] for r in manifest.load(out)[1]]) is present
