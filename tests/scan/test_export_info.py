from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from imgeda_ci.cli import main
from imgeda_ci.scan.api import scan_folder
from tests.scan.test_pipeline import make_dataset


@pytest.fixture
def scanned(tmp_path: Path) -> Path:
    make_dataset(tmp_path / "ds", 6)
    (tmp_path / "ds" / "bad.jpg").write_bytes(b"nope")
    out = tmp_path / "m.jsonl"
    scan_folder(tmp_path / "ds", out)
    return out


def test_info(scanned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "-m", str(scanned)]) == 0
    out = capsys.readouterr().out
    assert "images: 7" in out and "not_an_image 1" in out


def test_export_csv_and_json(scanned: Path, tmp_path: Path) -> None:
    assert (
        main(["export", "-m", str(scanned), "--format", "csv", "-o", str(tmp_path / "a.csv")]) == 0
    )
    rows = list(csv.DictReader((tmp_path / "a.csv").open()))
    assert (
        len(rows) == 7 and rows[0]["path"] == "bad.jpg" and rows[0]["error_code"] == "not_an_image"
    )
    assert float(rows[1]["stats.sharpness"]) > 0
    assert (
        main(["export", "-m", str(scanned), "--format", "json", "-o", str(tmp_path / "a.json")])
        == 0
    )
    data = json.loads((tmp_path / "a.json").read_text())
    assert [r["path"] for r in data] == [r["path"] for r in rows]


def test_export_parquet(scanned: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "a.parquet"
    assert main(["export", "-m", str(scanned), "--format", "parquet", "-o", str(out)]) == 0
    table = pq.read_table(out)
    assert table.num_rows == 7
    assert table.column("width").to_pylist()[1] == 160
