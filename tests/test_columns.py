"""Columns read every record's values, by the fast path (every record has every key) and the
careful one (a key missing, a parent that is not a mapping) alike."""

from __future__ import annotations

from typing import Any

import pytest

from imgeda_ci.columns import Columns


def _rec(k: int) -> dict[str, Any]:
    return {"path": f"{k}.jpg", "size": k, "stats": {"luma_mean": k / 2, "luma_p": {"p1": k}}}


def _expected(records: list[dict[str, Any]], key: str) -> list[Any]:
    out = []
    for r in records:
        v: Any = r
        for part in key.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        out.append(v)
    return out


@pytest.mark.parametrize("damage", ["none", "missing_top", "missing_nested", "odd_parent"])
def test_raw_values_match_per_record_reads(damage: str) -> None:
    records = [_rec(k) for k in range(50)]
    if damage == "missing_top":
        del records[7]["size"]
    elif damage == "missing_nested":
        del records[9]["stats"]["luma_p"]
    elif damage == "odd_parent":
        records[11]["stats"] = [1, 2]
    cols = Columns(records)
    keys = ["path", "size", "stats.luma_mean", "stats.luma_p.p1", "stats.nothing"]
    cols.prefetch(keys)
    for key in keys:
        assert list(cols.raw(key)) == _expected(records, key), key
    assert [v is not None for v in cols.raw("size")] == ["size" in r for r in records]


def test_measurements_of_the_wrong_shape_are_missing() -> None:
    """The one rule (imgeda_ci.measurements): a value of another type, a stored NaN, an int
    float64 cannot hold, a parent that is not a mapping, or a decoded measurement of a record
    with an error is missing (NaN / None); bools read as 1.0 / 0.0."""
    nan = float("nan")
    records: list[dict[str, Any]] = [
        {"width": 40, "stats": {"luma_std": 3, "border": {"top": [5.0, 1.0]}}, "mode": "RGB"},
        {"width": "40", "stats": {"luma_std": "3", "border": {"top": []}}, "mode": 5},
        {"width": True, "stats": {"luma_std": nan, "border": None}},
        {"width": 2**60, "stats": ["x"]},
        {"width": 7.5, "error": {"code": "truncated"}, "stats": {"luma_std": 9.0}},
        {"exif": {"gps": True}, "ext_mismatch": False},
        {"exif": {"gps": 1}, "ext_mismatch": "yes"},
    ]
    cols = Columns(records)
    got = cols.measure("width").tolist()
    assert got[0] == 40 and got[4] == 7.5 and all(v != v for v in got[1:4] + got[5:])
    std = cols.measure("stats.luma_std").tolist()
    assert std[0] == 3.0 and all(v != v for v in std[1:])  # the error hides the last one
    top = cols.measure("stats.border.top[0]").tolist()
    assert top[0] == 5.0 and all(v != v for v in top[1:])
    gps = cols.measure("exif.gps").tolist()
    assert gps[5] == 1.0 and gps[6] != gps[6]
    mismatch = cols.measure("ext_mismatch").tolist()
    assert mismatch[5] == 0.0 and mismatch[6] != mismatch[6]
    assert cols.text("mode") == ["RGB", None, None, None, None, None, None]
    with pytest.raises(KeyError, match="not a declared measurement"):
        cols.measure("stats.nothing")
