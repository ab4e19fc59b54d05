"""Blob ids of clean tracked files, read from a real git repository made here."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from imgeda_ci.scan.analyze import git_oid
from imgeda_ci.scan.gitindex import clean_blob_ids

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


def test_clean_tracked_regular_files_only(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    data = repo / "data"
    (data / "sub dir").mkdir(parents=True)
    files = {
        "a.jpg": b"a",
        "sub dir/b c.jpg": b"bc",
        "sub dir/ünï.jpg": b"u",
        "run.sh": b"#!/bin/sh\n",
        "dirty.jpg": b"before",
    }
    for rel, content in files.items():
        (data / rel).write_bytes(content)
    os.chmod(data / "run.sh", 0o755)
    os.symlink("a.jpg", data / "link.jpg")
    (repo / "outside.jpg").write_bytes(b"o")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    (data / "dirty.jpg").write_bytes(b"after")  # changed since the index
    (data / "untracked.jpg").write_bytes(b"new")
    got = clean_blob_ids(data)
    want = {rel: git_oid(c) for rel, c in files.items() if rel != "dirty.jpg"}
    assert got == want  # no symlink, no dirty or untracked file, nothing outside the folder


def test_not_a_repository(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"a")
    assert clean_blob_ids(tmp_path) == {}


def test_a_file_name_that_is_not_utf8_is_named_as_python_names_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jpg").write_bytes(b"a")
    with open(os.fsencode(data) + b"/b\xff.jpg", "wb") as fh:
        fh.write(b"b")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "base")
    want = {"a.jpg": git_oid(b"a"), os.fsdecode(b"b\xff.jpg"): git_oid(b"b")}
    assert clean_blob_ids(data) == want
