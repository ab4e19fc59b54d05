"""Without ``-p``, the policy is found at the repository root: ``imgeda-ci.yml``, then
``.imgeda-ci.yml``, then ``[tool.imgeda-ci]`` in ``pyproject.toml``; the command says which."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import encode, photo


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imgeda_ci", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with a dataset of three small photos in data/."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        (data / f"p{i}.jpg").write_bytes(encode(photo(i, (96, 64)), "JPEG"))
    return tmp_path


def _ci(repo: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return _cli("ci", str(repo / "data"), "-q", "--no-git", "--manifest-out",
                str(repo / "m.jsonl"), "--json-out", str(repo / "r.json"), cwd=cwd)  # fmt: skip


def _min_images(repo: Path) -> float | None:
    result = json.loads((repo / "r.json").read_text())
    rows = [r for r in result["verdict"]["results"] if r["name"] == "min_images_total"]
    return rows[0]["threshold"] if rows else None


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("imgeda-ci.yml", "min_images_total: 10\n"),
        (".imgeda-ci.yml", "min_images_total: 10\n"),
        ("pyproject.toml", '[project]\nname = "x"\n\n[tool.imgeda-ci]\nmin_images_total = 10\n'),
    ],
)
def test_the_policy_at_the_root_is_used_and_named(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, name: str, text: str
) -> None:
    (repo / name).write_text(text)
    elsewhere = tmp_path_factory.mktemp("cwd")  # found from the dataset, not the cwd
    proc = _ci(repo, elsewhere)
    assert proc.returncode == 2, proc.stderr  # 3 images < 10
    assert _min_images(repo) == 10
    said = proc.stderr.splitlines()[0]
    where = f"[tool.imgeda-ci] in {repo / name}" if name == "pyproject.toml" else str(repo / name)
    assert said == f"imgeda-ci: policy: {where} (found at the repository root)"


def test_the_first_name_wins_and_p_beats_them_all(repo: Path) -> None:
    (repo / "imgeda-ci.yml").write_text("min_images_total: 10\n")
    (repo / ".imgeda-ci.yml").write_text("min_images_total: 20\n")
    assert _ci(repo, repo).returncode == 2
    assert _min_images(repo) == 10
    (repo / "p.yml").write_text("min_images_total: 2\n")
    proc = _cli("ci", "data", "-q", "--no-git", "-p", "p.yml", "--manifest-out", "m.jsonl",
                "--json-out", "r.json", cwd=repo)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert _min_images(repo) == 2


def test_nothing_found_says_the_defaults_apply(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no [tool.imgeda-ci]
    proc = _ci(repo, repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0].endswith("the built-in defaults apply")


def test_a_bad_table_is_one_line_naming_the_file(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[tool.imgeda-ci]\nmin_images_totl = 10\n")
    proc = _ci(repo, repo)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert f"{repo / 'pyproject.toml'} [tool.imgeda-ci]" in last
    assert "min_images_total" in last  # the closest valid key
    assert "Traceback" not in proc.stderr


def test_gate_finds_it_from_the_manifest(repo: Path) -> None:
    assert _cli("scan", "data", "-o", "m.jsonl", "-q", cwd=repo).returncode == 0
    (repo / "imgeda-ci.yml").write_text("min_images_total: 10\n")
    proc = _cli("gate", "-m", str(repo / "m.jsonl"), "--json", "-", cwd=repo.parent)
    assert proc.returncode == 2, proc.stderr
    assert "imgeda-ci: policy:" in proc.stderr
