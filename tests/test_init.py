"""imgeda-ci init: a starter policy, a workflow and a pre-commit hook for a git repository."""

from __future__ import annotations

import argparse
import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from imgeda_ci.commands.init import ask_choice, ask_text, ask_yes
from imgeda_ci.commands.init import run as run_init
from imgeda_ci.policy import load_policy
from tests.builders import dark, photo, save, truncated_jpeg

if shutil.which("git") is None:
    pytest.skip("git is needed", allow_module_level=True)

BIN = Path(sys.executable).parent
FILES = ("imgeda-ci.yml", ".github/workflows/imgeda-ci.yml", ".pre-commit-config.yaml")
ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imgeda_ci", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=ENV,
        timeout=300,
    )


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=ENV)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    """A git repository with a small dataset in data/ (a dark photo and a truncated one: a
    warning and an error today) and an image elsewhere."""
    root = tmp_path / "repo"
    for i in range(6):
        save(root / "data" / f"img {i}.jpg", photo(i, (256, 192)))
    save(root / "data" / "night[1].jpg", dark(1, (256, 192)))
    (root / "data" / "cut.jpg").write_bytes(truncated_jpeg(photo(9, (256, 192))))
    save(root / "docs" / "logo.png", photo(20, (64, 64)))
    git(root.parent, "init", "-q", str(root))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "dataset")
    yield root


