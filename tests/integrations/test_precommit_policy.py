"""The per-file hook, like every command, takes the policy at the repository root without -p."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from imgeda_ci.cli import main
from tests.builders import photo, save


def test_the_hook_reads_the_policy_at_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    save(Path("data") / "small.jpg", photo(1, (120, 90)))
    assert main(["precommit", "data/small.jpg"]) == 0  # the defaults: 120 px is fine
    capsys.readouterr()
    Path("imgeda-ci.yml").write_text("checks:\n  too_small: {threshold: 200, severity: error}\n")
    assert main(["precommit", "data/small.jpg"]) == 1
    out = capsys.readouterr()
    assert "too_small" in out.out + out.err
