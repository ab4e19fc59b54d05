"""Which boxes of one class in one image duplicate an earlier box (IoU at or above a limit), in
memory that stays bounded however many boxes a label file holds.

Identical boxes are grouped first (``np.unique``: a file repeating one line 200,000 times is
200,000 duplicates of its first line, found in O(n log n)); the IoU of the distinct boxes is
computed a block of rows at a time, never as one n x n matrix. At most
:data:`MAX_DISTINCT` distinct boxes (the first ones) are compared with each other; boxes past
that are still matched to identical earlier ones. No real dataset comes near it (SKU-110K, the
densest box dataset we know, has under 1,000 boxes per image); a file past it is hostile or
broken, and comparing all its pairs would take hours.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Boxes = np.ndarray[Any, np.dtype[np.float64]]
#: Most distinct boxes of one class in one image compared pairwise (see the module doc).
MAX_DISTINCT = 5_000
#: Rows of the IoU matrix computed at a time (a block is ROWS x distinct boxes).
ROWS = 256


def iou_rows(rows: Boxes, boxes: Boxes) -> np.ndarray[Any, Any]:
    """IoU of each box in ``rows`` with each box in ``boxes`` (identical boxes, even of zero
    area, have IoU 1)."""
    ax1, ay1, ax2, ay2 = (rows[:, k, None] for k in range(4))
    bx1, by1, bx2, by2 = boxes.T
    area_a = np.clip(ax2 - ax1, 0, None) * np.clip(ay2 - ay1, 0, None)
    area_b = np.clip(bx2 - bx1, 0, None) * np.clip(by2 - by1, 0, None)
    iw = np.clip(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0, None)
    ih = np.clip(np.minimum(ay2, by2) - np.maximum(ay1, by1), 0, None)
    inter = iw * ih
    union = area_a + area_b - inter
    same = np.all(rows[:, None, :] == boxes[None, :, :], axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    return np.where(same, 1.0, iou)


def first_duplicates(boxes: Boxes, limit: float) -> list[tuple[int, int, float]]:
    """``(i, j, iou)`` for each box ``j`` that has an earlier box ``i`` with IoU >= ``limit``,
    ``i`` the first such box; sorted by ``(i, j)``."""
    distinct, first, inverse = np.unique(boxes, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(first, kind="stable")[:MAX_DISTINCT]  # the first distinct boxes
    reps, reps_first = distinct[order], first[order]
    # best[r]: the first box whose (distinct) box has IoU >= limit with distinct box r (r's own
    # first box when none comes earlier), and that IoU
    best, best_iou = first.copy(), np.ones(len(distinct))
    for start in range(0, len(reps), ROWS):
        iou = iou_rows(reps[start : start + ROWS], reps)
        cand = np.where(iou >= limit, reps_first[None, :], np.iinfo(np.int64).max)
        pick = np.argmin(cand, axis=1)
        at = np.arange(len(pick))
        rows = order[start : start + ROWS]
        earlier = cand[at, pick] < best[rows]
        best[rows[earlier]] = cand[at, pick][earlier]
        best_iou[rows[earlier]] = iou[at, pick][earlier]
    i, j = best[inverse], np.arange(len(boxes))
    dup = i < j
    return sorted(
        (int(a), int(b), float(v))
        for a, b, v in zip(i[dup], j[dup], best_iou[inverse][dup], strict=True)
    )
