"""Dataset size: too few images to train or evaluate on.

``min_images_total`` counts every record in the manifest (unreadable files included, as imgeda
does) and reports one dataset-level finding (``paths=()``, ``value`` = the count) when there are
fewer than the threshold. The default of 1 only catches an empty dataset (a wrong glob, a
failed download); set the real floor in the policy (imgeda's example policy uses 100).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from imgeda_ci.checks.registry import DatasetContext, Finding, check, shorthand
from imgeda_ci.checks.results import fmt


@check(
    "min_images_total",
    "fewer images in the dataset than the threshold",
    kind="dataset",
    reads=("path",),
    default_threshold=1,
    unit="images",
    severity="error",
    threshold_range=(0, None),
    policy_keys=(
        shorthand(
            "min_images_total",
            sets="threshold",
            type="integer",
            minimum=0,
            description="fail when the manifest holds fewer images (imgeda)",
        ),
    ),
)
def min_images_total(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    n = len(ctx.records)
    if threshold is None or n >= threshold:
        return []
    return [
        Finding(
            "min_images_total",
            "error",
            (),
            f"{n} images < {fmt(threshold)} required",
            score=0.0,
            value=n,
        )
    ]
