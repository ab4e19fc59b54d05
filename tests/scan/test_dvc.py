"""DVC-tracked folders: ``*.dvc`` files and the ``.dvc/`` folder are neither images nor stray
files; data tracked by DVC but not pulled is a one-line warning naming ``dvc pull``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imgeda_ci.cli import main
from tests.builders import photo, save

DVC_FILE = (
    "outs:\n- md5: 0f1e2d3c4b5a69788796a5b4c3d2e1f0.dir\n  size: 1234\n  nfiles: 2\n  path: {}\n"
)


def dvc_dataset(root: Path) -> Path:
    """data/: 2 images in train/ (tracked by train.dvc, pulled), DVC's .dvc/ folder with a
    cached image (no extension, as DVC stores it), and a stray weights.bin."""
    data = root / "data"
    save(data / "train" / "a.jpg", photo(1, (64, 48)))
    save(data / "train" / "b.jpg", photo(2, (64, 48)))
    (data / "train.dvc").write_text(DVC_FILE.format("train"))
    (data / ".dvc" / "cache" / "files" / "md5" / "ab").mkdir(parents=True)
    (data / ".dvc" / "config").write_text("[core]\n    remote = storage\n")
    cached = data / ".dvc" / "cache" / "files" / "md5" / "ab" / "cdef0123456789"
    cached.write_bytes((data / "train" / "a.jpg").read_bytes())
    (data / ".dvcignore").write_text("# DVC ignore\n")
    (data / "weights.bin").write_bytes(b"\0" * 64)
    return data


def scan_and_check(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[str, list[dict]]:  # type: ignore[type-arg]
    """(scan's stderr, check findings with info) of the folder."""
    out = tmp_path / "m.jsonl"
    capsys.readouterr()
    assert main(["scan", str(data), "-o", str(out), "--no-git"]) == 0
    err = capsys.readouterr().err
    assert main(["check", "-m", str(out), "--json", "--include-info"]) == 0
    return err, json.loads(capsys.readouterr().out)["findings"]


def test_dvc_files_and_folder_are_not_images_nor_stray(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err, findings = scan_and_check(dvc_dataset(tmp_path), tmp_path, capsys)
    assert "scanned 2 images" in err and "warning" not in err
    strays = [f["path"] for f in findings if f["check"] == "dataset_stray_file"]
    assert strays == ["weights.bin"]


def test_a_dvc_output_not_pulled_is_one_warning_naming_dvc_pull(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = dvc_dataset(tmp_path)
    (data / "val.dvc").write_text(DVC_FILE.format("val"))  # val/ not pulled
    err, _ = scan_and_check(data, tmp_path, capsys)
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert warnings == [
        "imgeda-ci: warning: val.dvc: DVC tracks 'val' but it is not here, so it is not "
        "scanned; fetch it with `dvc pull` (in CI, before imgeda-ci)"
    ]


def test_a_dataset_folder_tracked_by_dvc_and_not_pulled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data.dvc").write_text(DVC_FILE.format("data"))
    code = main(["scan", str(tmp_path / "data"), "-o", str(tmp_path / "m.jsonl")])
    err = capsys.readouterr().err
    assert code == 1
    assert err == (
        f"imgeda-ci: error: {tmp_path / 'data'}: no such folder; it is tracked by DVC "
        "(data.dvc): fetch it with `dvc pull` first\n"
    )
