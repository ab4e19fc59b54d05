"""The diff of two manifests: renames by content, modifications by path, shift statistics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from imgeda_ci.cli import main
from imgeda_ci.diff import diff
from imgeda_ci.model import ImageRecord
from imgeda_ci.shift import ks_distance, psi


def rec(path: str, sha: str, luma: float = 100.0, **kw: object) -> ImageRecord:
    r: dict[str, object] = {
        "path": path, "sha256": sha, "size": 1000, "width": 640, "height": 480,
        "pixels": 640 * 480, "error": None, "stats": {"luma_mean": luma, "sharpness": 50.0},
    }  # fmt: skip
    r.update(kw)
    return r  # type: ignore[return-value]


def test_kinds_of_change() -> None:
    base = [rec("a.jpg", "1"), rec("b.jpg", "2"), rec("c.jpg", "3"), rec("d.jpg", "4")]
    head = [
        rec("a.jpg", "1"),  # unchanged
        rec("b.jpg", "20"),  # modified
        rec("moved/c.jpg", "3"),  # renamed
        rec("copy/c.jpg", "3"),  # a second copy of moved content: added
        rec("e.jpg", "5"),  # added
    ]  # d.jpg removed
    d = diff(base, head)
    assert d.unchanged == 1
    assert d.modified == ["b.jpg"]
    assert d.renamed == [("c.jpg", "copy/c.jpg")]
    assert d.added == ["e.jpg", "moved/c.jpg"]
    assert d.removed == ["d.jpg"]
    assert d.changed_paths == {"b.jpg", "e.jpg", "moved/c.jpg"}


def test_totals_per_split_and_error() -> None:
    base = [rec("train/a.jpg", "1", split="train"), rec("test/b.jpg", "2", split="test")]
    bad = rec("train/c.jpg", "3", split="train", error={"code": "truncated", "message": ""})
    head = [*base, bad]
    d = diff(base, head)
    assert d.totals["split"]["train"] == {"base": 1, "head": 2, "delta": 1}
    assert d.totals["errors"]["truncated"]["delta"] == 1


def test_ks_and_psi() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, 2000)
    assert ks_distance(a, a) == 0
    assert ks_distance(a, a + 100) == 1
    assert psi(a, rng.normal(0, 1, 2000)) < 0.05
    assert psi(a, rng.normal(1.5, 1, 2000)) > 0.25
    base = [rec(f"{i}.jpg", str(i), luma=float(v)) for i, v in enumerate(rng.normal(120, 10, 200))]
    dark = [rec(f"{i}.jpg", str(i), luma=float(v)) for i, v in enumerate(rng.normal(60, 10, 200))]
    s = diff(base, dark).shift["brightness"]
    assert s.level == "major" and s.ks is not None and s.ks > 0.9
    assert s.base_median == pytest.approx(120, abs=3) and s.head_median == pytest.approx(60, abs=3)


def test_diff_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from imgeda_ci import manifest

    manifest.write(tmp_path / "old.jsonl", None, [rec("a.jpg", "1"), rec("b.jpg", "2")])
    manifest.write(tmp_path / "new.jsonl", None, [rec("a.jpg", "1"), rec("x/b.jpg", "2")])
    out = tmp_path / "d.json"
    assert main(["diff", "--old", str(tmp_path / "old.jsonl"), "--new",
                 str(tmp_path / "new.jsonl"), "--out", str(out)]) == 0  # fmt: skip
    assert "renamed 1" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["renamed"] == [{"from": "b.jpg", "to": "x/b.jpg"}]
    assert data["summary"]["unchanged"] == 1


def test_shift_columns_read_plain_numbers_and_nothing_else() -> None:
    """The diff reads each metric as a numpy column; a value that is not a plain number (a
    string, a stored NaN, a numpy scalar, an int float64 cannot hold) is missing, as are pixel
    counts, sides and file sizes of 0 and negative file sizes."""
    import numpy as np

    from imgeda_ci.columns import Columns
    from imgeda_ci.shift import METRICS, metric_columns

    nan = float("nan")
    recs: list[dict[str, object]] = [
        {"path": "a", "pixels": 100, "width": 10, "height": 10, "size": 5, "stats": {}},
        {"path": "b", "pixels": 0, "width": 0, "height": 3, "size": 0, "stats": None},
        {"path": "c", "pixels": True, "width": True, "height": 2, "size": -1},
        {"path": "d", "pixels": 7.5, "width": 3.0, "height": 7, "size": 2**60},
        {"path": "e", "stats": {"luma_mean": float("nan"), "sharpness": float("inf")}},
        {"path": "f", "stats": {"luma_mean": True, "sharpness": 3, "luma_std": "x"}},
        {"path": "g", "pixels": "12", "size": 3.5, "stats": {"luma_mean": np.float64(4)}},
        {"path": "h", "width": 2**54 + 1, "height": 3},
    ]
    want = {
        "brightness": [nan, nan, nan, nan, nan, 1.0, nan, nan],
        "sharpness": [nan, nan, nan, nan, float("inf"), 3.0, nan, nan],
        "contrast": [nan] * 8,
        "pixels": [100.0, nan, 1.0, 7.5, nan, nan, nan, nan],
        "aspect_ratio": [1.0, nan, 0.5, 3 / 7, nan, nan, nan, nan],
        "file_size": [5.0, nan, nan, nan, nan, nan, 3.5, nan],
    }
    cols = metric_columns(Columns(recs))  # type: ignore[arg-type]
    assert set(cols) == set(METRICS) == set(want)
    for name, values in want.items():
        np.testing.assert_array_equal(cols[name], np.array(values), err_msg=name)


def _plain(side: object) -> tuple[list[object], list[object], dict[str, dict[str, int]]]:
    from imgeda_ci.diff import Side

    assert isinstance(side, Side)
    counts = {g: {k: v for k, v in c.items() if v} for g, c in side.counts.items()}
    return list(side.paths), list(side.shas), counts


def test_head_side_from_the_base_side_equals_reading_the_head() -> None:
    from imgeda_ci.diff import side_from, side_of

    rng = np.random.default_rng(3)
    splits, classes = ("train", "test", None), (["cat"], ["dog"], ["cat", "dog"], None)
    base = []
    for i in range(300):
        extra: dict[str, object] = {"split": splits[i % 3], "format": ("JPEG", "PNG")[i % 2]}
        if classes[i % 4] is not None:
            extra["labels"] = {"format": "classification", "classes": classes[i % 4], "n": 1}
        if i % 50 == 7:
            extra["error"] = {"code": "truncated", "message": ""}
        base.append(rec(f"{i}.jpg", f"s{i}", luma=float(rng.normal(120, 20)), **extra))
    keep = [r for i, r in enumerate(base) if i % 17]  # the same objects, some dropped
    new = [
        rec(f"new/{i}.jpg", f"n{i}", luma=float(rng.normal(60, 5)), split="val", format="WEBP")
        for i in range(20)
    ]
    new.append(rec("odd.jpg", "odd", luma=float("nan"), size=np.int64(5)))  # read one by one
    head = sorted([*keep, *new], key=lambda r: str(r["path"]))
    direct, derived = side_of(head), side_from(side_of(base), base, head)
    assert _plain(derived) == _plain(direct)
    for name, values in direct.metrics.items():
        assert np.array_equal(np.sort(derived.metrics[name]), np.sort(values), equal_nan=True)
    assert diff(base, head).to_json() == diff(base, head, base_side=side_of(base)).to_json()
    # a head that shares no objects with the base is read as it is
    copies = [dict(r) for r in head]
    assert _plain(side_from(side_of(base), base, copies)) == _plain(side_of(copies))


def test_positions_of_the_same_objects() -> None:
    from imgeda_ci.diff import _positions

    base: list[ImageRecord] = [{"path": str(i)} for i in range(5)]
    head: list[ImageRecord] = [base[3], {"path": "3"}, base[0], base[4]]  # an equal copy is not it
    assert _positions(head, base).tolist() == [3, -1, 0, 4]
    assert _positions(head, []).tolist() == [-1, -1, -1, -1]
    assert _positions([], base).tolist() == []


@pytest.mark.parametrize("paths", ["distinct", "a path twice"])
def test_shared_records_skip_the_path_comparison_without_changing_the_answer(paths: str) -> None:
    """Records the head shares with the base (the same objects) are counted unchanged without
    being compared path by path; the answer is the one for copies that share nothing: renames,
    modifications, a shared record without a content hash (modified) and, when a path repeats
    on a side, the path-by-path rule for all."""
    base = [rec(f"{i:03d}.jpg", f"s{i}") for i in range(60)]
    base[5]["sha256"] = None  # no content hash: never "unchanged"
    if paths == "a path twice":
        base.append(rec("010.jpg", "again"))
    head = [r for i, r in enumerate(base) if i not in (3, 4, 7)]  # 3 removed, 4 and 7 moved
    head += [
        rec("moved/004.jpg", "s4"),
        rec("moved/007.jpg", "s7"),
        rec("009.jpg", "changed"),  # modified (the shared 009 is dropped below)
        rec("new.jpg", "n1"),
    ]
    head = sorted((r for r in head if r is not base[9]), key=lambda r: str(r["path"]))
    shared = diff(base, head).to_json()
    apart = diff([dict(r) for r in base], [dict(r) for r in head]).to_json()  # type: ignore[misc]
    assert shared == apart
    assert shared["summary"]["renamed"] == 2 and shared["modified"] == ["005.jpg", "009.jpg"]