def test_init_yes_writes_three_files_whose_policy_passes_today_and_fails_a_new_break(
    repo: Path,
) -> None:
    assert cli(repo, "scan", "data", "-o", "m.jsonl").returncode == 0
    assert cli(repo, "gate", "-m", "m.jsonl").returncode == 2  # the defaults: cut.jpg fails
    proc = cli(repo, "init", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "dataset: data (8 images, flat layout)" in proc.stdout
    for name in FILES:
        assert f"{name}: written" in proc.stdout
        assert (repo / name).is_file()
    policy = load_policy(repo / "imgeda-ci.yml")
    assert "note:" not in proc.stdout  # the waivers make today's dataset pass
    assert ("dark",) in [w.checks for w in policy.waivers]
    assert {w.globs for w in policy.waivers} == {("night\\[1\\].jpg",), ("cut.jpg",)}
    assert all(w.expires is not None and w.reason for w in policy.waivers)
    hooks = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert hooks[0]["id"] == "imgeda-ci-dataset"
    assert hooks[0]["args"][:4] == ["--dataset", "data", "--manifest", "data/manifest.jsonl"]

    # the gate, finding the policy at the root by itself, passes on the dataset as it is
    gate = cli(repo, "gate", "-m", "m.jsonl")
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert "imgeda-ci.yml" in gate.stderr
    # ... and fails when a broken image is added
    (repo / "data" / "broken.jpg").write_bytes(truncated_jpeg(photo(30, (256, 192))))
    assert cli(repo, "scan", "data", "-o", "m.jsonl").returncode == 0
    assert cli(repo, "gate", "-m", "m.jsonl").returncode == 2


def test_rerun_with_yes_overwrites_nothing(repo: Path) -> None:
    assert cli(repo, "init", "--yes").returncode == 0
    (repo / "imgeda-ci.yml").write_text("version: 1\n# mine\n")
    before = {n: (repo / n).read_text() for n in FILES}
    proc = cli(repo, "init", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert {n: (repo / n).read_text() for n in FILES} == before
    assert "imgeda-ci.yml: exists, left as it is (--force overwrites it)" in proc.stdout
    assert ".pre-commit-config.yaml: has the imgeda-ci-dataset hook already" in proc.stdout
    forced = cli(repo, "init", "--yes", "--force")
    assert "imgeda-ci.yml: written" in forced.stdout
    assert "# mine" not in (repo / "imgeda-ci.yml").read_text()


def test_workflow_is_a_valid_github_workflow(repo: Path) -> None:
    pin = "acme/imgeda-ci@" + "0123456789abcdef" * 2 + "01234567"
    assert cli(repo, "init", "--yes", "--action", pin).returncode == 0
    exe = shutil.which("check-jsonschema") or str(BIN / "check-jsonschema")
    if not Path(exe).exists():
        pytest.skip("check-jsonschema is not installed (pip install '.[test]')")
    workflow = repo / ".github" / "workflows" / "imgeda-ci.yml"
    proc = subprocess.run(
        [exe, "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    flow = yaml.safe_load(workflow.read_text())
    assert flow["permissions"] == {"contents": "read", "pull-requests": "write"}
    steps = flow["jobs"]["imgeda-ci"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@11bd71901bbe")
    assert steps[0]["with"]["fetch-depth"] == 2
    assert steps[1]["uses"] == pin
    assert steps[1]["with"]["path"] == "data"


def test_existing_precommit_config_keeps_what_it_had(repo: Path) -> None:
    existing = (
        "# my hooks\nrepos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n"
        "    hooks:\n      - id: black # format\n"
    )
    (repo / ".pre-commit-config.yaml").write_text(existing)
    proc = cli(repo, "init", "--yes")
    assert ".pre-commit-config.yaml: updated" in proc.stdout
    text = (repo / ".pre-commit-config.yaml").read_text()
    assert text.startswith(existing)  # comments and all
    repos = yaml.safe_load(text)["repos"]
    assert [r["repo"].rsplit("/", 1)[1] for r in repos] == ["black", "imgeda-ci"]


def test_precommit_config_without_repos_gets_them_and_a_broken_one_stops_init(
    repo: Path,
) -> None:
    config = repo / ".pre-commit-config.yaml"
    config.write_text("default_stages: [pre-commit] # mine\n")
    assert cli(repo, "init", "--yes").returncode == 0
    assert config.read_text().startswith("default_stages: [pre-commit] # mine\nrepos:\n")
    assert yaml.safe_load(config.read_text())["repos"][0]["hooks"][0]["id"] == "imgeda-ci-dataset"
    config.write_text("repos: [\n")
    (repo / "imgeda-ci.yml").unlink()
    proc = cli(repo, "init", "--yes")
    assert proc.returncode == 1
    assert proc.stderr.startswith("imgeda-ci: error: .pre-commit-config.yaml: not valid YAML")
    assert len(proc.stderr.splitlines()) == 1
    assert not (repo / "imgeda-ci.yml").exists()  # nothing written


def test_new_only_baseline(repo: Path) -> None:
    proc = cli(repo, "init", "--yes", "--baseline", "new-only")
    assert proc.returncode == 0, proc.stderr
    policy = load_policy(repo / "imgeda-ci.yml")
    assert policy.mode == "new-only"
    assert policy.waivers == ()
    # without a base (the dataset hook) today's truncated image still fails: init says so
    assert "note: without a base to compare with" in proc.stdout
    # a pull request is judged on what it changes: today's dataset passes against its commit
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "imgeda-ci init")
    ci = cli(repo, "ci", "data", "--base-ref", "HEAD")
    assert ci.returncode == 0, ci.stdout + ci.stderr


def test_outside_git_or_without_images_says_what_to_do(tmp_path: Path, repo: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    proc = cli(outside, "init", "--yes")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1
    assert "not inside a git repository: run 'git init'" in proc.stderr
    empty = tmp_path / "empty"
    git(tmp_path, "init", "-q", str(empty))
    proc = cli(empty, "init", "--yes")
    assert proc.returncode == 1
    assert len(proc.stderr.splitlines()) == 1
    assert "no images found" in proc.stderr
    assert "Traceback" not in proc.stderr
    for bad in (["--dataset", "../.."], ["--dataset", "nope"], ["--action", "x y"]):
        proc = cli(repo, "init", "--yes", *bad)
        assert proc.returncode == 1
        assert proc.stderr.startswith(f"imgeda-ci: error: {' '.join(bad)}: ")
        assert len(proc.stderr.splitlines()) == 1
    assert not (repo / "imgeda-ci.yml").exists()


def test_prompts_with_injected_input(capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(["", "n", "YES", "", "bogus", "new-only", "", "elsewhere"])

    def read(_: str) -> str:
        return next(answers)

    assert ask_yes("overwrite?", False, read) is False
    assert ask_yes("overwrite?", True, read) is False
    assert ask_yes("overwrite?", False, read) is True
    assert ask_yes("overwrite?", False, read) is False
    assert ask_choice("baseline", ("waivers", "new-only"), read) == "new-only"
    assert ask_text("folder", "data", read) == "data"
    assert ask_text("folder", "data", read) == "elsewhere"


def test_interactive_run_asks_folder_baseline_and_before_overwriting(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    (repo / "imgeda-ci.yml").write_text("version: 1\n")
    questions: list[str] = []
    answers = iter(["", "new-only", ""])  # folder: default; baseline; overwrite: default No

    def read(q: str) -> str:
        questions.append(q)
        return next(answers)

    args = argparse.Namespace(dataset=None, baseline=None, yes=False, force=False, action=None)
    assert run_init(args, read) == 0
    assert questions == [
        "dataset folder [data]: ",
        "today's findings (waivers/new-only) [waivers]: ",
        "imgeda-ci.yml exists: overwrite it? [y/N]: ",
    ]
    assert (repo / "imgeda-ci.yml").read_text() == "version: 1\n"
    assert "mode: new-only" not in (repo / "imgeda-ci.yml").read_text()
    assert (repo / ".github" / "workflows" / "imgeda-ci.yml").is_file()


def test_on_a_terminal_it_asks(repo: Path) -> None:
    """The real command on a pseudo-terminal: it prompts, and an existing file is kept on the
    default answer."""
    pty = pytest.importorskip("pty")
    (repo / "imgeda-ci.yml").write_text("version: 1\n")
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdin, stdout and stderr are the terminal
        os.chdir(repo)
        os.execve(sys.executable, [sys.executable, "-m", "imgeda_ci", "init"], ENV)
    seen = b""
    try:
        for answer in (b"dataset folder", b"today's findings", b"overwrite it?"):
            while answer not in seen:
                ready, _, _ = select.select([fd], [], [], 120)
                assert ready, f"no prompt {answer!r} after: {seen!r}"
                seen += os.read(fd, 4096)
            os.write(fd, b"\n")
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child has exited
                break
            if not chunk:
                break
            seen += chunk
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen.decode(errors="replace")
    assert b"imgeda-ci.yml: exists, left as it is" in seen
    assert (repo / "imgeda-ci.yml").read_text() == "version: 1\n"
    assert (repo / ".github" / "workflows" / "imgeda-ci.yml").is_file()
