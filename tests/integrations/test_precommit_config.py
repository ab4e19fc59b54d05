"""Misconfigured hooks fail loudly, the first commit works, and both hooks keep the committed
image of a duplicate pair and name the added copy."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from imgeda_ci.cli import main
from imgeda_ci.integrations.precommit import check_files
from tests.builders import photo, save, truncated_jpeg

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip


def git(*args: str) -> None:
    subprocess.run(["git", *args], env={**os.environ, **GIT_ENV}, check=True,
                   capture_output=True, timeout=60)  # fmt: skip


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for i in range(3):
        save(Path("data") / f"photo_{i}.jpg", photo(i, (320, 240)))
    return tmp_path


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    cap = capsys.readouterr()
    lines = [x for x in (cap.out + cap.err).splitlines() if x.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


def test_no_files_and_no_dataset_is_a_misconfiguration(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["precommit"]) == 1
    line = one_error_line(capsys)
    assert "no files and no --dataset" in line
    assert ".pre-commit-config.yaml" in line and "--dataset DIR" in line


def test_dataset_hook_misconfigurations_say_what_to_write(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["precommit", "--dataset", "data"]) == 1
    assert "args: [--dataset data, --manifest data/manifest.jsonl]" in one_error_line(capsys)
    assert main(["precommit", "--dataset", "nope", "--manifest", "nope/m.jsonl"]) == 1
    assert "--dataset nope: no such folder" in one_error_line(capsys)
    assert not Path("nope").exists()
    args = ["precommit", "--dataset", "data", "--manifest", "data/m.jsonl", "data/photo_0.jpg"]
    assert main(args) == 1
    assert "imgeda-ci-dataset (pass_filenames: false)" in one_error_line(capsys)


def test_first_run_without_a_manifest_checks_the_files_on_their_own(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["precommit", "--manifest", "data/manifest.jsonl"]
    assert main([*args, "data/photo_0.jpg", "data/photo_1.jpg"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "imgeda-ci: data/manifest.jsonl does not exist yet: nothing committed to compare with, "
        "so the staged images were checked on their own (the imgeda-ci-dataset hook creates it)"
    ]
    Path("data/broken.jpg").write_bytes(truncated_jpeg())
    assert main([*args, "data/photo_0.jpg", "data/broken.jpg"]) == 1
    out = capsys.readouterr().out
    assert "does not exist yet" in out
    assert "data/broken.jpg: truncated (error)" in out


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_both_hooks_name_the_added_copy_and_keep_the_committed_image(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git("init", "-q")
    manifest = ["--manifest", "data/manifest.jsonl"]
    assert main(["precommit", "--dataset", "data", *manifest]) == 1  # created: add it
    assert "data/manifest.jsonl is new: 'git add data/manifest.jsonl' and commit again" in (
        capsys.readouterr().out
    )
    git("add", "-A")
    assert main(["precommit", "--dataset", "data", *manifest]) == 0
    git("commit", "-qm", "dataset")
    capsys.readouterr()
    # sorts before the original and has the same bytes: the quality order alone would keep it
    shutil.copy("data/photo_1.jpg", "data/a_copy.jpg")
    git("add", "data/a_copy.jpg")

    per_file = check_files(["data/a_copy.jpg"], manifest_path="data/manifest.jsonl")
    assert [(f.file, f.check) for f in per_file.findings] == [
        ("data/a_copy.jpg", "duplicate_exact")
    ]
    assert "the same file as data/photo_1.jpg" in per_file.findings[0].message

    assert main(["precommit", "--dataset", "data", *manifest]) == 0  # a warning by default
    rows = [x for x in capsys.readouterr().out.splitlines() if "duplicate_exact" in x]
    assert len(rows) == 1 and rows[0].endswith(" a_copy.jpg"), rows
