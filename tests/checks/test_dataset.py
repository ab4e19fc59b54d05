from __future__ import annotations

from imgeda_ci.checks.registry import DatasetContext, get
from imgeda_ci.model import ImageRecord


def recs(n: int, **fields: object) -> list[ImageRecord]:
    return [{"path": f"i{i:03d}.jpg", **fields} for i in range(n)]  # type: ignore[misc]


def test_min_images_total_boundary() -> None:
    check = get("min_images_total")
    assert check.run(DatasetContext(recs(100)), 100) == []  # type: ignore[arg-type]
    (f,) = check.run(DatasetContext(recs(99)), 100)  # type: ignore[arg-type]
    assert f.paths == () and f.value == 99
    (f,) = check.run(DatasetContext([]))  # type: ignore[arg-type]  # default 1: empty fails
    assert f.value == 0


def test_resolution_outliers_iqr() -> None:
    rows: list[ImageRecord] = [
        {"path": f"p{i}.jpg", "width": 640 + i, "height": 480, "size": 50_000 + i * 100}
        for i in range(40)
    ]
    rows.append({"path": "tiny.jpg", "width": 32, "height": 24, "size": 800})
    rows.append({"path": "big.jpg", "width": 1280, "height": 960, "size": 100_000})
    rows.append({"path": "near.jpg", "width": 900, "height": 600, "size": 60_000})
    check = get("resolution_outlier")
    found = {f.paths[0] for f in check.run(DatasetContext(rows))}  # type: ignore[arg-type]
    # 4x the pixels is beyond the factor-2 floor around the quartiles; 1.76x is not
    assert found == {"tiny.jpg", "big.jpg"}
    sizes = {f.paths[0] for f in get("file_size_outlier").run(DatasetContext(rows))}  # type: ignore[arg-type]
    assert sizes == {"tiny.jpg"}
    assert get("resolution_outlier").run(DatasetContext(rows[:10])) == []  # type: ignore[arg-type]
