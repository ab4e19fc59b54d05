"""The hooks of .pre-commit-hooks.yaml, run by pre-commit for real, offline.

pre-commit installs the hook repository (a snapshot of this work tree, committed in a temporary
git repository, since try-repo only sees committed files) with ``pip install .`` into a fresh
virtualenv; pip is pointed at a wheelhouse repacked from the installed dependencies
(tests/integrations/wheelhouse.py) with ``PIP_NO_INDEX``, and builds without isolation, using the
setuptools virtualenv seeds. The environment is built once per session (~20 s) and reused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import photo, save, truncated_jpeg, with_exif
from tests.conftest import REPO
from tests.integrations import wheelhouse

pytestmark = pytest.mark.slow  # real pre-commit in fresh repositories

pytest.importorskip("pre_commit")
if shutil.which("git") is None:
    pytest.skip("git is not installed", allow_module_level=True)

TIMEOUT = 120


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    return proc.stdout.strip()


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This work tree (tracked and new files, not ignored ones) committed in a throwaway repo."""
    try:
        listing = subprocess.run(
            ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"], capture_output=True, check=True, timeout=60,
        ).stdout.decode()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("the project is not a git work tree")
    dest = tmp_path_factory.mktemp("hookrepo")
    for rel in filter(None, listing.split("\0")):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "snapshot")
    return dest, git(dest, "rev-parse", "HEAD")


@pytest.fixture(scope="session")
def offline_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    wheels = tmp_path_factory.mktemp("wheels")
    wheelhouse.build(wheels)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUALENV_"))}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheels),
        PIP_NO_BUILD_ISOLATION="0",  # pip's inverted flag: "0" turns build isolation off
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_CONFIG_FILE=os.devnull,
        VIRTUALENV_NO_PERIODIC_UPDATE="1",
        VIRTUALENV_OVERRIDE_APP_DATA=str(tmp_path_factory.mktemp("virtualenv-data")),
        PRE_COMMIT_COLOR="never",
    )
    return env


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    w = tmp_path / "work"
    w.mkdir()
    git(w, "init", "-q")
    for i in range(3):
        save(w / "data" / f"photo_{i}.jpg", photo(i, (320, 240)))
    yield w


def pre_commit(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)  # fmt: skip


def test_manifest_is_valid() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest",
         str(REPO / ".pre-commit-hooks.yaml")], capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_try_repo_refuses_bad_images_and_passes_good_ones(
    work: Path, hook_repo: tuple[Path, str], offline_env: dict[str, str]
) -> None:
    repo, sha = hook_repo
    git(work, "add", "data")
    args = ("try-repo", str(repo), "imgeda-ci-images", "--ref", sha)
    good = pre_commit(work, offline_env, *args)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout

    (work / "data" / "truncated.jpg").write_bytes(truncated_jpeg())
    (work / "data" / "gps.jpg").write_bytes(with_exif(photo(8, (320, 240)), gps=(1.5, 2.5)))
    git(work, "add", "data")
    bad = pre_commit(work, offline_env, *args)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "data/truncated.jpg: truncated (error)" in bad.stdout
    assert "data/gps.jpg: gps_location (warning)" in bad.stdout
    assert "photo_0.jpg" not in bad.stdout.split("Failed", 1)[1]


def test_commit_hooks_refuse_a_copy_and_refresh_the_manifest(
    work: Path, hook_repo: tuple[Path, str], offline_env: dict[str, str]
) -> None:
    repo, sha = hook_repo
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {sha}\n    hooks:\n"
        "      - id: imgeda-ci-images\n        args: [--manifest, data/manifest.jsonl]\n"
        "      - id: imgeda-ci-dataset\n"
        "        args: [--dataset, data, --manifest, data/manifest.jsonl]\n"
    )
    from imgeda_ci.scan.api import scan_folder

    scan_folder(work / "data", work / "data" / "manifest.jsonl", workers=1)
    git(work, "add", "-A")
    git(work, "commit", "-qm", "dataset", "--no-verify")
    assert pre_commit(work, offline_env, "install").returncode == 0

    def commit() -> subprocess.CompletedProcess[str]:
        env = {**offline_env, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip
        return subprocess.run(["git", "commit", "-m", "change"], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=TIMEOUT)  # fmt: skip

    shutil.copy(work / "data" / "photo_1.jpg", work / "data" / "copy.jpg")
    git(work, "add", "data/copy.jpg")
    refused = commit()
    assert refused.returncode != 0
    assert "data/copy.jpg: duplicate_exact (warning): the same file as data/photo_1.jpg" in (
        refused.stdout
    )

    git(work, "rm", "-q", "--cached", "data/copy.jpg")
    (work / "data" / "copy.jpg").unlink()
    git(work, "checkout", "--", "data/manifest.jsonl")  # drop the refresh that listed the copy
    save(work / "data" / "new.jpg", photo(21, (320, 240)))
    git(work, "add", "data/new.jpg")
    first = commit()  # the dataset hook refreshes the manifest: stage it and commit again
    assert first.returncode != 0
    assert "files were modified by this hook" in first.stdout
    assert "was refreshed" in first.stdout
    git(work, "add", "data/manifest.jsonl")
    second = commit()
    assert second.returncode == 0, second.stdout
    assert "data/new.jpg" in git(work, "show", "--name-only", "HEAD")


def test_try_repo_dataset_hook_without_args_fails_loudly(
    work: Path, hook_repo: tuple[Path, str], offline_env: dict[str, str]
) -> None:
    repo, sha = hook_repo
    git(work, "add", "data")
    proc = pre_commit(work, offline_env, "try-repo", str(repo), "imgeda-ci-dataset", "--ref", sha)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert "no files and no --dataset" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_first_commit_of_a_fresh_repository_with_both_hooks(
    work: Path, hook_repo: tuple[Path, str], offline_env: dict[str, str]
) -> None:
    """No commit and no manifest yet: the images hook checks the staged images on their own,
    the dataset hook creates the manifest and asks for it to be added; a broken image fails on
    the first run too."""
    repo, sha = hook_repo
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {sha}\n    hooks:\n"
        "      - id: imgeda-ci-images\n        args: [--manifest, data/manifest.jsonl]\n"
        "      - id: imgeda-ci-dataset\n"
        "        args: [--dataset, data, --manifest, data/manifest.jsonl]\n"
    )
    git(work, "add", "-A")
    first = pre_commit(work, offline_env, "run")
    images, dataset = first.stdout.split("imgeda-ci (dataset gate)", 1)
    assert "imgeda-ci (staged images)" in images and "Passed" in images, first.stdout
    assert "manifest not found" not in first.stdout
    assert "Failed" in dataset and "data/manifest.jsonl is new: 'git add" in dataset
    assert (work / "data" / "manifest.jsonl").is_file()
    git(work, "add", "data/manifest.jsonl")
    good = pre_commit(work, offline_env, "run")
    assert good.returncode == 0, good.stdout + good.stderr

    fresh = work.parent / "fresh"  # a broken image in the very first run
    shutil.copytree(work, fresh, ignore=shutil.ignore_patterns(".git", "manifest.jsonl"))
    git(fresh, "init", "-q")
    (fresh / "data" / "broken.jpg").write_bytes(truncated_jpeg())
    git(fresh, "add", "-A")
    bad = pre_commit(fresh, offline_env, "run")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "data/broken.jpg: truncated (error)" in bad.stdout
    assert "does not exist yet" in bad.stdout and "manifest not found" not in bad.stdout
