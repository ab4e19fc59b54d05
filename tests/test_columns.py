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
    assert list(cols.present("size")) == ["size" in r for r in records]
    assert bool(cols.fallback[11]) is (damage == "odd_parent")
