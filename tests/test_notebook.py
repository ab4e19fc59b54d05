"""The Python API for notebooks (imgeda_ci.inspect), on a folder made here."""

from __future__ import annotations

from pathlib import Path

import pytest

import imgeda_ci
from tests.builders import dark, encode, photo


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        (data / f"good{i}.jpg").write_bytes(encode(photo(i, (160, 120)), "JPEG"))
    (data / "dark.jpg").write_bytes(encode(dark(7, (160, 120)), "JPEG"))
    (data / "broken.jpg").write_bytes(encode(photo(8, (160, 120)), "JPEG")[:300])
    return data


def test_inspect_finds_the_problems_as_lists(folder: Path) -> None:
    found = imgeda_ci.inspect(folder, workers=1)
    assert found.manifest == folder / ".imgeda-ci" / "manifest.jsonl"
    assert found.manifest.exists()
    rows = found.findings(as_frame=False)
    flagged = {(r["check"], r["path"]) for r in rows}
    assert ("dark", "dark.jpg") in flagged
    assert ("truncated", "broken.jpg") in flagged
    assert not any(path.startswith("good") for _, path in flagged)
    assert found.verdict.passed is False  # a truncated image is an error
    images = {r["path"]: r for r in found.images(as_frame=False)}
    assert set(images) == {"good0.jpg", "good1.jpg", "good2.jpg", "dark.jpg", "broken.jpg"}
    assert images["dark.jpg"]["dark"] is True and images["good0.jpg"]["dark"] is False
    assert images["good0.jpg"]["width"] == 160 and isinstance(images["good0.jpg"]["width"], int)
    assert images["broken.jpg"]["stats.luma_mean"] is None  # not measured: missing
    assert 0.0 < images["good0.jpg"]["quality"] <= 1.0
    assert found.counts()["dark"] == 1


def test_a_second_inspection_reuses_the_manifest(folder: Path) -> None:
    first = imgeda_ci.inspect(folder, workers=1)
    stamp = first.manifest.stat().st_mtime_ns
    again = imgeda_ci.inspect(folder, workers=1)
    assert again.findings(as_frame=False) == first.findings(as_frame=False)
    assert again.manifest.stat().st_mtime_ns >= stamp


def test_frames_when_pandas_is_installed(folder: Path) -> None:
    pd = pytest.importorskip("pandas")
    found = imgeda_ci.inspect(folder, workers=1)
    images = found.images()
    assert isinstance(images, pd.DataFrame)
    assert images.set_index("path").loc["dark.jpg", "dark"]
    findings = found.findings()
    assert isinstance(findings, pd.DataFrame)
    assert set(findings["check"]) >= {"dark", "truncated"}


def test_a_bad_policy_is_a_clear_error(folder: Path, tmp_path: Path) -> None:
    from imgeda_ci.policy import PolicyError

    bad = tmp_path / "p.yml"
    bad.write_text("max_blury_pct: 3\n")
    with pytest.raises(PolicyError, match="max_blurry_pct"):
        imgeda_ci.inspect(folder, policy=bad)
