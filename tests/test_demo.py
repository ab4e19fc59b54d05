"""The demo dataset: every planted problem is found by the check meant to find it."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgeda_ci import manifest
from imgeda_ci.cli import main
from imgeda_ci.demo.dataset import PLANTED, make_demo
from imgeda_ci.policy import default_policy
from imgeda_ci.run_result import build_result
from imgeda_ci.scan.api import scan_folder


def test_every_planted_problem_is_found(tmp_path: Path) -> None:
    make_demo(tmp_path / "ds")
    scan_folder(tmp_path / "ds", tmp_path / "m.jsonl", use_git=False)
    _, records = manifest.load(tmp_path / "m.jsonl")
    result = build_result(records, default_policy())
    found = {(f.check, p) for f in result.evaluation.findings for p in f.paths[:1]}
    for path, (check, what) in PLANTED.items():
        assert (check, path) in found, f"{path} ({what}) not flagged by {check}"
    assert not result.passed


@pytest.mark.slow
def test_demo_command_runs_the_main_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr()
    assert "FAIL" in out.out and "written:" in out.out
    for name in ("manifest.jsonl", "result.json", "report.html", "comment.md", "results.sarif"):
        assert (tmp_path / "demo" / name).is_file(), name
