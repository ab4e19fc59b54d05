"""Duplicate boxes in bounded memory: the same pairs as comparing every pair, and a label file
with hundreds of thousands of boxes judged in seconds."""

from __future__ import annotations

import resource

import numpy as np
import pytest

from imgeda_ci.checks._box_pairs import first_duplicates, iou_rows
from tests.checks.test_annotation_boxes import rec, run


def _every_pair(boxes: np.ndarray, limit: float) -> list[tuple[int, int, float]]:
    """The oracle: the full IoU matrix, the first earlier match of each box."""
    iou = iou_rows(boxes, boxes)
    out, seen = [], set()
    for i, j in zip(*np.nonzero(np.triu(iou >= limit, k=1)), strict=True):
        if int(j) not in seen:
            seen.add(int(j))
            out.append((int(i), int(j), float(iou[i, j])))
    return out


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("limit", [0.0, 0.5, 0.95, 1.0])
def test_the_same_pairs_as_every_pair(seed: int, limit: float) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 600))
    xy = rng.integers(0, 20, (n, 2)).astype(float)
    wh = rng.integers(0, 6, (n, 2)).astype(float)
    boxes = np.hstack([xy, xy + wh])
    copies = rng.integers(0, n, n // 3)
    boxes[rng.integers(0, n, n // 3)] = boxes[copies]  # exact copies, some of zero area
    assert first_duplicates(boxes, limit) == _every_pair(boxes, limit)


def test_a_file_of_200000_boxes_is_judged_in_bounded_time_and_memory() -> None:
    """200,000 lines: one box repeated, and 6,000 distinct boxes (past MAX_DISTINCT)."""
    rows = [[0, 0.1, 0.1, 0.5, 0.5, k + 1, 0] for k in range(194_000)]
    rows += [[0, k / 1e4, 0.2, k / 1e4 + 0.3, 0.6, 194_001 + k, 0] for k in range(6_000)]
    before = resource.getrusage(resource.RUSAGE_SELF)
    found = run("label_box_duplicate", [rec(rows)])
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert len(found) > 194_000 - 1
    assert found[0].data["line"] == 2 and found[0].data["duplicate_of"] == 1
    assert after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime < 20
    assert (after.ru_maxrss - before.ru_maxrss) * 1024 < 1 << 30  # peak grew < 1 GiB
