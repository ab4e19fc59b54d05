"""``-`` as an output file means standard output, for every command that writes one; the
command's lines for people then go to standard error, and two outputs cannot share stdout."""

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


def _dataset(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        (data / f"p{i}.jpg").write_bytes(encode(photo(i, (96, 64)), "JPEG"))
    return data


def test_ci_json_out_dash_is_the_result_on_stdout(tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    proc = _cli("ci", str(data), "-q", "--no-git", "--manifest-out", "m.jsonl",
                "--json-out", "-", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)  # nothing else on stdout
    assert result["verdict"]["passed"] is True
    assert not (tmp_path / "-").exists()
    assert "scanned 3 images" in proc.stderr


def test_two_outputs_on_stdout_are_refused_in_one_line(tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    proc = _cli("ci", str(data), "-q", "--no-git", "--json-out", "-", "--sarif-out", "-",
                cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].endswith(
        "--sarif-out and --json-out would all write to standard output: give all but one a file"
    ) or lines[-1].endswith(
        "--json-out and --sarif-out would all write to standard output: give all but one a file"
    )
    assert "Traceback" not in proc.stderr


def test_diff_out_dash_is_the_diff_on_stdout(tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    assert _cli("scan", str(data), "-o", "old.jsonl", "-q", cwd=tmp_path).returncode == 0
    (data / "p0.jpg").unlink()
    assert _cli("scan", str(data), "-o", "new.jsonl", "-q", cwd=tmp_path).returncode == 0
    proc = _cli("diff", "--old", "old.jsonl", "--new", "new.jsonl", "--out", "-", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["removed"] == 1
    assert "removed 1" in proc.stderr


def test_an_empty_dataset_says_0_images_and_why_it_fails(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    proc = _cli("ci", "data", "-q", "--no-git", "--manifest-out", "m.jsonl",
                "--comment-out", "c.md", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 2
    assert "scanned 0 images" in proc.stderr
    row = next(line for line in proc.stdout.splitlines() if "min_images_total" in line)
    assert row.split() == ["FAIL", "min_images_total", "error", "1", "1", "<=", "0", "0",
                           "images", "<", "1", "required"]  # fmt: skip
    comment = (tmp_path / "c.md").read_text()
    assert "**0 images**" in comment
    assert "| `min_images_total` | error | 1 | &lt;\\= 0 | 0 images &lt; 1 required |" in comment


@pytest.mark.parametrize(
    ("command", "key"),
    [
        (["gate", "-m", "m.jsonl"], "passed"),
        (["check", "-m", "m.jsonl"], "findings"),
        (["info", "-m", "m.jsonl"], "images"),
        (["diff", "--old", "m.jsonl", "--new", "m.jsonl"], "summary"),
    ],
)
def test_every_command_takes_json_out_file_or_dash(
    tmp_path: Path, command: list[str], key: str
) -> None:
    data = _dataset(tmp_path)
    assert _cli("scan", str(data), "-o", "m.jsonl", "-q", cwd=tmp_path).returncode == 0
    to_file = _cli(*command, "--json-out", "out.json", cwd=tmp_path)
    assert to_file.returncode == 0, to_file.stderr
    assert key in json.loads((tmp_path / "out.json").read_text())
    assert to_file.stdout.strip()  # the lines for people stay on stdout
    to_stdout = _cli(*command, "--json-out", "-", cwd=tmp_path)
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert json.loads(to_stdout.stdout) == json.loads((tmp_path / "out.json").read_text())


def test_the_old_spellings_still_work(tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    assert _cli("scan", str(data), "-o", "m.jsonl", "-q", cwd=tmp_path).returncode == 0
    assert json.loads(_cli("gate", "-m", "m.jsonl", "--json", "-", cwd=tmp_path).stdout)
    assert json.loads(_cli("check", "-m", "m.jsonl", "--json", cwd=tmp_path).stdout)
    d = _cli("diff", "--old", "m.jsonl", "--new", "m.jsonl", "--out", "-", cwd=tmp_path)
    assert json.loads(d.stdout)["summary"]["unchanged"] == 3
