"""action.yml and its shell logic (scripts/action.sh), run here with a fake GitHub environment:
GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are files in a temp dir, the repository is a real git
repository made in the test, a pull request is a merge commit (as actions/checkout checks out
refs/pull/N/merge), the API is a loopback server, and imgeda-ci is the installed one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from imgeda_ci.render.markdown import MARKER
from tests.builders import photo, save, truncated_jpeg, with_exif
from tests.conftest import REPO
from tests.integrations.fake_github import fake_github

pytestmark = pytest.mark.slow  # the Action's script end to end, in git repositories

SCRIPT = REPO / "scripts" / "action.sh"
BIN = Path(sys.executable).parent

if shutil.which("git") is None or shutil.which("bash") is None:
    pytest.skip("git and bash are needed", allow_module_level=True)


def tool(name: str) -> str:
    found = shutil.which(name) or (str(BIN / name) if (BIN / name).exists() else None)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install '.[test]')")
    return found


def test_action_yml_is_a_valid_action() -> None:
    proc = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions",
         str(REPO / "action.yml")], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflow_is_a_valid_workflow() -> None:
    proc = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         str(REPO / ".github" / "workflows" / "imgeda-ci.yml")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_finds_nothing() -> None:
    proc = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", str(REPO / "action.yml"),
         str(REPO / ".github" / "workflows" / "imgeda-ci.yml")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout


def test_inputs_reach_the_shell_only_through_env() -> None:
    import yaml

    action = yaml.safe_load((REPO / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step
            assert step["shell"] == "bash"
    names = [s.get("name") for s in action["runs"]["steps"]]
    assert names[-1] == "Verdict"  # the step fails last
    assert all(s.get("if", "").startswith("${{ always()") for s in action["runs"]["steps"][-3:])


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True, timeout=60).stdout.strip()  # fmt: skip


@pytest.fixture
def pr_repo(tmp_path: Path) -> tuple[Path, str]:
    """origin (bare) with main and feature; work = a clone with the PR's merge commit checked
    out. Returns (work, base sha)."""
    seed = tmp_path / "seed"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    for i in range(4):
        save(seed / "data" / f"photo_{i}.jpg", photo(i, (200, 150)))
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "dataset")
    base = git(seed, "rev-parse", "HEAD")
    git(seed, "checkout", "-qb", "feature")
    (seed / "data" / "broken.jpg").write_bytes(truncated_jpeg())
    (seed / "data" / "gps.jpg").write_bytes(with_exif(photo(9, (200, 150)), gps=(1.5, 2.5)))
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "add images")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", "-b", "main", f"file://{origin}", str(work))
    git(work, "merge", "-q", "--no-ff", "origin/feature", "-m", "Merge feature into main")
    return work, base


@pytest.fixture
def gh(tmp_path: Path) -> dict[str, str]:
    d = tmp_path / "gh"
    d.mkdir()
    (d / "output").write_text("")
    (d / "summary").write_text("")
    (d / "event.json").write_text(json.dumps({"pull_request": {"number": 3}}))
    venv = d / "imgeda-ci-venv" / "bin"  # what the install phase makes: here, the test's own
    venv.mkdir(parents=True)
    (venv / "imgeda-ci").symlink_to(tool("imgeda-ci"))
    (venv / "python").symlink_to(sys.executable)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "IMGEDA_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        GITHUB_OUTPUT=str(d / "output"),
        GITHUB_STEP_SUMMARY=str(d / "summary"),
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(d / "event.json"),
        GITHUB_REPOSITORY="octo/data",
        GITHUB_SERVER_URL="https://github.example",
        GITHUB_RUN_ID="42",
        GITHUB_ACTION_PATH=str(REPO),
        RUNNER_TEMP=str(d),
        IMGEDA_PATH="data",
    )
    return env


def action(phase: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), phase], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def outputs(env: dict[str, str]) -> dict[str, str]:
    lines = Path(env["GITHUB_OUTPUT"]).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def test_pull_request_run_reports_then_fails_last(
    pr_repo: tuple[Path, str], gh: dict[str, str]
) -> None:
    work, base = pr_repo
    run = action("run", work, gh)
    assert run.returncode == 0, run.stdout + run.stderr  # the run step never fails the job
    log = run.stdout + run.stderr
    assert f"comparing with base commit {base}" in run.stdout, log
    assert "::error file=data/broken.jpg,title=imgeda-ci%3A truncated::" in run.stdout, log
    out = outputs(gh)
    assert out["exit-code"] == "2" and out["passed"] == "false"
    assert out["introduced"] == "2" and out["failed"] == "1" and out["images"] == "6"
    for key in ("comment-path", "sarif-path", "junit-path"):
        assert Path(out[key]).is_file()
    summary = Path(gh["GITHUB_STEP_SUMMARY"]).read_text()
    assert "imgeda-ci: policy failed" in summary and "Introduced by this change (2)" in summary
    assert "https://github.example/octo/data/actions/runs/42" in summary
    assert Path(out["report-path"]).read_text(encoding="utf-8").lstrip().startswith("<!")

    with fake_github() as (url, state):
        env = {**gh, "GITHUB_API_URL": url, "GITHUB_TOKEN": "tok",
               "IMGEDA_COMMENT": out["comment-path"],
               "IMGEDA_REPORT_URL": "https://github.example/artifacts/7"}  # fmt: skip
        posted = action("comment", work, env)
        assert posted.returncode == 0, posted.stdout + posted.stderr
        state.mode = "readonly"  # a fork's pull request: a notice, still exit 0
        fork = action("comment", work, env)
    assert "created comment" in posted.stdout
    body = state.comments[3][0]["body"]
    assert body.startswith(MARKER) and "(https://github.example/artifacts/7)" in body
    assert fork.returncode == 0 and "::notice::" in fork.stdout

    finish = action("finish", work, {**gh, "IMGEDA_EXIT_CODE": out["exit-code"]})
    assert finish.returncode == 2
    assert finish.stdout.startswith("::error::imgeda-ci: the policy failed")


def test_finish_codes(tmp_path: Path, gh: dict[str, str]) -> None:
    assert action("finish", tmp_path, {**gh, "IMGEDA_EXIT_CODE": "0"}).returncode == 0
    crashed = action("finish", tmp_path, {**gh, "IMGEDA_EXIT_CODE": ""})
    assert crashed.returncode == 1 and "could not run" in crashed.stdout


def test_base_from_the_base_branch_of_a_shallow_clone(
    pr_repo: tuple[Path, str], gh: dict[str, str], tmp_path: Path
) -> None:
    _, base = pr_repo
    shallow = tmp_path / "shallow"
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--depth", "1", "-b", "feature", f"file://{origin}", str(shallow))
    run = action("run", shallow, {**gh, "GITHUB_BASE_REF": "main"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"comparing with base commit {base}" in run.stdout
    assert outputs(gh)["introduced"] == "2"


def test_push_without_base_and_inputs(
    pr_repo: tuple[Path, str], gh: dict[str, str], tmp_path: Path
) -> None:
    work, _ = pr_repo
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nchecks:\n  truncated: {severity: off}\n")
    env = {**gh, "GITHUB_EVENT_NAME": "push", "IMGEDA_POLICY": str(policy)}
    run = action("run", work, env)
    assert "comparing with base" not in run.stdout
    out = outputs(gh)
    assert out["exit-code"] == "0" and out["introduced"] == ""  # no base on a push
    (Path(gh["GITHUB_OUTPUT"])).write_text("")
    strict = action("run", work, {**env, "IMGEDA_FAIL_ON_WARNINGS": "true"})
    assert "--strict" in strict.stdout
    assert outputs(gh)["exit-code"] == "2"  # the GPS warning fails under strict


def test_extra_args_are_words_not_globs_or_code(
    pr_repo: tuple[Path, str], gh: dict[str, str]
) -> None:
    work, _ = pr_repo
    (work / "broken.zzz").write_text("")  # a glob expanded in the work dir would match this
    words = "--exclude broken.*  --exclude $(touch${IFS}pwned)"
    run = action("run", work, {**gh, "GITHUB_EVENT_NAME": "push", "IMGEDA_ARGS": words})
    assert "--exclude broken.* --exclude $(touch${IFS}pwned)" in run.stdout
    assert not (work / "pwned").exists()
    assert outputs(gh)["exit-code"] == "0", run.stdout + run.stderr


def test_cache_key(gh: dict[str, str], tmp_path: Path) -> None:
    r = action("cache-key", tmp_path, {**gh, "PYTHON_VERSION": "3.11", "RUNNER_OS": "Linux"})
    assert r.returncode == 0
    out = outputs(gh)
    assert out["key"].startswith("imgeda-ci-pip-Linux-py3.11-") and len(out["key"]) > 30
    assert out["restore-key"] == "imgeda-ci-pip-Linux-py3.11-"


def test_install_uses_a_venv_of_its_own_not_the_callers_python(
    gh: dict[str, str], tmp_path: Path
) -> None:
    """The caller's Python only makes the Action's virtual environment (under RUNNER_TEMP);
    pip runs with the environment's own Python, inside a collapsible log group."""
    log = tmp_path / "calls.log"
    caller = tmp_path / "caller-python"
    caller.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "caller $*" >> "{log}"\n'
        'if [ "$1 $2" = "-m venv" ]; then\n'
        '  mkdir -p "$3/bin"\n'
        f'  printf \'#!/usr/bin/env bash\\necho "venv $*" >> "{log}"\\n\' > "$3/bin/python"\n'
        f'  printf \'#!/usr/bin/env bash\\necho "imgeda-ci $*" >> "{log}"\\n\' \\\n'
        '    > "$3/bin/imgeda-ci"\n'
        '  chmod +x "$3/bin/python" "$3/bin/imgeda-ci"\n'
        "fi\n"
    )
    caller.chmod(0o755)
    runner = tmp_path / "runner"
    runner.mkdir()
    env = {**gh, "IMGEDA_PYTHON": str(caller), "RUNNER_TEMP": str(runner)}
    r = action("install", tmp_path, env)
    assert r.returncode == 0, r.stderr
    venv = runner / "imgeda-ci-venv"
    assert log.read_text().splitlines() == [
        f"caller -m venv {venv}",
        f"venv -m pip install --disable-pip-version-check --quiet {REPO}",
        "imgeda-ci --version",
    ]
    lines = r.stdout.splitlines()
    assert lines[0] == f"::group::Install imgeda-ci into {venv}" and lines[-1] == "::endgroup::"


def test_setup_python_leaves_the_callers_environment_alone() -> None:
    import yaml

    steps = yaml.safe_load((REPO / "action.yml").read_text())["runs"]["steps"]
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python"))
    assert setup["with"]["update-environment"] is False
    install = next(s for s in steps if s.get("name") == "Install imgeda-ci")
    assert install["env"]["IMGEDA_PYTHON"] == "${{ steps.python.outputs.python-path }}"
